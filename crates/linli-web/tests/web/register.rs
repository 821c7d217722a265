//! The register over real HTTP on both engines: a 10,000-row workbook imported through the
//! pages (and the same file with one bad ID number refused whole, with an error workbook
//! naming that row), the JSON API with its forbidden paths, exports, and the pages.

use std::io::Cursor;
use std::time::Duration;

use calamine::{Data, Reader};
use linli_testkit::{Engine, TestApp, engine_tests, spawn_app};
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{location, problem};

const MAIN: &str = "350103001001";

/// A valid 18-digit ID number (GB 11643 check character).
pub fn id_number(region: &str, birth: &str, seq: u32) -> String {
    let body = format!("{region}{birth}{seq:03}");
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

const HEADERS: [&str; 19] = [
    "楼栋",
    "单元",
    "房号",
    "网格",
    "姓名",
    "与户主关系",
    "性别",
    "证件类型",
    "证件号码",
    "出生日期",
    "民族",
    "手机号",
    "户籍类型",
    "就业状况",
    "人员类别",
    "残疾类别",
    "残疾等级",
    "其他标签",
    "备注",
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "郑",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华",
    "平",
];

/// `n` rows in `buildings` buildings: households of three (head, spouse, child), every ID
/// valid and distinct. Row `i` of the result is spreadsheet row `i + 2`.
pub fn register_rows(n: usize, buildings: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| {
            let h = i / 3;
            let (b, k) = (h % buildings, h / buildings);
            let (unit, room) = (k % 3 + 1, 101 + k / 3);
            let (relation, year, male) = match i % 3 {
                0 => ("户主", 1950 + (h % 40), true),
                1 => ("配偶", 1952 + (h % 40), false),
                _ => ("子女", 1985 + (h % 35), h % 2 == 0),
            };
            let day = 1 + (i / 1000) % 28;
            let month = 1 + (i / 28_000) % 12;
            // The sequence's last digit is the gender: odd for men.
            let seq = ((i % 1000) / 2 * 2 + usize::from(male)) as u32 % 1000;
            let birth = format!("{year}{month:02}{day:02}");
            let id = id_number("350103", &birth, seq);
            let name = format!("{}{}{}", SURNAMES[h % 20], GIVEN[(i / 20) % 20], GIVEN[i % 20]);
            let tags = if i % 3 == 0 && year < 1960 && h % 5 == 0 { "空巢老人" } else { "" };
            let phone = if i % 3 == 2 { String::new() } else { format!("139{:08}", i) };
            [
                format!("测试小区{}号楼", b + 1),
                unit.to_string(),
                room.to_string(),
                String::new(),
                name,
                relation.to_owned(),
                String::new(),
                "居民身份证".to_owned(),
                id,
                String::new(),
                "汉族".to_owned(),
                phone,
                "户籍".to_owned(),
                String::new(),
                tags.to_owned(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]
            .into()
        })
        .collect()
}

pub fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, v).expect("cell");
            }
        }
    }
    book.save_to_buffer().expect("workbook")
}

/// Signs in and makes the buildings the rows refer to, through the API.
pub async fn buildings(app: &TestApp, c: &Client, csrf: &str, n: usize) {
    for b in 1..=n {
        let r = c
            .post(app.url(&format!("/api/v1/communities/{MAIN}/buildings")))
            .header("x-csrf-token", csrf)
            .json(&json!({ "name": format!("测试小区{b}号楼") }))
            .send()
            .await
            .expect("building");
        assert_eq!(r.status(), 201, "building {b}");
    }
}

async fn upload(app: &TestApp, c: &Client, csrf: &str, name: &str, bytes: Vec<u8>) -> (u16, String) {
    let form = Form::new().text("_csrf", csrf.to_owned()).part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let r = c.post(app.url(&format!("/register/{MAIN}/import"))).multipart(form).send().await.expect("upload");
    (r.status().as_u16(), r.text().await.expect("page"))
}

/// The upload id in a checked-file page (from its error-workbook or commit link).
fn upload_id(html: &str) -> String {
    let marker = format!("/register/{MAIN}/import/");
    let start = html.find(&marker).map(|i| i + marker.len()).expect("an upload link");
    html[start..start + 36].to_owned()
}

async fn total(app: &TestApp, c: &Client, query: &str) -> i64 {
    let r =
        c.get(app.url(&format!("/api/v1/communities/{MAIN}/residents?limit=5&{query}"))).send().await.expect("search");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    v["total"].as_i64().expect("total")
}

// The done-when of the register: 10,000 rows with one bad ID number are refused whole, with an
// error workbook naming that row; the fixed file previews, imports with progress, and is found.
async fn ten_thousand_rows(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let csrf = app.sign_in(&c, "shuji").await;
    buildings(&app, &c, &csrf, 20).await;
    let mut rows = register_rows(10_000, 20);
    let good = rows[4999][8].clone();
    // Row 5,001 of the sheet: the last digit off by one.
    let bad = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
    rows[4999][8] = bad;

    let (status, html) = upload(&app, &c, &csrf, "榕华台账.xlsx", workbook(&rows)).await;
    assert_eq!(status, 422, "a file with a bad row is refused");
    assert!(html.contains("发现 1 行有错误") && html.contains("第 5001 行") && html.contains("校验码"), "{html:.2000}");
    assert_eq!(total(&app, &c, "").await, 0, "nothing was written");

    let id = upload_id(&html);
    let r = c.get(app.url(&format!("/register/{MAIN}/import/{id}/errors"))).send().await.expect("errors");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("workbook").to_vec();
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).expect("an xlsx");
    let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    let sheet: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(Data::to_string).collect()).collect();
    let reason_col = sheet[0].iter().position(|h| h == "错误原因").expect("a reason column");
    assert_eq!(sheet.len(), 10_001, "every original row is in the error workbook");
    let flagged: Vec<usize> = (1..sheet.len()).filter(|r| !sheet[*r][reason_col].is_empty()).collect();
    assert_eq!(flagged, [5000], "only sheet row 5,001 carries a reason");
    assert!(sheet[5000][reason_col].contains("证件号码"), "{}", sheet[5000][reason_col]);
    assert_eq!(sheet[5000][4], rows[4999][4], "the original cells are kept");

    // The same file through the API: one problem, named by row and field.
    let r = c
        .post(app.url(&format!("/api/v1/communities/{MAIN}/register/import")))
        .header("x-csrf-token", &csrf)
        .body(workbook(&rows))
        .send()
        .await
        .expect("api import");
    assert_eq!(r.status(), 422);
    let p = problem(r).await;
    assert_eq!(p["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (p["errors"][0]["field"].as_str(), p["errors"][0]["code"].as_str()),
        (Some("rows.5001.document_number"), Some("id_number_checksum"))
    );

    rows[4999][8] = good;
    let (status, html) = upload(&app, &c, &csrf, "榕华台账.xlsx", workbook(&rows)).await;
    assert_eq!(status, 200, "{html:.2000}");
    assert!(
        html.contains("检查通过：共 10000 行")
            && html.contains("新登记居民 10000 人")
            && html.contains("新建住户 3334 户")
    );
    let id = upload_id(&html);
    let r = c
        .post(app.url(&format!("/register/{MAIN}/import/{id}/commit")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("commit");
    let progress = format!("/register/{MAIN}/import/{id}/progress");
    assert_eq!((r.status().as_u16(), location(&r)), (303, progress.clone()));
    let mut finished = false;
    for _ in 0..600 {
        let html = c.get(app.url(&progress)).send().await.expect("progress").text().await.expect("page");
        if html.contains("导入完成") {
            assert!(html.contains("新登记居民 10000 人"), "{html:.2000}");
            finished = true;
            break;
        }
        assert!(html.contains("http-equiv=\"refresh\"") || html.contains("导入失败"), "a running import refreshes");
        assert!(!html.contains("导入失败"), "{html:.2000}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(finished, "the import finished within two minutes");
    // A second click on the button does not import twice.
    let r = c
        .post(app.url(&format!("/register/{MAIN}/import/{id}/commit")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("commit again");
    assert_eq!(location(&r), progress);

    assert_eq!(total(&app, &c, "").await, 10_000);
    let name = &rows[1234][4];
    assert!(total(&app, &c, &format!("q={}", urlencode(name))).await >= 1, "found by name");
    let tail = &rows[1234][8][14..];
    assert!(total(&app, &c, &format!("q={tail}")).await >= 1, "found by the last four digits");
    assert!(total(&app, &c, "tag=empty_nest").await > 0, "found by category");
    let html = c
        .get(app.url(&format!("/register/{MAIN}?q={}", urlencode(name))))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(html.contains(name.as_str()), "the search page lists them");
    let profile: Value = c
        .get(app.url(&format!("/api/v1/communities/{MAIN}/profile")))
        .send()
        .await
        .expect("profile")
        .json()
        .await
        .expect("json");
    assert_eq!((profile["population"].as_i64(), profile["households"].as_i64()), (Some(10_000), Some(3334)));
    let audit = app
        .store()
        .acting(&linli_store::Actor::system("test"))
        .audit_entries(&Default::default(), 50, 0)
        .await
        .expect("audit")
        .0;
    assert_eq!(audit.iter().filter(|e| e.action == "register.import").count(), 1, "one audit entry for the import");
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap_or_default().trim_start_matches("x=").to_owned()
}

// A small CSV in GBK, as Excel on a Chinese Windows saves it, imports through the API.
async fn gbk_csv_through_the_api(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let csrf = app.sign_in(&c, "chuangkou").await;
    let head = app.client();
    let head_csrf = app.sign_in(&head, "shuji").await;
    buildings(&app, &head, &head_csrf, 1).await;
    let mut csv = String::from("楼栋,单元,房号,姓名,与户主关系,身份证号,户籍类型,人员类别,备注\n");
    csv.push_str(&format!(
        "测试小区1号楼,1,101,林秀英,户主,{},户籍,独居老人,=cmd()\n",
        id_number("350102", "19400305", 22)
    ));
    csv.push_str(&format!("测试小区1号楼,,102,陈建华,户主,{},流动人口,,\n", id_number("350581", "19880712", 11)));
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let r = c
        .post(app.url(&format!("/api/v1/communities/{MAIN}/register/import?commit=true&filename=gbk.csv")))
        .header("x-csrf-token", &csrf)
        .body(gbk.into_owned())
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!((v["creates"].as_i64(), v["imported"]["created"].as_i64()), (Some(2), Some(2)));
    assert_eq!(total(&app, &c, "q=linxiuying").await, 1, "pinyin search finds the GBK name");
    assert_eq!(total(&app, &c, "tag=living_alone").await, 1);
    assert_eq!(total(&app, &c, "tag=elderly_80").await, 1, "derived from the birth date");

    // Garbage is refused with a clear problem, not a crash.
    let r = c
        .post(app.url(&format!("/api/v1/communities/{MAIN}/register/import")))
        .header("x-csrf-token", &csrf)
        .body(b"\x81\x20\x81\x20".to_vec())
        .send()
        .await
        .expect("garbage");
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["code"], "import_unreadable");
    let r = c
        .post(app.url(&format!("/api/v1/communities/{MAIN}/register/import")))
        .header("x-csrf-token", &csrf)
        .body("姓名,备注\n王芳,x\n")
        .send()
        .await
        .expect("missing columns");
    let p = problem(r).await;
    assert_eq!(p["errors"][0]["code"], "import_missing_columns");
    assert!(p["errors"][0]["message"].as_str().unwrap_or_default().contains("证件号码"));

    // Exported: masked, and the formula neutralised.
    let r = c.get(app.url(&format!("/api/v1/communities/{MAIN}/residents/export"))).send().await.expect("export");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap_or_default().contains("filename*=UTF-8''"));
    let bytes = r.bytes().await.expect("bytes").to_vec();
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range_at(0).expect("sheet").expect("readable");
    let sheet: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(Data::to_string).collect()).collect();
    assert_eq!(sheet.len(), 3);
    let all: String = sheet.concat().join("|");
    let whole = id_number("350102", "19400305", 22);
    assert!(all.contains(&format!("350102********{}", &whole[14..])), "IDs are masked: {all}");
    assert!(!all.contains(&whole), "no whole ID number in an export");
    assert!(all.contains("'=cmd()"), "formulas are neutralised: {all}");
    let log = app
        .store()
        .acting(&linli_store::Actor::system("test"))
        .audit_entries(&Default::default(), 50, 0)
        .await
        .expect("audit")
        .0;
    assert!(log.iter().any(|e| e.action == "register.export"), "exports are logged");
    // Export is its own right: a grid worker may read the register but not export it.
    let g = app.client();
    app.sign_in(&g, "wangge").await;
    let r = g.get(app.url(&format!("/api/v1/communities/{MAIN}/residents/export"))).send().await.expect("export");
    assert_eq!(r.status(), 403);
}

engine_tests!(ten_thousand_rows, gbk_csv_through_the_api);
