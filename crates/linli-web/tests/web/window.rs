//! The one-stop window over real HTTP on both engines: the desk's forms from intake with a
//! missing material to the printed notices, the JSON API with its refusals, the public guide
//! and look-up, and Open311 GeoReport v2 in both formats, posting with an API key.

use linli_store::Actor;
use linli_testkit::{Engine, TestApp, engine_tests, spawn_app};
use reqwest::Client;
use serde_json::{Value, json};

use crate::{location, problem};

const MAIN: &str = "350103001001";

async fn app_with_window(engine: Engine) -> TestApp {
    let app = spawn_app(engine).await;
    app.store().seed_demo_window().await.expect("seed window");
    app
}

/// The id of a catalogue item by its code, through the API.
async fn item_id(app: &TestApp, c: &Client, code: &str) -> String {
    let r = c.get(app.url(&format!("/api/v1/communities/{MAIN}/catalogue"))).send().await.expect("catalogue");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    let item = v.as_array().expect("list").iter().find(|i| i["code"] == code).unwrap_or_else(|| panic!("{code}"));
    item["id"].as_str().expect("id").to_owned()
}

async fn page(app: &TestApp, c: &Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("page");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn post_form(app: &TestApp, c: &Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.expect("post")
}

/// The request's current version, which each move form carries.
fn version(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).map(|i| i + marker.len()).expect("a move form");
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

// Appendix A at the desk, through the forms a worker uses: intake with a missing material and
// the printed one-time notice, resuming, transfer, completion and its notice; bad fields and
// forbidden moves come back in Chinese beside the form.
async fn desk_pages(engine: Engine) {
    let app = app_with_window(engine).await;
    let c = app.client();
    let csrf = app.sign_in(&c, "chuangkou").await;
    let (status, html) = page(&app, &c, &format!("/window/{MAIN}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("已超期") && html.contains("待受理") && html.contains("受理新申请"), "{html:.3000}");
    let (status, html) = page(&app, &c, &format!("/window/{MAIN}/new?q=gljt")).await;
    assert_eq!(status, 200);
    assert!(html.contains("高龄津贴申领") && !html.contains("人民调解"), "pinyin initials find the item");

    let gl = item_id(&app, &c, "WM-001").await;
    let intake = format!("/window/{MAIN}/new/{gl}");
    let (status, html) = page(&app, &c, &intake).await;
    assert_eq!(status, 200);
    assert!(html.contains("户口簿") && html.contains("申请人与老人关系"));

    // Bad input: every field named, in Chinese, nothing recorded.
    let r = post_form(&app, &c, &intake, &[("_csrf", &csrf), ("applicant_phone", "12345")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("body");
    assert!(html.contains("请输入 11 位手机号") && html.contains("必填"), "{html:.3000}");

    // Two of three materials: the request waits in 补正 with a one-time notice.
    let form = [
        ("_csrf", csrf.as_str()),
        ("applicant_name", "陈桂英"),
        ("applicant_phone", "13905918888"),
        ("f1", "子女"),
        ("received", "0"),
        ("received", "2"),
        ("mode", "proxy"),
    ];
    let r = post_form(&app, &c, &intake, &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let request = location(&r);
    assert!(request.starts_with("/requests/"));
    let (_, html) = page(&app, &c, &request).await;
    assert!(html.contains("待补正") && html.contains("需补正的材料") && html.contains("户口簿"), "{html:.4000}");
    let (status, notice) = page(&app, &c, &format!("{request}/print/materials")).await;
    assert_eq!(status, 200);
    assert!(notice.contains("一次性告知书") && notice.contains("户口簿") && notice.contains("陈桂英"));
    let (status, _) = page(&app, &c, &format!("{request}/print/completion")).await;
    assert_eq!(status, 404, "no completion notice before completion");

    // Forbidden and refused moves.
    let move_url = format!("{request}/move");
    let v = version(&html);
    let r =
        post_form(&app, &c, &move_url, &[("_csrf", &csrf), ("action", "complete"), ("reason", "x"), ("version", &v)])
            .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("当前状态下不能进行这个操作"));
    let r = post_form(&app, &c, &move_url, &[("_csrf", &csrf), ("action", "decline"), ("reason", ""), ("version", &v)])
        .await;
    assert!(r.text().await.expect("body").contains("请填写理由或结果"));

    // Materials arrive: accept (the clock starts), print the receipt.
    let r = post_form(&app, &c, &move_url, &[("_csrf", &csrf), ("action", "accept"), ("version", &v)]).await;
    assert_eq!(r.status(), 303);
    let stale = post_form(
        &app,
        &c,
        &move_url,
        &[("_csrf", &csrf), ("action", "transfer"), ("office", "区民政局"), ("reason", "审批"), ("version", &v)],
    )
    .await;
    assert_eq!(stale.status(), 422, "a stale page cannot move the request again");
    assert!(stale.text().await.expect("body").contains("刚被其他人处理过"));
    let (_, html) = page(&app, &c, &request).await;
    assert!(html.contains("办理中") && html.contains("5 个工作日"));
    let (status, receipt) = page(&app, &c, &format!("{request}/print/receipt")).await;
    assert_eq!(status, 200);
    assert!(receipt.contains("受理回执") && receipt.contains("5 个工作日内"));

    // Transfer to the district with its own limit, feedback, completion and its notice.
    let v = version(&html);
    let r = post_form(
        &app,
        &c,
        &move_url,
        &[
            ("_csrf", &csrf),
            ("action", "transfer"),
            ("office", "台江区民政局"),
            ("office_days", "3"),
            ("reason", "请审批"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &c, &request).await;
    assert!(html.contains("转办中") && html.contains("台江区民政局"));
    let v = version(&html);
    post_form(
        &app,
        &c,
        &move_url,
        &[("_csrf", &csrf), ("action", "transfer_back"), ("reason", "已审批"), ("version", &v)],
    )
    .await;
    let (_, html) = page(&app, &c, &request).await;
    let v = version(&html);
    let r = post_form(
        &app,
        &c,
        &move_url,
        &[("_csrf", &csrf), ("action", "complete"), ("reason", "审批通过，次月起发放"), ("version", &v)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (status, notice) = page(&app, &c, &format!("{request}/print/completion")).await;
    assert_eq!(status, 200);
    assert!(notice.contains("办结通知书") && notice.contains("审批通过，次月起发放"));

    // Someone else's community, and a resident, see none of it.
    let other = app.client();
    app.sign_in(&other, "minjiang").await;
    assert_eq!(page(&app, &other, &request).await.0, 404);
    assert_eq!(page(&app, &other, &format!("/window/{MAIN}")).await.0, 404);
    let resident = app.client();
    app.sign_in(&resident, "jumin").await;
    assert_eq!(page(&app, &resident, &format!("/window/{MAIN}")).await.0, 403);
    assert_eq!(page(&app, &resident, &request).await.0, 404);
}

// The API: take, move, refusals as problem+json; a resident applies and follows their own; the
// public guide and look-up need no sign-in.
async fn api_and_public(engine: Engine) {
    let app = app_with_window(engine).await;
    let c = app.client();
    let csrf = app.sign_in(&c, "chuangkou").await;
    let repair = item_id(&app, &c, "BM-004").await;
    let body = json!({
        "item_id": repair, "applicant_name": "王建国", "applicant_phone": "13905917777",
        "fields": { "f1": "水电维修" }, "received": []
    });
    let r = c
        .post(app.url(&format!("/api/v1/communities/{MAIN}/requests")))
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .expect("take");
    assert_eq!(r.status(), 201);
    let taken: Value = r.json().await.expect("json");
    assert_eq!(taken["state"], "in_progress", "an item without materials is accepted at once");
    let id = taken["id"].as_str().expect("id").to_owned();
    let number = taken["number"].as_str().expect("number").to_owned();

    let r = c
        .post(app.url(&format!("/api/v1/requests/{id}/moves")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "action": "archive" }))
        .send()
        .await
        .expect("move");
    assert_eq!(r.status(), 422);
    let p = problem(r).await;
    assert_eq!(p["errors"][0]["field"], "action");
    let r = c
        .post(app.url(&format!("/api/v1/requests/{id}/moves")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "action": "complete", "reason": "已上门修好", "version": 0 }))
        .send()
        .await
        .expect("stale");
    assert_eq!(r.status(), 409);
    let r = c
        .post(app.url(&format!("/api/v1/requests/{id}/moves")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "action": "complete", "reason": "已上门修好" }))
        .send()
        .await
        .expect("move");
    assert_eq!(r.status(), 200);
    let d: Value =
        c.get(app.url(&format!("/api/v1/requests/{id}"))).send().await.expect("get").json().await.expect("json");
    assert_eq!(d["work"]["state"], "completed");
    assert_eq!(d["phone_masked"], "139****7777");
    let r = c.get(app.url(&format!("/api/v1/communities/{MAIN}/requests?state=nope"))).send().await.expect("queue");
    assert_eq!(r.status(), 422);
    let q: Value = c
        .get(app.url(&format!("/api/v1/communities/{MAIN}/requests?state=all&q={number}")))
        .send()
        .await
        .expect("queue")
        .json()
        .await
        .expect("json");
    assert_eq!(q["total"], 1);

    // A resident applies online and sees only their own.
    let me = app.client();
    let mcsrf = app.sign_in(&me, "jumin").await;
    let r = me
        .post(app.url(&format!("/api/v1/communities/{MAIN}/requests")))
        .header("x-csrf-token", &mcsrf)
        .json(&body)
        .send()
        .await
        .expect("apply");
    assert_eq!(r.status(), 201);
    let mine: Value = r.json().await.expect("json");
    assert_eq!(mine["state"], "submitted");
    let list: Value = me.get(app.url("/api/v1/me/requests")).send().await.expect("mine").json().await.expect("json");
    assert!(list.as_array().expect("list").iter().any(|r| r["id"] == mine["id"]));
    assert_eq!(me.get(app.url(&format!("/api/v1/requests/{id}"))).send().await.expect("other").status(), 404);
    assert_eq!(
        me.get(app.url(&format!("/api/v1/communities/{MAIN}/requests"))).send().await.expect("queue").status(),
        403
    );

    // The public guide and look-up.
    let anon = app.client();
    let (status, html) = page(&app, &anon, &format!("/guide/{MAIN}?q=gaoling")).await;
    assert_eq!(status, 200);
    assert!(html.contains("高龄津贴申领"));
    let gl = item_id(&app, &c, "WM-001").await;
    let (status, html) = page(&app, &anon, &format!("/guide/{MAIN}/{gl}/print")).await;
    assert_eq!(status, 200);
    assert!(html.contains("居民身份证") && html.contains("《福建省老年人权益保障条例》"));
    let token = app.form_token(&anon, "/lookup").await;
    let r =
        post_form(&app, &anon, "/lookup", &[("_csrf", &token), ("number", &number), ("phone", "13905917777")]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("body");
    assert!(html.contains("已办结") && html.contains("王**") && !html.contains("13905917777"));
    let r =
        post_form(&app, &anon, "/lookup", &[("_csrf", &token), ("number", &number), ("phone", "13905910000")]).await;
    assert_eq!(r.status(), 404, "a wrong phone finds nothing");
    // Trying phone after phone against one number stops at ten an hour.
    let guessed = "350103001001-20260101-0001";
    for i in 0..10 {
        let r = post_form(
            &app,
            &anon,
            "/lookup",
            &[("_csrf", &token), ("number", guessed), ("phone", &format!("1390591000{i}"))],
        )
        .await;
        assert_eq!(r.status(), 404);
    }
    let r =
        post_form(&app, &anon, "/lookup", &[("_csrf", &token), ("number", guessed), ("phone", "13905910099")]).await;
    assert_eq!(r.status(), 429);
    let r = anon
        .post(app.url("/api/v1/lookup"))
        .json(&json!({ "number": number, "phone": "13905917777" }))
        .send()
        .await
        .expect("api lookup");
    assert_eq!(r.status(), 200);

    // The resident adds a scan to their application; it downloads as a file, never inline.
    let mine_id = mine["id"].as_str().expect("id").to_owned();
    let form = reqwest::multipart::Form::new()
        .text("_csrf", mcsrf.clone())
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4 scan".to_vec()).file_name("房屋照片 1.pdf"));
    let r = me.post(app.url(&format!("/requests/{mine_id}/files"))).multipart(form).send().await.expect("upload");
    assert_eq!(r.status(), 303);
    let (status, html) = page(&app, &me, &format!("/requests/{mine_id}")).await;
    assert_eq!(status, 200);
    let file =
        html.split(&format!("/requests/{mine_id}/files/")).nth(1).map(|s| s[..36].to_owned()).expect("a file link");
    let r = c.get(app.url(&format!("/requests/{mine_id}/files/{file}"))).send().await.expect("download");
    assert_eq!(r.status(), 200);
    let cd = r.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cd.starts_with("attachment;") && cd.contains("UTF-8''%E6%88%BF"), "{cd}");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), b"%PDF-1.4 scan");
    let form = reqwest::multipart::Form::new()
        .text("_csrf", mcsrf.clone())
        .part("file", reqwest::multipart::Part::bytes(b"MZ\x90\x00".to_vec()).file_name("virus.exe"));
    let r = me.post(app.url(&format!("/requests/{mine_id}/files"))).multipart(form).send().await.expect("upload");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("只能上传 PDF、JPG 或 PNG"));
    let other = app.client();
    app.sign_in(&other, "zhiyuan").await;
    assert_eq!(
        other.get(app.url(&format!("/requests/{mine_id}/files/{file}"))).send().await.expect("get").status(),
        404
    );
}

// Open311 GeoReport v2: discovery, services and definitions, posting with an api_key, reading
// requests and tokens back — each in JSON and XML — and the spec's errors.
async fn open311(engine: Engine) {
    let app = app_with_window(engine).await;
    let admin = Actor::system("test");
    let node = linli_domain::DivisionCode::parse("350103001000").expect("street");
    let (_, key) = app
        .store()
        .acting(&admin)
        .create_token("12345 政务热线", node, &["open311".to_owned()], Some(30))
        .await
        .expect("token");
    let (_, plain) = app
        .store()
        .acting(&admin)
        .create_token("只读", node, &["register:read".to_owned()], Some(30))
        .await
        .expect("token");
    let c = Client::new();
    let get = |path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let r = c.get(url).send().await.expect("get");
            let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            (r.status().as_u16(), ct, r.text().await.expect("body"))
        }
    };
    let j = format!("jurisdiction_id={MAIN}");

    let (s, ct, body) = get("/open311/v2/discovery.json".into()).await;
    assert_eq!((s, ct.as_str()), (200, "application/json"));
    assert!(body.contains("GeoReport_v2"));
    let (s, ct, body) = get("/open311/v2/discovery.xml".into()).await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/xml") && body.starts_with("<?xml") && body.contains("<discovery>"), "{body}");

    let (s, _, body) = get(format!("/open311/v2/services.json?{j}")).await;
    assert_eq!(s, 200);
    let services: Value = serde_json::from_str(&body).expect("json");
    let repair = services.as_array().expect("list").iter().find(|s| s["service_code"] == "BM-004").expect("BM-004");
    assert_eq!((repair["metadata"].as_bool(), repair["group"].as_str()), (Some(true), Some("便民服务")));
    let (_, _, xml) = get(format!("/open311/v2/services.xml?{j}")).await;
    assert!(xml.contains("<services><service><service_code>"), "{xml:.300}");
    let (s, _, def) = get(format!("/open311/v2/services/BM-004.xml?{j}")).await;
    assert_eq!(s, 200);
    assert!(def.contains("<datatype>singlevaluelist</datatype>") && def.contains("<key>水电维修</key>"), "{def}");

    // Posting: form-encoded with api_key, attributes as attribute[code].
    let form = [
        ("jurisdiction_id", MAIN),
        ("service_code", "BM-004"),
        ("api_key", key.as_str()),
        ("last_name", "林"),
        ("first_name", "小红"),
        ("phone", "13905916666"),
        ("description", "楼道灯坏了"),
        ("address_string", "榕华花园2号楼"),
        ("attribute[f1]", "水电维修"),
    ];
    let r = c.post(app.url("/open311/v2/requests.json")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), 201);
    let posted: Value = r.json().await.expect("json");
    let number = posted[0]["service_request_id"].as_str().expect("id").to_owned();
    let token = posted[0]["token"].as_str().expect("token").to_owned();
    let (s, _, xml) = get(format!("/open311/v2/requests/{number}.xml?{j}")).await;
    assert_eq!(s, 200);
    assert!(xml.contains("<status>open</status>") && xml.contains("<description>楼道灯坏了</description>"), "{xml}");
    assert!(!xml.contains("13905916666") && !xml.contains("小红"), "nothing personal in public reads");
    let (_, _, body) = get(format!("/open311/v2/tokens/{token}.json?{j}")).await;
    let t: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(t[0]["service_request_id"], number.as_str());
    let (_, _, body) = get(format!("/open311/v2/requests.json?{j}&status=open&service_code=BM-004")).await;
    let list: Value = serde_json::from_str(&body).expect("json");
    assert!(list.as_array().expect("list").iter().all(|r| r["status"] == "open" && r["service_code"] == "BM-004"));
    assert!(list.as_array().expect("list").iter().any(|r| r["service_request_id"] == number.as_str()));
    // Requests taken at the window or applied for online are not listed at all.
    let (_, _, body) =
        get(format!("/open311/v2/requests.json?{j}&service_code=WM-002,BM-004&status=open,closed")).await;
    let list: Value = serde_json::from_str(&body).expect("json");
    assert!(list.as_array().expect("list").iter().all(|r| r["service_code"] == "BM-004"), "{body:.400}");
    // service_request_id overrides the other filters.
    let (_, _, body) = get(format!("/open311/v2/requests.json?{j}&service_request_id={number}&status=closed")).await;
    assert!(body.contains(&number), "{body:.400}");
    // Window-only items are not offered to public apps.
    let (s, _, _) = get(format!("/open311/v2/services/WM-002.json?{j}")).await;
    assert_eq!(s, 404);

    // Errors, in the spec's shape and the format asked for.
    let (s, _, body) = get("/open311/v2/services.json".into()).await;
    assert_eq!(s, 400);
    assert!(body.contains("\"code\":400") && body.contains("jurisdiction_id"));
    let (s, _, xml) = get("/open311/v2/services.xml?jurisdiction_id=350103001000".into()).await;
    assert_eq!(s, 404);
    assert!(xml.contains("<errors><error><code>404</code>"), "{xml}");
    let bad_key =
        [("jurisdiction_id", MAIN), ("service_code", "BM-004"), ("api_key", "linli_nope"), ("phone", "13905916666")];
    let r = c.post(app.url("/open311/v2/requests.json")).form(&bad_key).send().await.expect("post");
    assert_eq!(r.status(), 403);
    let wrong_scope = [
        ("jurisdiction_id", MAIN),
        ("service_code", "BM-004"),
        ("api_key", plain.as_str()),
        ("phone", "13905916666"),
        ("attribute[f1]", "水电维修"),
    ];
    let r = c.post(app.url("/open311/v2/requests.json")).form(&wrong_scope).send().await.expect("post");
    assert_eq!(r.status(), 403);
    let bad_phone = [
        ("jurisdiction_id", MAIN),
        ("service_code", "BM-004"),
        ("api_key", key.as_str()),
        ("phone", "12"),
        ("attribute[f1]", "水电维修"),
    ];
    let r = c.post(app.url("/open311/v2/requests.xml")).form(&bad_phone).send().await.expect("post");
    assert_eq!(r.status(), 400);
    let body = r.text().await.expect("body");
    assert!(body.contains("<errors><error><code>400</code>") && body.contains("phone"), "{body}");
    // Quirks of real clients: no phone (the spec makes it optional), multipart bodies with a
    // photo, dates without an offset.
    let multipart = reqwest::multipart::Form::new()
        .text("jurisdiction_id", MAIN)
        .text("service_code", "BM-004")
        .text("api_key", key.clone())
        .text("description", "路灯不亮")
        .text("lat", "26.05")
        .text("long", "119.30")
        .text("attribute[f1]", "水电维修")
        .part("media", reqwest::multipart::Part::bytes(vec![0xFF, 0xD8, 0xFF]).file_name("photo.jpg"));
    let r = c.post(app.url("/open311/v2/requests.xml")).multipart(multipart).send().await.expect("post");
    assert_eq!(r.status(), 201);
    let body = r.text().await.expect("body");
    assert!(body.contains("<service_requests><request><service_request_id>"), "{body}");
    // The `open311` Python client: key and jurisdiction in the query string, `service/` paths.
    let r = c
        .post(app.url(&format!("/open311/v2/requests.xml?jurisdiction_id={MAIN}&api_key={key}")))
        .form(&[("service_code", "BM-004"), ("description", "门禁坏了"), ("attribute[f1]", "家电维修")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    let (s, _, def) = get(format!("/open311/v2/service/BM-004.xml?{j}")).await;
    assert_eq!(s, 200);
    assert!(def.contains("<service_definition><service_code>BM-004</service_code>"), "{def}");
    let today = linli_store::today();
    let (s, _, body) = get(format!("/open311/v2/requests.json?{j}&start_date={today}T00:00:00")).await;
    assert_eq!(s, 200);
    assert!(body.contains("路灯不亮"), "{body:.500}");
    let r = c
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("jurisdiction_id", MAIN),
            ("service_code", "XX-1"),
            ("api_key", key.as_str()),
            ("phone", "13905916666"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 404);
}

/// The id of the open booking at `time` on the resident's page (from its cancel form).
fn booking_at(html: &str, time: &str) -> Option<String> {
    html.split("<li class=\"card")
        .find(|card| card.contains(time) && card.contains("/cancel"))?
        .split("/appointments/")
        .nth(1)
        .map(|s| s[..36].to_owned())
}

// Appointments and consultations through the pages: the window opens slots, a resident books,
// changes and cancels; the day's list; a consultation is logged.
async fn appointment_pages(engine: Engine) {
    let app = app_with_window(engine).await;
    let c = app.client();
    let csrf = app.sign_in(&c, "chuangkou").await;
    let cal = app.store().calendar().await.expect("calendar");
    let day = cal.add_working_days(linli_store::today(), 1).to_string();
    let r = post_form(
        &app,
        &c,
        &format!("/window/{MAIN}/slots"),
        &[("_csrf", &csrf), ("from", &day), ("days", "1"), ("times", "9点-10点"), ("capacity", "2")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("格式应为 09:00-09:30"));
    let r = post_form(
        &app,
        &c,
        &format!("/window/{MAIN}/slots"),
        // Times the demo's own slots do not use.
        &[("_csrf", &csrf), ("from", &day), ("days", "1"), ("times", "11:00-11:30, 11:30-12:00"), ("capacity", "1")],
    )
    .await;
    assert_eq!(r.status(), 303);

    let me = app.client();
    let mcsrf = app.sign_in(&me, "jumin").await;
    let (status, html) = page(&app, &me, &format!("/guide/{MAIN}/book")).await;
    assert_eq!(status, 200);
    assert!(html.contains("11:00–11:30") && html.contains("余 1 个"), "{html:.3000}");
    // The test's two slots: the radio buttons whose label reads 11:00 or 11:30.
    let slot_ids: Vec<String> = html
        .split("name=\"slot\" value=\"")
        .skip(1)
        .filter(|s| {
            let label: String = s.chars().take(160).collect();
            label.contains("11:00–11:30") || label.contains("11:30–12:00")
        })
        .map(|s| s[..36].to_owned())
        .collect();
    assert_eq!(slot_ids.len(), 2);
    let book = |slot: String, change: String| {
        let (me, mcsrf) = (me.clone(), mcsrf.clone());
        let url = app.url("/appointments");
        async move {
            me.post(url)
                .form(&[
                    ("_csrf", mcsrf.as_str()),
                    ("slot", &slot),
                    ("name", "李秀英"),
                    ("phone", "13905910011"),
                    ("change", &change),
                    ("back", "/my/requests"),
                ])
                .send()
                .await
                .expect("book")
        }
    };
    let r = book(slot_ids[0].clone(), String::new()).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/my/requests".to_owned()));
    let r = book(slot_ids[0].clone(), String::new()).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("已约满"));
    let (_, mine) = page(&app, &me, "/my/requests").await;
    assert!(mine.contains("我的预约") && mine.contains("11:00–11:30") && mine.contains("改约"));
    let booking = booking_at(&mine, "11:00–11:30").expect("the booking");
    let r = book(slot_ids[1].clone(), booking.clone()).await;
    assert_eq!(r.status(), 303, "changed to the other slot");
    let (_, day_html) = page(&app, &c, &format!("/window/{MAIN}/appointments?day={day}")).await;
    assert!(
        day_html.contains("李秀英") && day_html.contains("已取消") && day_html.contains("已预约"),
        "{day_html:.4000}"
    );
    let (_, mine) = page(&app, &me, "/my/requests").await;
    assert_eq!(booking_at(&mine, "11:00–11:30"), None, "the old one has no actions left");
    let open = booking_at(&mine, "11:30–12:00").expect("the new booking");
    let r = me
        .post(app.url(&format!("/appointments/{open}/cancel")))
        .form(&[("_csrf", mcsrf.as_str()), ("back", "/my/requests")])
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status(), 303);
    // The day's bookings are staff work.
    assert_eq!(page(&app, &me, &format!("/window/{MAIN}/appointments")).await.0, 403);

    // Consultations.
    let r = post_form(
        &app,
        &c,
        &format!("/window/{MAIN}/consultations"),
        &[("_csrf", &csrf), ("topic", ""), ("channel", "window")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post_form(
        &app,
        &c,
        &format!("/window/{MAIN}/consultations"),
        &[("_csrf", &csrf), ("topic", "低保怎么申请？"), ("answer", "带户口簿和收入证明来窗口"), ("channel", "phone")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &c, &format!("/window/{MAIN}/consultations?q=低保")).await;
    assert!(html.contains("低保怎么申请？") && html.contains("共 1 条咨询"));
}

// Appointments and consultations over the JSON API.
async fn appointments_api(engine: Engine) {
    let app = app_with_window(engine).await;
    let c = app.client();
    let csrf = app.sign_in(&c, "chuangkou").await;
    let day = app.store().calendar().await.expect("calendar").add_working_days(linli_store::today(), 25).to_string();
    let r = c
        .post(app.url(&format!("/api/v1/communities/{MAIN}/slots")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "from": day, "days": "1", "times": "16:00-16:30", "capacity": "1" }))
        .send()
        .await
        .expect("open");
    assert_eq!(r.status(), 201);
    let r = c
        .post(app.url(&format!("/api/v1/communities/{MAIN}/slots")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "from": day, "times": "16:30", "capacity": "0" }))
        .send()
        .await
        .expect("bad");
    assert_eq!(r.status(), 422);
    let fields: Vec<String> = problem(r).await["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["capacity", "times"]);

    let me = app.client();
    let mcsrf = app.sign_in(&me, "jumin").await;
    let slots: Value = me
        .get(app.url(&format!("/api/v1/communities/{MAIN}/slots?from={day}&days=1")))
        .send()
        .await
        .expect("slots")
        .json()
        .await
        .expect("json");
    let slot = slots.as_array().expect("list").iter().find(|s| s["capacity"] == 1).expect("the slot")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = me
        .post(app.url("/api/v1/appointments"))
        .header("x-csrf-token", &mcsrf)
        .json(&json!({ "slot": slot, "name": "李秀英", "phone": "13905910011" }))
        .send()
        .await
        .expect("book");
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    let r = c
        .post(app.url("/api/v1/appointments"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "slot": slot, "name": "来电", "phone": "13905910012" }))
        .send()
        .await
        .expect("full");
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["code"], "slot_full");
    let mine: Value =
        me.get(app.url("/api/v1/me/appointments")).send().await.expect("mine").json().await.expect("json");
    assert!(mine.as_array().expect("list").iter().any(|b| b["id"] == id.as_str() && b["state"] == "booked"));
    let r = me
        .post(app.url(&format!("/api/v1/appointments/{id}")))
        .header("x-csrf-token", &mcsrf)
        .json(&json!({ "action": "attended" }))
        .send()
        .await
        .expect("mark");
    assert_eq!(r.status(), 403, "residents do not mark attendance");
    let r = me
        .post(app.url(&format!("/api/v1/appointments/{id}")))
        .header("x-csrf-token", &mcsrf)
        .json(&json!({ "action": "cancel" }))
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status(), 200);

    let r = c
        .post(app.url(&format!("/api/v1/communities/{MAIN}/consultations")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "topic": "API 咨询", "channel": "phone" }))
        .send()
        .await
        .expect("log");
    assert_eq!(r.status(), 201);
    let list: Value = c
        .get(app.url(&format!("/api/v1/communities/{MAIN}/consultations?q=API")))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(
        me.get(app.url(&format!("/api/v1/communities/{MAIN}/consultations"))).send().await.expect("list").status(),
        403
    );
}

engine_tests!(desk_pages, api_and_public, open311, appointment_pages, appointments_api);
