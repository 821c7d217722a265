//! Surveys, follow-ups, complaint limits and weekly figures over real HTTP on both engines:
//! pages without script, the JSON API with problem+json refusals, and the roles' limits.

use linli_testkit::{Engine, engine_tests, spawn_app};
use serde_json::{Value, json};

use crate::{location, problem};

const MAIN: &str = "350103001001";

async fn surveys_over_http(engine: Engine) {
    let app = spawn_app(engine).await;
    let staff = app.client();
    let csrf = app.sign_in(&staff, "chuangkou").await;

    // Compose on the pages: a bad form comes back in Chinese, a good one makes a draft.
    let list = format!("/surveys/at/{MAIN}");
    let r = staff
        .post(app.url(&list))
        .form(&[("_csrf", csrf.as_str()), ("title", ""), ("audience", "residents")])
        .send()
        .await
        .expect("bad");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("t").contains("必填"));
    let r = staff
        .post(app.url(&list))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "窗口服务满意度调查"),
            ("intro", "请如实填写"),
            ("audience", "residents"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 303);
    let page = location(&r);
    let id = page.trim_start_matches("/surveys/").to_owned();
    let add = |kind: &'static str, prompt: &'static str, options: &'static str, required: bool| {
        let (c, csrf, url) = (staff.clone(), csrf.clone(), app.url(&format!("/surveys/{id}/questions")));
        async move {
            let mut form =
                vec![("_csrf", csrf), ("kind", kind.into()), ("prompt", prompt.into()), ("options", options.into())];
            if required {
                form.push(("required", "on".into()));
            }
            c.post(url).form(&form).send().await.expect("add").status().as_u16()
        }
    };
    assert_eq!(add("single", "总体评价", "满意\n一般\n不满意", true).await, 303);
    assert_eq!(add("multiple", "常用服务", "只有一个", false).await, 422);
    assert_eq!(add("scale", "等候时间", "", false).await, 303);
    assert_eq!(add("text", "建议", "", false).await, 303);
    let html = staff.get(app.url(&page)).send().await.expect("editor").text().await.expect("t");
    assert!(html.contains("总体评价") && html.contains("添加题目") && html.contains("发布"));
    let step = |action: &'static str| {
        let (c, csrf, url) = (staff.clone(), csrf.clone(), app.url(&format!("/surveys/{id}/step")));
        async move { c.post(url).form(&[("_csrf", csrf.as_str()), ("action", action)]).send().await.expect("step") }
    };
    assert_eq!(step("open").await.status(), 303);
    // Frozen once open.
    assert_eq!(add("text", "再加一题", "", false).await, 422);

    // A resident answers from their account, once; a bad form keeps what was typed.
    let resident = app.client();
    let rcsrf = app.sign_in(&resident, "jumin").await;
    let mine = resident.get(app.url("/my/surveys")).send().await.expect("mine").text().await.expect("t");
    assert!(mine.contains("窗口服务满意度调查"));
    let answer = format!("/my/surveys/{id}");
    let r = resident
        .post(app.url(&answer))
        .form(&[("_csrf", rcsrf.as_str()), ("q2", "多开一个窗口")])
        .send()
        .await
        .expect("bad answer");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("t");
    assert!(html.contains("class=\"field-error\">必填") && html.contains("多开一个窗口"), "the typed text stays");
    let r = resident
        .post(app.url(&answer))
        .form(&[("_csrf", rcsrf.as_str()), ("q0", "1"), ("q1", "4"), ("q2", "多开一个窗口")])
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("t").contains("问卷已提交"));
    let r =
        resident.post(app.url(&answer)).form(&[("_csrf", rcsrf.as_str()), ("q0", "0")]).send().await.expect("again");
    assert_eq!(r.status(), 409);
    // Residents do not see the staff's pages.
    assert_eq!(resident.get(app.url(&page)).send().await.expect("staff page").status(), 403);

    // Paper forms keyed in by staff; the results show every answer as charts.
    let r = staff
        .post(app.url(&format!("/surveys/{id}/paper")))
        .form(&[("_csrf", csrf.as_str()), ("q0", "0"), ("q1", "5")])
        .send()
        .await
        .expect("paper");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("t").contains("可以录入下一份"));
    let html = staff.get(app.url(&page)).send().await.expect("results").text().await.expect("t");
    assert!(html.contains("<svg") && html.contains("调查结果") && html.contains("多开一个窗口"));
    assert!(html.contains("1（50.0%）"), "one of two chose 满意 and one 一般");

    // The same over JSON, with problem+json for what is refused.
    let results: Value = staff
        .get(app.url(&format!("/api/v1/surveys/{id}/results")))
        .send()
        .await
        .expect("results")
        .json()
        .await
        .expect("json");
    assert_eq!(results["survey"]["responses"], 2);
    assert_eq!(results["tallies"][0]["counts"], json!([1, 1, 0]));
    assert_eq!(results["tallies"][1]["mean"], json!(4.5));
    let r = staff
        .post(app.url(&format!("/api/v1/communities/{MAIN}/surveys")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "title": "", "audience": "nobody" }))
        .send()
        .await
        .expect("api create");
    assert_eq!(r.status(), 422);
    let p = problem(r).await;
    assert!(p["errors"].as_array().is_some_and(|e| e.len() == 2), "{p}");
    let r = staff
        .post(app.url(&format!("/api/v1/surveys/{id}/moves")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "action": "close" }))
        .send()
        .await
        .expect("close");
    assert_eq!(r.status(), 200);
    let r = resident.get(app.url(&format!("/api/v1/communities/{MAIN}/surveys"))).send().await.expect("resident api");
    assert_eq!(problem(r).await["status"], 403);
    // The public code page says plainly when a code is unknown.
    let anon = app.client();
    let r = anon.get(app.url("/survey?code=NOSUCHCODE")).send().await.expect("code");
    assert_eq!(r.status(), 404);
    assert!(r.text().await.expect("t").contains("没有找到这个问卷码"));
}

async fn follow_ups_and_limits_over_http(engine: Engine) {
    let app = spawn_app(engine).await;
    let street = app.client();
    let scsrf = app.sign_in(&street, "jiedao").await;
    let head = app.client();
    let hcsrf = app.sign_in(&head, "shuji").await;
    let page = format!("/follow-ups/{MAIN}");

    // The street office assigns a follow-up on the community's page; the community cannot.
    let r = head
        .post(app.url(&page))
        .form(&[("_csrf", hcsrf.as_str()), ("kind", "comment"), ("body", "自评")])
        .send()
        .await
        .expect("head");
    assert_eq!(r.status(), 403);
    let r = street
        .post(app.url(&page))
        .form(&[("_csrf", scsrf.as_str()), ("kind", "follow_up"), ("body", ""), ("period", "2026-13")])
        .send()
        .await
        .expect("bad");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("t").contains("月份格式应为"));
    let r = street
        .post(app.url(&page))
        .form(&[
            ("_csrf", scsrf.as_str()),
            ("kind", "follow_up"),
            ("body", "超期件偏多，请说明原因"),
            ("period", "2026-10"),
        ])
        .send()
        .await
        .expect("add");
    assert_eq!(r.status(), 303);
    let compare = street.get(app.url("/oversight/compare/350103001000")).send().await.expect("compare");
    assert!(compare.text().await.expect("t").contains(&format!("/follow-ups/{MAIN}")));

    // The community sees it with the answer form, answers; the supervisor closes it.
    let html = head.get(app.url(&page)).send().await.expect("list").text().await.expect("t");
    assert!(html.contains("超期件偏多") && html.contains("待答复") && html.contains("value=\"answer\""));
    let notes: Value = head
        .get(app.url(&format!("/api/v1/nodes/{MAIN}/notes?open=true")))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    assert_eq!(notes["total"], 1);
    let id = notes["items"][0]["id"].as_str().expect("id").to_owned();
    let act = |c: &reqwest::Client, csrf: &str, action: &str, reason: &str| {
        c.post(app.url(&format!("/follow-ups/note/{id}")))
            .form(&[("_csrf", csrf), ("action", action), ("reason", reason), ("back", MAIN)])
            .send()
    };
    assert_eq!(act(&head, &hcsrf, "answer", "").await.expect("empty").status(), 422);
    assert_eq!(act(&head, &hcsrf, "answer", "转办件积压，已安排专人跟踪").await.expect("answer").status(), 303);
    assert_eq!(act(&head, &hcsrf, "close", "").await.expect("not theirs").status(), 422);
    let r = street
        .post(app.url(&format!("/api/v1/notes/{id}/moves")))
        .header("x-csrf-token", &scsrf)
        .json(&json!({ "action": "close" }))
        .send()
        .await
        .expect("close");
    assert_eq!(r.status(), 200);
    let html = head.get(app.url(&page)).send().await.expect("list").text().await.expect("t");
    assert!(html.contains("已结案") && html.contains("转办件积压"));

    // Complaint limits: the head sets them, the window reads them, bad numbers are explained.
    let limits = format!("/complaints/limits/{MAIN}");
    let r = head
        .post(app.url(&limits))
        .form(&[("_csrf", hcsrf.as_str()), ("reply_days", "0"), ("verdict_days", "5"), ("escalated_days", "5")])
        .send()
        .await
        .expect("bad");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("t").contains("应为 1 到 30 之间的整数"));
    let r = head
        .post(app.url(&limits))
        .form(&[("_csrf", hcsrf.as_str()), ("reply_days", "3"), ("verdict_days", "5"), ("escalated_days", "7")])
        .send()
        .await
        .expect("set");
    assert_eq!(r.status(), 303);
    let window = app.client();
    let wcsrf = app.sign_in(&window, "chuangkou").await;
    let html = window.get(app.url(&limits)).send().await.expect("read").text().await.expect("t");
    assert!(html.contains("value=\"3\"") && html.contains("disabled"));
    let r = window
        .put(app.url(&format!("/api/v1/communities/{MAIN}/complaint-limits")))
        .header("x-csrf-token", &wcsrf)
        .json(&json!({ "reply_days": 2, "verdict_days": 5, "escalated_days": 5 }))
        .send()
        .await
        .expect("put");
    assert_eq!(problem(r).await["status"], 403);
    let got: Value = window
        .get(app.url(&format!("/api/v1/communities/{MAIN}/complaint-limits")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(got, json!({ "reply_days": 3, "verdict_days": 5, "escalated_days": 7 }));

    // Weekly figures on the page and over JSON.
    let html =
        head.get(app.url(&format!("/oversight/{MAIN}?by=week"))).send().await.expect("weeks").text().await.expect("t");
    assert!(html.contains("周次") && html.contains("-W"));
    let weeks: Value = head
        .get(app.url(&format!("/api/v1/communities/{MAIN}/figures?by=week&weeks=6")))
        .send()
        .await
        .expect("api weeks")
        .json()
        .await
        .expect("json");
    assert_eq!(weeks.as_array().map(Vec::len), Some(6));
}

engine_tests!(surveys_over_http, follow_ups_and_limits_over_http);
