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

use linli_testkit::register::{id_number, register_rows, workbook};

use crate::{location, problem};

const MAIN: &str = "350103001001";

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

async fn post(app: &TestApp, c: &Client, csrf: &str, path: &str, body: Value) -> reqwest::Response {
    c.post(app.url(path)).header("x-csrf-token", csrf).json(&body).send().await.expect("post")
}

// The register through the JSON API: places, a resident's life (registered, corrected, moved,
// moved out), visits and coverage, and every forbidden path: wrong role, other community,
// invalid ID number, duplicates, reveals.
async fn api_flow_and_forbidden_paths(engine: Engine) {
    let app = spawn_app(engine).await;
    let head = app.client();
    let hc = app.sign_in(&head, "shuji").await;
    let r = post(
        &app,
        &head,
        &hc,
        &format!("/api/v1/communities/{MAIN}/grids"),
        json!({ "code": "0101", "name": "第一网格" }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let grid: Value = r.json().await.expect("grid");
    let r =
        post(&app, &head, &hc, &format!("/api/v1/communities/{MAIN}/grids"), json!({ "code": "0101", "name": "重复" }))
            .await;
    assert_eq!(r.status(), 409, "grid codes are unique in a community");
    let wangge = app.store().user_by_username("wangge").await.expect("grid worker");
    let chuangkou = app.store().user_by_username("chuangkou").await.expect("window worker");
    let r = head
        .put(app.url(&format!("/api/v1/grids/{}/workers", grid["id"].as_str().unwrap_or_default())))
        .header("x-csrf-token", &hc)
        .json(&json!({ "workers": [chuangkou.id] }))
        .send()
        .await
        .expect("workers");
    assert_eq!((r.status().as_u16(), problem(r).await["errors"][0]["code"].clone()), (422, json!("grid_worker")));
    let r = head
        .put(app.url(&format!("/api/v1/grids/{}/workers", grid["id"].as_str().unwrap_or_default())))
        .header("x-csrf-token", &hc)
        .json(&json!({ "workers": [wangge.id] }))
        .send()
        .await
        .expect("workers");
    assert_eq!(r.status(), 200);
    let r = post(
        &app,
        &head,
        &hc,
        &format!("/api/v1/communities/{MAIN}/buildings"),
        json!({ "name": "榕华花园1号楼", "grid_id": grid["id"] }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let building: Value = r.json().await.expect("building");
    let bid = building["id"].as_str().unwrap_or_default().to_owned();
    let r =
        post(&app, &head, &hc, &format!("/api/v1/buildings/{bid}/households"), json!({ "unit": "1", "room": "302" }))
            .await;
    let household = r.json::<Value>().await.expect("household")["id"].as_str().unwrap_or_default().to_owned();

    let worker = app.client();
    let wc = app.sign_in(&worker, "chuangkou").await;
    let person = |id: &str, relation: &str, tags: &str| {
        json!({ "name": "林秀英", "document_number": id, "relation": relation, "residence_type": "户籍",
                "phone": "13905910001", "tags": tags, "note": "=HYPERLINK(\"x\")" })
    };
    let good = id_number("350102", "19400305", 22);
    let bad = format!("{}{}", &good[..17], if good.ends_with('1') { '2' } else { '1' });
    let r =
        post(&app, &worker, &wc, &format!("/api/v1/households/{household}/residents"), person(&bad, "户主", "")).await;
    assert_eq!(r.status(), 422);
    let p = problem(r).await;
    assert_eq!(
        (p["errors"][0]["field"].as_str(), p["errors"][0]["code"].as_str()),
        (Some("document_number"), Some("id_number_checksum"))
    );
    assert!(p["errors"][0]["message"].as_str().unwrap_or_default().contains("校验码"));
    let r = post(
        &app,
        &worker,
        &wc,
        &format!("/api/v1/households/{household}/residents"),
        person(&good, "户主", "独居老人"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let rid = r.json::<Value>().await.expect("id")["id"].as_str().unwrap_or_default().to_owned();
    let r =
        post(&app, &worker, &wc, &format!("/api/v1/households/{household}/residents"), person(&good, "配偶", "")).await;
    assert_eq!(r.status(), 409, "the same document twice is a conflict, never a second record");

    let detail: Value =
        worker.get(app.url(&format!("/api/v1/residents/{rid}"))).send().await.expect("get").json().await.expect("json");
    assert_eq!(detail["document_masked"], format!("350102********{}", &good[14..]));
    assert_eq!((detail["gender"].as_str(), detail["birth_date"].as_str()), (Some("female"), Some("1940-03-05")));
    assert!(detail.to_string().find(&good).is_none(), "never the whole number");
    let tags: Vec<&str> = detail["tags"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert!(tags.contains(&"elderly_80") && tags.contains(&"living_alone"), "{tags:?}");

    // A grid worker corrects the phone (allowed), cannot register anyone (not allowed).
    let grid_worker = app.client();
    let gc = app.sign_in(&grid_worker, "wangge").await;
    let mut changed = person("", "户主", "独居老人");
    changed["phone"] = json!("13905910099");
    changed["document_number"] = json!(good);
    let r = grid_worker
        .put(app.url(&format!("/api/v1/residents/{rid}")))
        .header("x-csrf-token", &gc)
        .json(&changed)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.expect("json");
    assert_eq!(d["events"][0]["kind"], "changed");
    assert!(d["events"][0]["details"].as_str().unwrap_or_default().contains("phone"));
    let r = post(
        &app,
        &grid_worker,
        &gc,
        &format!("/api/v1/households/{household}/residents"),
        person(&id_number("350102", "19500101", 31), "配偶", ""),
    )
    .await;
    assert_eq!(r.status(), 403);

    // Visits and coverage: due before the visit, not after.
    let due: Value = grid_worker
        .get(app.url(&format!("/api/v1/communities/{MAIN}/coverage/vulnerable")))
        .send()
        .await
        .expect("due")
        .json()
        .await
        .expect("json");
    assert_eq!(due["residents"].as_array().map(Vec::len), Some(1));
    let r = post(
        &app,
        &grid_worker,
        &gc,
        &format!("/api/v1/households/{household}/visits"),
        json!({ "purpose": "独居老人探访", "follow_up": true }),
    )
    .await;
    assert_eq!((r.status().as_u16(), problem(r).await["errors"][0]["code"].clone()), (422, json!("follow_up_note")));
    let r = post(
        &app,
        &grid_worker,
        &gc,
        &format!("/api/v1/households/{household}/visits"),
        json!({ "purpose": "例行走访", "visited_on": "2099-01-01" }),
    )
    .await;
    assert_eq!((r.status().as_u16(), problem(r).await["errors"][0]["code"].clone()), (422, json!("visit_date")));
    let r = post(
        &app,
        &grid_worker,
        &gc,
        &format!("/api/v1/households/{household}/visits"),
        json!({ "purpose": "独居老人探访", "findings": "身体尚好", "follow_up": true, "follow_up_note": "联系家属" }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let due: Value = grid_worker
        .get(app.url(&format!("/api/v1/communities/{MAIN}/coverage/vulnerable")))
        .send()
        .await
        .expect("due")
        .json()
        .await
        .expect("json");
    assert_eq!(due["residents"].as_array().map(Vec::len), Some(0), "visited today: no longer due");
    let visits: Value = head
        .get(app.url(&format!("/api/v1/households/{household}/visits")))
        .send()
        .await
        .expect("visits")
        .json()
        .await
        .expect("json");
    assert_eq!(visits[0]["worker_name"], "刘强 (wangge)");

    // Reveals: the window worker sees the whole ID (logged), the assessor may not.
    let r = post(&app, &worker, &wc, &format!("/api/v1/residents/{rid}/reveal"), json!({ "field": "id_number" })).await;
    assert_eq!(r.json::<Value>().await.expect("json")["value"], good);
    let assessor = app.client();
    let ac = app.sign_in(&assessor, "pingshen").await;
    let r =
        post(&app, &assessor, &ac, &format!("/api/v1/residents/{rid}/reveal"), json!({ "field": "id_number" })).await;
    assert_eq!(r.status(), 403);

    // Another community's worker finds nothing; a resident may not read the register.
    let other = app.client();
    let oc = app.sign_in(&other, "minjiang").await;
    assert_eq!(other.get(app.url(&format!("/api/v1/residents/{rid}"))).send().await.expect("get").status(), 404);
    assert_eq!(other.get(app.url(&format!("/api/v1/households/{household}"))).send().await.expect("get").status(), 404);
    let r =
        post(&app, &other, &oc, &format!("/api/v1/households/{household}/visits"), json!({ "purpose": "越界" })).await;
    assert_eq!(r.status(), 404);
    let r = other.get(app.url(&format!("/api/v1/communities/{MAIN}/residents"))).send().await.expect("list");
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());
    let jumin = app.client();
    app.sign_in(&jumin, "jumin").await;
    assert_eq!(
        jumin.get(app.url(&format!("/api/v1/communities/{MAIN}/residents"))).send().await.expect("list").status(),
        403
    );

    // Moving flat, then moving out: the record stays with its history.
    let r =
        post(&app, &head, &hc, &format!("/api/v1/buildings/{bid}/households"), json!({ "unit": "2", "room": "501" }))
            .await;
    let flat = r.json::<Value>().await.expect("household")["id"].as_str().unwrap_or_default().to_owned();
    let r = post(&app, &worker, &wc, &format!("/api/v1/residents/{rid}/move"), json!({ "household_id": flat })).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.expect("json")["address"], "榕华花园1号楼 2单元 501");
    let r = post(
        &app,
        &worker,
        &wc,
        &format!("/api/v1/residents/{rid}/end"),
        json!({ "status": "moved_out", "on_date": "2099-01-01" }),
    )
    .await;
    assert_eq!((r.status().as_u16(), problem(r).await["errors"][0]["code"].clone()), (422, json!("event_date")));
    let r = post(
        &app,
        &worker,
        &wc,
        &format!("/api/v1/residents/{rid}/end"),
        json!({ "status": "moved_out", "on_date": linli_store::today().to_string(), "note": "迁往厦门" }),
    )
    .await;
    let d: Value = r.json().await.expect("json");
    assert_eq!(d["status"], "moved_out");
    let kinds: Vec<&str> = d["events"].as_array().into_iter().flatten().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["moved_out", "household_changed", "changed", "registered"]);
    let moved = d["events"][1]["details"].as_str().unwrap_or_default();
    assert!(moved.contains("榕华花园1号楼 1单元 302") && moved.contains("2单元 501"), "moves name addresses: {moved}");
    let history: Value = head
        .get(app.url(&format!("/api/v1/households/{flat}/history")))
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    let kinds: Vec<&str> = history.as_array().into_iter().flatten().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["moved_out", "household_changed"], "the household's own history");
    let r = other.get(app.url(&format!("/api/v1/households/{flat}/history"))).send().await.expect("history");
    assert_eq!(r.status(), 404);
    assert_eq!(total(&app, &worker, "").await, 0, "moved-out residents leave the default list");
    assert_eq!(total(&app, &worker, "status=moved_out").await, 1);
    let r =
        worker.get(app.url(&format!("/api/v1/communities/{MAIN}/residents?sort=shoe"))).send().await.expect("bad sort");
    assert_eq!(r.status(), 422);

    // Correcting mistakes: a grid renamed, not retired while it has buildings; an empty
    // household removed (only by the head) and brought back by opening its address again.
    let gid = grid["id"].as_str().unwrap_or_default().to_owned();
    for (retired, want) in [(true, 422), (false, 200)] {
        let r = head
            .put(app.url(&format!("/api/v1/grids/{gid}")))
            .header("x-csrf-token", &hc)
            .json(&json!({ "code": "0101", "name": "江滨一网格", "retired": retired }))
            .send()
            .await
            .expect("grid");
        assert_eq!(r.status(), want);
        let v: Value = r.json().await.expect("json");
        if retired {
            assert_eq!(v["errors"][0]["code"], "grid_has_buildings");
        } else {
            assert_eq!(v["name"], "江滨一网格");
        }
    }
    let r = post(&app, &worker, &wc, &format!("/api/v1/households/{flat}/dissolve"), json!({})).await;
    assert_eq!(r.status(), 403, "a window worker may not remove households");
    let r = post(&app, &head, &hc, &format!("/api/v1/households/{flat}/dissolve"), json!({})).await;
    assert_eq!(r.status(), 204);
    assert_eq!(head.get(app.url(&format!("/api/v1/households/{flat}"))).send().await.expect("get").status(), 200);
    let r =
        post(&app, &head, &hc, &format!("/api/v1/buildings/{bid}/households"), json!({ "unit": "2", "room": "501" }))
            .await;
    assert_eq!(r.json::<Value>().await.expect("json")["id"], flat, "the address opens the same household again");
    let someone = person(&id_number("350103", "19700101", 51), "户主", "");
    let r = post(&app, &worker, &wc, &format!("/api/v1/households/{flat}/residents"), someone).await;
    assert_eq!(r.status(), 201);
    let r = post(&app, &head, &hc, &format!("/api/v1/households/{flat}/dissolve"), json!({})).await;
    assert_eq!(
        (r.status().as_u16(), problem(r).await["errors"][0]["code"].clone()),
        (422, json!("household_not_empty"))
    );
}

// The register's pages render for the community head with the demo's words, and the forms
// work without JavaScript: a building, a household, a resident, an edit that keeps the ID.
async fn pages_and_forms(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let csrf = app.sign_in(&c, "shuji").await;
    for path in ["places", "population", "coverage", "import", ""] {
        let r = c.get(app.url(format!("/register/{MAIN}/{path}").trim_end_matches('/'))).send().await.expect("page");
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.expect("body");
        assert!(!html.contains("⟨?⟩"), "a message key is missing on {path}");
        assert!(html.contains("居民台账") || html.contains("楼栋与网格"), "{path}");
    }
    let r = c.get(app.url("/register")).send().await.expect("start");
    assert_eq!(location(&r), format!("/register/{MAIN}"));
    let r = c.get(app.url("/register/template")).send().await.expect("template");
    assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");

    let r = c
        .post(app.url(&format!("/register/{MAIN}/buildings")))
        .form(&[("_csrf", csrf.as_str()), ("name", "页面楼"), ("address", ""), ("grid", "")])
        .send()
        .await
        .expect("building");
    assert_eq!(r.status(), 303);
    let building = location(&r);
    let r = c
        .post(app.url(&format!("/register/{MAIN}/buildings")))
        .form(&[("_csrf", csrf.as_str()), ("name", "页面楼"), ("address", ""), ("grid", "")])
        .send()
        .await
        .expect("again");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("已存在"), "a duplicate name is shown on the form");
    let r = c
        .post(app.url(&format!("{building}/households")))
        .form(&[("_csrf", csrf.as_str()), ("unit", ""), ("room", "101")])
        .send()
        .await
        .expect("household");
    let household = location(&r);
    assert!(household.starts_with("/households/"));
    let new_form =
        c.get(app.url(&format!("{household}/residents/new"))).send().await.expect("form").text().await.expect("body");
    assert!(
        new_form.contains("登记居民") && new_form.contains("value=\"head\" selected"),
        "the first member is the head"
    );

    let id = id_number("350103", "19900101", 123);
    let fields = |doc: &str, phone: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("name", "张三丰".to_owned()),
            ("relation", "head".to_owned()),
            ("document_kind", "id_card".to_owned()),
            ("document_number", doc.to_owned()),
            ("residence_type", "registered".to_owned()),
            ("phone", phone.to_owned()),
            ("tag", "veteran".to_owned()),
            ("tag", "dibao".to_owned()),
            ("custom_tags", "楼道长".to_owned()),
        ]
    };
    let r = c
        .post(app.url(&format!("{household}/residents")))
        .form(&fields("350103199001011230", ""))
        .send()
        .await
        .expect("bad");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("body");
    assert!(
        html.contains("校验码") && html.contains("value=\"张三丰\""),
        "the form comes back with the message and the input"
    );
    let r = c
        .post(app.url(&format!("{household}/residents")))
        .form(&fields(&id, "13800000001"))
        .send()
        .await
        .expect("good");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let resident = location(&r);
    let html = c.get(app.url(&resident)).send().await.expect("page").text().await.expect("body");
    assert!(
        html.contains("居民已登记")
            && html.contains("退役军人")
            && html.contains("低保对象")
            && html.contains("楼道长")
    );
    assert!(html.contains("138****0001") && !html.contains(&id));

    // Editing with the ID and phone left blank keeps them; the change is in the history.
    let edit = c.get(app.url(&format!("{resident}/edit"))).send().await.expect("edit").text().await.expect("body");
    assert!(!edit.contains(&id) && !edit.contains("13800000001"), "whole numbers never appear in a form");
    let mut f = fields("", "");
    f[1].1 = "张三峰".into();
    let r = c.post(app.url(&format!("{resident}/edit"))).form(&f).send().await.expect("save");
    assert_eq!(r.status(), 303);
    let html = c.get(app.url(&resident)).send().await.expect("page").text().await.expect("body");
    assert!(html.contains("张三丰 → 张三峰") && html.contains("138****0001"), "name changed, phone kept");
    let r = c
        .post(app.url(&format!("{resident}/reveal")))
        .form(&[("_csrf", csrf.as_str()), ("field", "id_number")])
        .send()
        .await
        .expect("reveal");
    assert!(r.text().await.expect("body").contains(&id), "the head may reveal the whole ID");

    let html = c.get(app.url(&format!("{household}/print"))).send().await.expect("print").text().await.expect("body");
    assert!(html.contains("户籍登记表") && html.contains("张三峰"));
    let r = c.get(app.url(&format!("/register/{MAIN}/export"))).send().await.expect("export");
    assert_eq!(r.status(), 200, "signed in just now: no password prompt");

    // A grid worker records a visit through the page form.
    let g = app.client();
    let gc = app.sign_in(&g, "wangge").await;
    let r = g
        .post(app.url(&format!("{household}/visit")))
        .form(&[("_csrf", gc.as_str()), ("visited_on", ""), ("purpose", ""), ("findings", ""), ("follow_up_note", "")])
        .send()
        .await
        .expect("visit");
    assert_eq!(r.status(), 422);
    let r = g
        .post(app.url(&format!("{household}/visit")))
        .form(&[
            ("_csrf", gc.as_str()),
            ("visited_on", ""),
            ("purpose", "例行入户走访"),
            ("findings", "一切正常"),
            ("follow_up_note", ""),
        ])
        .send()
        .await
        .expect("visit");
    assert_eq!(r.status(), 303);
    let html = g.get(app.url(&household)).send().await.expect("household").text().await.expect("body");
    assert!(html.contains("走访已记录") && html.contains("一切正常") && html.contains("刘强"));
    // Grid workers may not open the import page or export.
    assert_eq!(g.get(app.url(&format!("/register/{MAIN}/import"))).send().await.expect("import").status(), 403);
    assert_eq!(g.get(app.url(&format!("/register/{MAIN}/export"))).send().await.expect("export").status(), 403);
}

engine_tests!(ten_thousand_rows, gbk_csv_through_the_api, api_flow_and_forbidden_paths, pages_and_forms);
