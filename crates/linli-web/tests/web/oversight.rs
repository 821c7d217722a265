//! 好差评 over real HTTP on both engines: the code on the completion notice rates without an
//! account (once), staff record ratings at the window through the API, and rectifications move
//! through the API with the matrix's refusals.

use linli_testkit::{Engine, engine_tests, spawn_app};
use serde_json::{Value, json};

use crate::problem;

const MAIN: &str = "350103001001";

async fn ratings_over_http(engine: Engine) {
    let app = spawn_app(engine).await;
    app.store().seed_demo_window().await.expect("window");
    let c = app.client();
    let csrf = app.sign_in(&c, "chuangkou").await;
    let catalogue: Value = c
        .get(app.url(&format!("/api/v1/communities/{MAIN}/catalogue")))
        .send()
        .await
        .expect("c")
        .json()
        .await
        .expect("j");
    let repair = catalogue.as_array().expect("list").iter().find(|i| i["code"] == "BM-004").expect("BM-004")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let finished = |name: &'static str| {
        let (c, csrf, repair) = (c.clone(), csrf.clone(), repair.clone());
        let (take, base) = (app.url(&format!("/api/v1/communities/{MAIN}/requests")), app.url("/api/v1/requests/"));
        async move {
            let body = json!({ "item_id": repair, "applicant_name": name, "applicant_phone": "13905912222", "fields": { "f1": "水电维修" } });
            let r = c.post(take).header("x-csrf-token", &csrf).json(&body).send().await.expect("take");
            let id = r.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
            let r = c
                .post(format!("{base}{id}/moves"))
                .header("x-csrf-token", &csrf)
                .json(&json!({ "action": "complete", "reason": "已修好" }))
                .send()
                .await
                .expect("complete");
            assert_eq!(r.status(), 200);
            id
        }
    };

    // By code, without an account, once.
    let first = finished("王建国").await;
    let d: Value =
        c.get(app.url(&format!("/api/v1/requests/{first}"))).send().await.expect("get").json().await.expect("json");
    let code = d["rating_code"].as_str().expect("a rating code").to_owned();
    let notice = c
        .get(app.url(&format!("/requests/{first}/print/completion")))
        .send()
        .await
        .expect("notice")
        .text()
        .await
        .expect("t");
    assert!(notice.contains(&code), "the code is on the completion notice");
    let anon = app.client();
    let page = anon.get(app.url(&format!("/rate?code={code}"))).send().await.expect("rate page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("家政维修预约") && html.contains("非常不满意"));
    let token = html.split("name=\"_csrf\" value=\"").nth(1).map(|s| s[..43].to_owned()).expect("csrf");
    let form = [("_csrf", token.as_str()), ("code", code.as_str()), ("level", "dissatisfied"), ("comment", "等了太久")];
    let r = anon.post(app.url("/rate")).form(&form).send().await.expect("rate");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("t").contains("感谢您的评价"));
    let r = anon.post(app.url("/rate")).form(&form).send().await.expect("again");
    assert_eq!(r.status(), 422, "one rating per request");
    assert_eq!(anon.get(app.url("/rate?code=ZZZZZZZZZZ")).send().await.expect("bad").status(), 404);

    // Recorded at the window, through the API, by someone other than who did the work.
    let second = finished("黄丽").await;
    let c = app.client();
    let csrf = app.sign_in(&c, "shegong").await;
    let r = c
        .post(app.url(&format!("/api/v1/requests/{second}/rating")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "level": "好" }))
        .send()
        .await
        .expect("bad level");
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["code"], "rating_level");
    let r = c
        .post(app.url(&format!("/api/v1/requests/{second}/rating")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "level": "非常满意", "comment": "当面表扬" }))
        .send()
        .await
        .expect("rate");
    assert_eq!(r.status(), 201);
    let g: Value =
        c.get(app.url(&format!("/api/v1/requests/{second}/rating"))).send().await.expect("g").json().await.expect("j");
    assert_eq!((g["channel"].as_str(), g["rectification_id"].is_null()), (Some("window"), true));

    // The bad rating's rectification, through the API.
    let list: Value = c
        .get(app.url(&format!("/api/v1/communities/{MAIN}/rectifications")))
        .send()
        .await
        .expect("l")
        .json()
        .await
        .expect("j");
    let rect = list.as_array().expect("list")[0]["id"].as_str().expect("id").to_owned();
    let r = c
        .post(app.url(&format!("/api/v1/rectifications/{rect}/moves")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "action": "revisit", "reason": "x" }))
        .send()
        .await
        .expect("wrong step");
    assert_eq!(r.status(), 422);
    let r = c
        .post(app.url(&format!("/api/v1/rectifications/{rect}/moves")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "action": "unfounded", "reason": "调取记录：按约定时间上门" }))
        .send()
        .await
        .expect("move");
    assert_eq!(r.status(), 200);
    let me = app.client();
    app.sign_in(&me, "jumin").await;
    assert_eq!(me.get(app.url(&format!("/api/v1/rectifications/{rect}"))).send().await.expect("g").status(), 404);
    assert_eq!(me.get(app.url(&format!("/window/{MAIN}/rectifications"))).send().await.expect("g").status(), 403);

    // The figures count what just happened: two ratings, one of them bad.
    let html = c.get(app.url(&format!("/oversight/{MAIN}"))).send().await.expect("figures").text().await.expect("t");
    assert!(html.contains("按时办结率") && html.contains("50%"), "{html:.3000}");
    let f: Value = c
        .get(app.url(&format!("/api/v1/communities/{MAIN}/figures?months=1")))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("j");
    assert_eq!(f[0]["ratings"], 2);
    assert_eq!(me.get(app.url(&format!("/oversight/{MAIN}"))).send().await.expect("resident").status(), 403);

    // The month's ledgers (the window keeps them): printable, and as a workbook whose totals
    // match the figures.
    let c = app.client();
    app.sign_in(&c, "chuangkou").await;
    let today = linli_store::today();
    let period = format!("{:04}-{:02}", today.year(), u8::from(today.month()));
    let html = c
        .get(app.url(&format!("/oversight/{MAIN}/ledgers?kind=ratings&period={period}")))
        .send()
        .await
        .expect("ledger")
        .text()
        .await
        .expect("t");
    assert!(html.contains("服务评价台账") && html.contains("合计：评价 2 条，满意（含基本满意）1 条"), "{html:.3000}");
    let r = c
        .get(app.url(&format!("/oversight/{MAIN}/ledgers?kind=requests&period={period}&format=xlsx")))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("bytes").to_vec();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx");
    use calamine::Reader;
    let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(&rows[0][..3], ["受理编号", "服务事项", "申请人"]);
    let received = f[0]["received"].as_i64().expect("received");
    let totals = rows.last().expect("totals")[0].clone();
    assert!(totals.starts_with(&format!("合计：申请 {received} 件")), "{totals} vs {received}");
    assert_eq!(rows.len() as i64, received + 2, "header, one row per request, totals");
    assert_eq!(
        c.get(app.url(&format!("/oversight/{MAIN}/ledgers?period=2026-13"))).send().await.expect("bad").status(),
        422
    );
    // 居务公开: the same figures for anyone, and nothing personal.
    let html = anon.get(app.url(&format!("/public/{MAIN}"))).send().await.expect("public").text().await.expect("t");
    assert!(
        html.contains("居务公开") && html.contains("50%") && !html.contains("王建国") && !html.contains("黄丽"),
        "{html:.2000}"
    );
    assert_eq!(anon.get(app.url("/public/350103001000")).send().await.expect("street").status(), 404);
    // The street office compares its communities; the main one leads with its figures.
    let street = app.client();
    app.sign_in(&street, "jiedao").await;
    let html =
        street.get(app.url("/oversight/compare/350103001000")).send().await.expect("compare").text().await.expect("t");
    assert!(
        html.contains("榕华社区") && html.contains("闽江社区") && html.contains("/oversight/350103001001"),
        "{html:.2000}"
    );
    let r = street.get(app.url("/oversight")).send().await.expect("start");
    assert_eq!(crate::location(&r), "/oversight/compare/350103001000");
    assert_eq!(me.get(app.url("/oversight/compare/350103001000")).send().await.expect("resident").status(), 403);
}

// Complaints through the pages: taken by phone with a field error first, answered, rejected
// by the complainant and taken over by the street office; a resident files online.
async fn complaint_pages(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let csrf = app.sign_in(&c, "chuangkou").await;
    let list = format!("/complaints/at/{MAIN}");
    let r = c
        .post(app.url(&list))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("channel", "phone"),
            ("complainant_name", "张伟"),
            ("phone", "123"),
            ("subject", "态度"),
            ("content", "被催促"),
        ])
        .send()
        .await
        .expect("bad");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("t").contains("请输入 11 位手机号"));
    let r = c
        .post(app.url(&list))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("channel", "phone"),
            ("complainant_name", "张伟"),
            ("phone", "13905913333"),
            ("subject", "窗口态度"),
            ("content", "办理时被催促"),
        ])
        .send()
        .await
        .expect("take");
    assert_eq!(r.status(), 303);
    let page = crate::location(&r);
    let id = page.trim_start_matches("/complaints/").to_owned();
    let html = c.get(app.url(&page)).send().await.expect("page").text().await.expect("t");
    assert!(html.contains("已受理") && html.contains("开始调查") && html.contains("139****3333"));
    let step = |action: &'static str, reason: &'static str| {
        let (c, csrf, url) = (c.clone(), csrf.clone(), app.url(&format!("/complaints/{id}/move")));
        async move {
            c.post(url)
                .form(&[("_csrf", csrf.as_str()), ("action", action), ("reason", reason)])
                .send()
                .await
                .expect("move")
                .status()
                .as_u16()
        }
    };
    assert_eq!(step("reply", "").await, 422);
    assert_eq!(step("reply", "已批评教育当事工作人员").await, 303);
    assert_eq!(step("reject_reply", "不认可").await, 303);
    let street = app.client();
    let scsrf = app.sign_in(&street, "jiedao").await;
    let html =
        street.get(app.url("/complaints/at/350103001000")).send().await.expect("street").text().await.expect("t");
    assert!(html.contains("窗口态度") && html.contains("街道办理中"), "{html:.2000}");
    let r = street
        .post(app.url(&format!("/complaints/{id}/move")))
        .form(&[("_csrf", scsrf.as_str()), ("action", "reply"), ("reason", "街道已约谈社区负责人")])
        .send()
        .await
        .expect("street reply");
    assert_eq!(r.status(), 303);

    let me = app.client();
    let mcsrf = app.sign_in(&me, "jumin").await;
    let r = me
        .post(app.url("/complain"))
        .form(&[
            ("_csrf", mcsrf.as_str()),
            ("channel", "online"),
            ("complainant_name", "李秀英"),
            ("phone", "13905910011"),
            ("subject", "路灯不亮"),
            ("content", "三号楼前路灯一周不亮"),
        ])
        .send()
        .await
        .expect("complain");
    assert_eq!(r.status(), 303);
    let mine = crate::location(&r);
    assert_eq!(me.get(app.url(&mine)).send().await.expect("own").status(), 200);
    assert_eq!(me.get(app.url(&page)).send().await.expect("other").status(), 404);
    assert_eq!(me.get(app.url(&list)).send().await.expect("list").status(), 403);

    // The window hands the resident's complaint to a colleague chosen on the page.
    let html = c.get(app.url(&mine)).send().await.expect("page").text().await.expect("t");
    let to = html
        .split("name=\"to_user\"")
        .nth(1)
        .and_then(|s| s.split("<option value=\"").nth(2))
        .map(|s| s[..36].to_owned())
        .expect("a colleague");
    let r = c
        .post(app.url(&format!("{mine}/move")))
        .form(&[("_csrf", csrf.as_str()), ("action", "hand_over"), ("to_user", to.as_str()), ("reason", "社工跟进")])
        .send()
        .await
        .expect("hand over");
    assert_eq!(r.status(), 303);
    let r = c
        .post(app.url(&format!("{mine}/move")))
        .form(&[("_csrf", csrf.as_str()), ("action", "investigate"), ("reason", "")])
        .send()
        .await
        .expect("not mine now");
    assert_eq!(r.status(), 422);
}

engine_tests!(ratings_over_http, complaint_pages);
