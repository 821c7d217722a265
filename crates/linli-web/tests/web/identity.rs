//! Identity through real HTTP: API tokens and their scopes, masking and logged reveals,
//! re-authentication, forced password change, rate limits.

use linli_testkit::{Engine, engine_tests, spawn_app, spawn_app_with, test_config};
use serde_json::{Value, json};

use crate::{location, problem};

// An integration's token acts at its node with its scopes only; revoked tokens stop at once.
async fn tokens_are_scoped(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client();
    let csrf = app.sign_in(&admin, "admin").await;
    let r = admin
        .post(app.url("/api/v1/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "热线", "node_code": "350103001000", "scopes": ["node:read", "community:read"], "valid_days": 30 }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let token_id = created["token"]["id"].as_str().expect("id").to_owned();
    let list = admin.get(app.url("/api/v1/tokens")).send().await.expect("get").text().await.expect("body");
    assert!(!list.contains(&secret), "secrets are never listed");

    let c = reqwest::Client::new();
    let get = |path: &str| c.get(app.url(path)).bearer_auth(&secret).send();
    assert_eq!(get("/api/v1/communities/350103001001/profile").await.expect("get").status(), 200);
    assert_eq!(get("/api/v1/communities/350103002001/profile").await.expect("get").status(), 404, "outside its node");
    assert_eq!(get("/api/v1/users").await.expect("get").status(), 403, "no scope for accounts");
    let r = c
        .patch(app.url("/api/v1/nodes/350103001001"))
        .bearer_auth(&secret)
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 403, "read scopes do not write");
    let r = c.get(app.url("/api/v1/nodes")).bearer_auth("linli_not-a-real-token").send().await.expect("get");
    assert_eq!(r.status(), 401);
    // A token is not a session: pages ignore it.
    let r = c.get(app.url("/admin/nodes")).bearer_auth(&secret).send().await.expect("get");
    assert!(r.url().path().starts_with("/login"), "pages need a session");

    let bad = admin
        .post(app.url("/api/v1/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "x", "node_code": "350103001000", "scopes": ["user:create"] }))
        .send()
        .await
        .expect("post");
    assert_eq!(problem(bad).await["errors"][0]["code"], "token_scope");

    let r = admin
        .delete(app.url(&format!("/api/v1/tokens/{token_id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(get("/api/v1/nodes").await.expect("get").status(), 401, "revoked");
}

// Lists show personal data masked; the whole value needs the reveal right and is logged.
async fn personal_data_is_masked_and_reveals_are_logged(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client();
    let csrf = app.sign_in(&admin, "admin").await;
    let body = admin.get(app.url("/api/v1/users?q=jumin")).send().await.expect("get").text().await.expect("body");
    assert!(body.contains("139****0123") && body.contains("350103********1525"), "{body}");
    assert!(!body.contains("13905910123") && !body.contains("350103195803121525"), "never whole in a list");
    let v: Value = serde_json::from_str(&body).expect("json");
    let id = v["items"][0]["id"].as_str().expect("id").to_owned();

    let reveal = |c: &reqwest::Client, csrf: &str, field: &str| {
        c.post(app.url(&format!("/api/v1/users/{id}/reveal")))
            .header("x-csrf-token", csrf)
            .json(&json!({ "field": field }))
            .send()
    };
    let r: Value = reveal(&admin, &csrf, "id_number").await.expect("post").json().await.expect("json");
    assert_eq!(r["value"], "350103195803121525");
    let street = app.client();
    let street_csrf = app.sign_in(&street, "jiedao").await;
    let r = reveal(&street, &street_csrf, "phone").await.expect("post");
    assert_eq!(r.status(), 403, "supervisors read accounts but may not reveal");
    let r = reveal(&admin, &csrf, "nonsense").await.expect("post");
    assert_eq!(problem(r).await["errors"][0]["code"], "reveal_field");

    let log: Value =
        admin.get(app.url("/api/v1/audit?action=reveal")).send().await.expect("get").json().await.expect("json");
    assert_eq!(log["total"], 1);
    assert!(!log.to_string().contains("350103195803121525"), "the log holds no whole value");

    // Lookup by ID number goes through the blind index, with the number in the body only.
    let r: Value = admin
        .post(app.url("/api/v1/users/lookup"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "id_number": "350103195803121525" }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(r["username"], "jumin");
    let r = admin
        .post(app.url("/api/v1/users/lookup"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "id_number": "350103195803121526" }))
        .send()
        .await
        .expect("post");
    assert_eq!(problem(r).await["errors"][0]["code"], "id_number_checksum");
}

// Sensitive actions need the password re-entered recently; re-entering it opens them.
async fn sensitive_actions_need_recent_password(engine: Engine) {
    let mut config = test_config();
    config.reauth_window = time::Duration::ZERO;
    let app = spawn_app_with(engine, config).await;
    let admin = app.client();
    let csrf = app.sign_in(&admin, "admin").await;
    let r = admin.get(app.url("/api/v1/audit/export")).send().await.expect("get");
    assert_eq!(problem(r).await["type"], "urn:linli:problem:reauth_required");
    let r = admin.get(app.url("/admin/tokens")).send().await.expect("get");
    assert_eq!(location(&r), "/reauth?next=%2Fadmin%2Ftokens");
    let r = admin
        .post(app.url("/api/v1/session/reauth"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "password": "wrong-Pass1" }))
        .send()
        .await
        .expect("post");
    assert_eq!(problem(r).await["errors"][0]["code"], "password_wrong");

    let mut config = test_config();
    config.reauth_window = time::Duration::minutes(15);
    let app = spawn_app_with(engine, config).await;
    let admin = app.client();
    app.sign_in(&admin, "admin").await;
    let r = admin.get(app.url("/api/v1/audit/export")).send().await.expect("get");
    assert_eq!(r.status(), 200, "a fresh sign-in counts as re-authentication");
    assert!(r.text().await.expect("csv").starts_with('\u{feff}'), "CSV for Excel starts with a BOM");
}

// A new account's initial password must be changed before anything else.
async fn initial_passwords_must_be_changed(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client();
    let csrf = app.sign_in(&admin, "admin").await;
    let r: Value = admin
        .post(app.url("/api/v1/users"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "username": "xinren", "display_name": "新人", "role": "window_worker", "node_code": "350103001001" }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let initial = r["initial_password"].as_str().expect("initial password").to_owned();
    let c = app.client();
    let r = c
        .post(app.url("/api/v1/session"))
        .json(&json!({ "username": "xinren", "password": initial }))
        .send()
        .await
        .expect("post");
    let session: Value = r.json().await.expect("json");
    assert_eq!(session["user"]["must_change_password"], true);
    let csrf = session["csrf_token"].as_str().expect("csrf").to_owned();
    let r = c.get(app.url("/api/v1/nodes")).send().await.expect("get");
    assert_eq!(problem(r).await["type"], "urn:linli:problem:password_change_required");
    let r = c.get(app.url("/community")).send().await.expect("get");
    assert_eq!(location(&r), "/account", "pages send the user to change it");
    let r = c
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "current": initial, "new": "weak" }))
        .send()
        .await
        .expect("post");
    assert_eq!(problem(r).await["errors"][0]["field"], "new");
    let r = c
        .post(app.url("/api/v1/me/password"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "current": initial, "new": "Fresh#Start2026" }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(app.url("/api/v1/nodes")).send().await.expect("get").status(), 200);
}

// Password guessing from one address is slowed down with 429s.
async fn sign_in_attempts_are_rate_limited(engine: Engine) {
    let mut config = test_config();
    config.sign_in_rate = linli_web::Rate { per_minute: 3, burst: 3 };
    let app = spawn_app_with(engine, config).await;
    let c = app.client();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = c
            .post(app.url("/api/v1/session"))
            .json(&json!({ "username": "admin", "password": "Wrong#Pass1" }))
            .send()
            .await
            .expect("post");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    let token = app.form_token(&c, "/login").await;
    let r = c
        .post(app.url("/login"))
        .form(&[("_csrf", token.as_str()), ("username", "admin"), ("password", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 429, "the page shares the limit");
    assert!(r.text().await.expect("body").contains("请求过于频繁"));
}

engine_tests!(
    tokens_are_scoped,
    personal_data_is_masked_and_reveals_are_logged,
    sensitive_actions_need_recent_password,
    initial_passwords_must_be_changed,
    sign_in_attempts_are_rate_limited,
);
