//! The JSON API: sign-in, problem+json errors, the calendar, the tree.

use linli_testkit::{Engine, engine_tests, spawn_app};
use serde_json::{Value, json};

use crate::problem;

// The OpenAPI document describes every endpoint; unknown API paths are problem+json 404s.
async fn openapi_and_unknown_paths(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let doc: Value = c.get(app.url("/api/v1/openapi.json")).send().await.expect("get").json().await.expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in ["/session", "/me", "/nodes", "/calendar/{year}", "/calendar/deadline"] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI lacks {path}");
    }
    let r = c.get(app.url("/api/v1/nothing-here")).send().await.expect("get");
    assert_eq!(r.status(), 404);
    let p = problem(r).await;
    assert_eq!((p["type"].as_str(), p["status"].as_u64()), (Some("urn:linli:problem:not_found"), Some(404)));
    assert_eq!(p["title"], "找不到页面");
    assert!(p["request_id"].as_str().is_some_and(|s| !s.is_empty()));
}

// Sign-in: wrong password is 401 and says nothing about which part was wrong; the right one
// opens a session that /me sees; signing out ends it.
async fn sign_in_me_and_sign_out(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let r = c.get(app.url("/api/v1/me")).send().await.expect("me");
    assert_eq!(r.status(), 401);
    assert_eq!(problem(r).await["type"], "urn:linli:problem:unauthorized");

    for (user, pass) in [("chuangkou", "wrong-Password1"), ("nobody", "Linli@2026")] {
        let r = c
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": user, "password": pass}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 401);
        let p = problem(r).await;
        assert_eq!(p["detail"], "用户名或密码不正确。", "the same answer for unknown users and wrong passwords");
    }

    let csrf = app.sign_in(&c, "chuangkou").await;
    let me: Value = c.get(app.url("/api/v1/me")).send().await.expect("me").json().await.expect("json");
    assert_eq!(me["username"], "chuangkou");
    assert_eq!(me["role"], "window_worker");
    assert_eq!(me["role_name"], "窗口工作者");
    assert_eq!(me["node_code"], "350103001001");
    assert_eq!(me["node_name"], "榕华社区");

    // Signing out needs the CSRF header like any unsafe call made with the cookie.
    let r = c.delete(app.url("/api/v1/session")).send().await.expect("delete");
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["type"], "urn:linli:problem:csrf");
    let r = c.delete(app.url("/api/v1/session")).header("x-csrf-token", &csrf).send().await.expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(app.url("/api/v1/me")).send().await.expect("me").status(), 401);
}

// Five wrong passwords lock the account; the lock is told only to someone who knows the
// password (so failures reveal nothing about the account), and other accounts are unaffected.
async fn repeated_failures_lock_the_account(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let attempt = |password: &'static str| {
        c.post(app.url("/api/v1/session")).json(&json!({"username": "wangge", "password": password})).send()
    };
    for _ in 0..5 {
        assert_eq!(attempt("Wrong#Pass1").await.expect("post").status(), 401);
    }
    let r = attempt("Wrong#Pass1").await.expect("post");
    assert_eq!(r.status(), 401, "a wrong password never says 'locked'");
    let r = attempt("Linli@2026").await.expect("post");
    assert_eq!(r.status(), 403, "locked accounts refuse even the right password");
    let p = problem(r).await;
    assert_eq!(p["type"], "urn:linli:problem:account_locked");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("锁定至")));
    app.sign_in(&c, "chuangkou").await;
    let admin = app.client();
    app.sign_in(&admin, "admin").await;
    let log: Value =
        admin.get(app.url("/api/v1/audit?action=user.locked")).send().await.expect("get").json().await.expect("json");
    assert_eq!(log["total"], 1, "the lock is in the audit log");
}

// Holidays are public; deadlines honour the 2026 Spring Festival; bad input names the field.
async fn calendar_reads_and_deadlines(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let y: Value = c.get(app.url("/api/v1/calendar/2026")).send().await.expect("get").json().await.expect("json");
    assert_eq!((y["loaded"].as_bool(), y["working_days"].as_i64()), (Some(true), Some(248)));
    assert!(
        y["rules"].as_array().is_some_and(|r| { r.iter().any(|d| d["date"] == "2026-02-17" && d["name"] == "春节") })
    );

    let d: Value = c
        .get(app.url("/api/v1/calendar/deadline?from=2026-02-12&days=5"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!((d["due"].as_str(), d["calendar_covers"].as_bool()), (Some("2026-02-26"), Some(true)));
    let d: Value = c
        .get(app.url("/api/v1/calendar/deadline?from=2026-12-30&days=3"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(d["calendar_covers"], false, "2027 is not loaded, and the answer says so");

    let r = c.get(app.url("/api/v1/calendar/deadline?from=2026-02-30&days=900")).send().await.expect("get");
    assert_eq!(r.status(), 422);
    let p = problem(r).await;
    let fields: Vec<&str> =
        p["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["from", "days"]);
    assert_eq!(p["errors"][1]["message"], "请输入 0 到 365 之间的整数");

    let r = c.get(app.url("/api/v1/calendar/1999")).send().await.expect("get");
    assert_eq!(r.status(), 422);
    let r = c.get(app.url("/api/v1/calendar/deadline?from=2026-02-12")).send().await.expect("get");
    assert_eq!(r.status(), 422, "a missing parameter is named");
    assert_eq!(problem(r).await["errors"][0]["field"], "days");
    let r = c.get(app.url("/api/v1/calendar/deadline?from=9999-12-31&days=365")).send().await.expect("get");
    assert_eq!(problem(r).await["errors"][0]["code"], "calendar_year", "years outside 2000–2100 are refused");
}

// Only an administrator replaces a year, with the CSRF header; one bad rule rejects them all.
async fn replacing_a_year_is_admin_only_and_all_or_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let worker = app.client();
    let csrf = app.sign_in(&worker, "chuangkou").await;
    let rules = json!({"rules": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]});
    let r = worker
        .put(app.url("/api/v1/calendar/2027"))
        .header("x-csrf-token", &csrf)
        .json(&rules)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 403);
    assert_eq!(problem(r).await["type"], "urn:linli:problem:forbidden");

    let admin = app.client();
    let csrf = app.sign_in(&admin, "admin").await;
    let r = admin.put(app.url("/api/v1/calendar/2027")).json(&rules).send().await.expect("put");
    assert_eq!(r.status(), 403, "no CSRF header");

    let bad = json!({"rules": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2028-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-06", "kind": "nap", "name": ""},
        {"date": "2027-01-01", "kind": "workday", "name": "重复"}
    ]});
    let r =
        admin.put(app.url("/api/v1/calendar/2027")).header("x-csrf-token", &csrf).json(&bad).send().await.expect("put");
    assert_eq!(r.status(), 422);
    let p = problem(r).await;
    let got: Vec<(String, String)> = p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
        .collect();
    let want = [
        ("rules[1].date", "calendar_outside_year"),
        ("rules[2].kind", "calendar_kind"),
        ("rules[2].name", "required"),
        ("rules[3].date", "calendar_duplicate_day"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
    let y: Value = admin.get(app.url("/api/v1/calendar/2027")).send().await.expect("get").json().await.expect("json");
    assert_eq!(y["loaded"], false, "nothing written");

    let r = admin
        .put(app.url("/api/v1/calendar/2027"))
        .header("x-csrf-token", &csrf)
        .json(&rules)
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    let d: Value = admin
        .get(app.url("/api/v1/calendar/deadline?from=2026-12-31&days=1"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(d["due"], "2027-01-04", "New Year's Day 2027 (a Friday) is now a holiday");
}

// Malformed bodies are explained; English clients get English problems.
async fn malformed_requests_are_explained(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let r = c
        .post(app.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let p = problem(r).await;
    assert_eq!(p["type"], "urn:linli:problem:bad_json");
    let r = c.post(app.url("/api/v1/session")).body("username=x").send().await.expect("post");
    assert_eq!(r.status(), 415);
    problem(r).await;
    let r = c.post(app.url("/api/v1/session")).json(&json!({"username": 1})).send().await.expect("post");
    assert_eq!(r.status(), 400);
    let r = c.get(app.url("/api/v1/me")).header("accept-language", "en-GB,en;q=0.8").send().await.expect("get");
    assert_eq!(problem(r).await["title"], "Please sign in");
    let r = c.post(app.url("/api/v1/me")).send().await.expect("post");
    assert_eq!(r.status(), 405);
    problem(r).await;
}

// A user sees their node and what lies below it, never a sibling.
async fn nodes_are_scoped_to_the_user(engine: Engine) {
    let app = spawn_app(engine).await;
    let codes = |v: Value| -> Vec<String> {
        v.as_array().expect("array").iter().filter_map(|n| n["code"].as_str().map(str::to_owned)).collect()
    };
    let c = app.client();
    app.sign_in(&c, "jiedao").await;
    let street = codes(c.get(app.url("/api/v1/nodes")).send().await.expect("get").json().await.expect("json"));
    assert_eq!(street, ["350103001000", "350103001001", "350103001002", "350103001003"]);
    let c = app.client();
    app.sign_in(&c, "minjiang").await;
    let own = codes(c.get(app.url("/api/v1/nodes")).send().await.expect("get").json().await.expect("json"));
    assert_eq!(own, ["350103001002"]);
    let c = app.client();
    app.sign_in(&c, "admin").await;
    let all = codes(c.get(app.url("/api/v1/nodes")).send().await.expect("get").json().await.expect("json"));
    assert_eq!(all.len(), 9);
}

engine_tests!(
    openapi_and_unknown_paths,
    sign_in_me_and_sign_out,
    repeated_failures_lock_the_account,
    calendar_reads_and_deadlines,
    replacing_a_year_is_admin_only_and_all_or_nothing,
    malformed_requests_are_explained,
    nodes_are_scoped_to_the_user,
);
