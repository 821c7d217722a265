//! The pages over real HTTP: language, forms and their CSRF tokens, sign-in, permissions.

use linli_testkit::{Engine, engine_tests, spawn_app};

use crate::location;

// The home page is Chinese by default, English on request, and carries strict security headers.
async fn home_language_and_headers(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let r = c.get(app.url("/")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline")
    );
    assert_eq!(h.get("x-frame-options").map(|v| v.as_bytes()), Some(&b"DENY"[..]));
    assert_eq!(h.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
    assert_eq!(h.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]));
    assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    let html = r.text().await.expect("body");
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("社区服务，一站办好"));
    assert!(!html.contains("⟨?⟩"), "a message key is missing");

    let r = c.get(app.url("/prefs/lang/en?back=%2Farea%2Fplanning")).send().await.expect("get");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/area/planning".to_owned()));
    let html = c.get(app.url("/area/planning")).send().await.expect("get").text().await.expect("body");
    assert!(html.contains("<html lang=\"en\">") && html.contains("Risk and opportunity register"));
    let r = c.get(app.url("/prefs/lang/fr")).send().await.expect("get");
    assert_eq!(r.status(), 404);
    for evil in ["https%3A%2F%2Fevil.example", "%2F%09%2Fevil.example%2F", "%2F%5Cevil.example", "%2F%00x"] {
        let r = c.get(app.url(&format!("/prefs/senior/on?back={evil}"))).send().await.expect("get");
        assert_eq!(location(&r), "/", "preference links never send visitors off-site: {evil}");
    }
    let html = c.get(app.url("/")).send().await.expect("get").text().await.expect("body");
    assert!(html.contains("class=\"senior\""));
}

// Sign-in through the form: no token is refused, a wrong password is shown on the form, the
// right one lands on the page asked for; `next` never leads off-site.
async fn sign_in_form(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let form = |token: &str, password: &str, next: &str| {
        vec![
            ("_csrf", token.to_owned()),
            ("username", "shuji".to_owned()),
            ("password", password.to_owned()),
            ("next", next.to_owned()),
        ]
    };
    let r = c.post(app.url("/login")).form(&form("", "Linli@2026", "/")).send().await.expect("post");
    assert_eq!(r.status(), 403);
    assert!(r.text().await.expect("body").contains("页面已过期"));

    let token = app.form_token(&c, "/login").await;
    let r = c.post(app.url("/login")).form(&form(&token, "nope-Nope1", "/")).send().await.expect("post");
    assert_eq!(r.status(), 401);
    let html = r.text().await.expect("body");
    assert!(html.contains("用户名或密码不正确") && html.contains("value=\"shuji\""), "the form keeps the username");

    let r = c.post(app.url("/login")).form(&form(&token, "Linli@2026", "//evil.example/x")).send().await.expect("post");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/".to_owned()));
    let html = c.get(app.url("/")).send().await.expect("get").text().await.expect("body");
    assert!(html.contains("郑丽华，您好") && html.contains("社区书记/主任 · 榕华社区"));

    // The anonymous token no longer works once signed in: forms carry the session's token.
    let r = c.post(app.url("/logout")).form(&[("_csrf", token.as_str())]).send().await.expect("post");
    assert_eq!(r.status(), 403);
    let session_token = app.form_token(&c, "/").await;
    let r = c.post(app.url("/logout")).form(&[("_csrf", session_token.as_str())]).send().await.expect("post");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/".to_owned()));
    let html = c.get(app.url("/")).send().await.expect("get").text().await.expect("body");
    assert!(html.contains("您已安全退出") && html.contains("工作人员登录"));
}

// A form posted from another site is refused before any handler sees it.
async fn cross_site_posts_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let token = app.form_token(&c, "/login").await;
    let r = c
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("_csrf", token.as_str()), ("username", "admin"), ("password", "Linli@2026")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = c
        .post(app.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("_csrf", token.as_str()), ("username", "admin"), ("password", "Linli@2026")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
}

// Signed-out visitors are sent to sign in and back; unknown pages are a Chinese 404 page.
async fn protected_pages_and_not_found(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    let r = c.get(app.url("/admin/calendar?year=2026")).send().await.expect("get");
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Fadmin%2Fcalendar%3Fyear%3D2026");
    let r = c.get(app.url("/no/such/page")).send().await.expect("get");
    assert_eq!(r.status(), 404);
    let html = r.text().await.expect("body");
    assert!(html.contains("找不到页面") && html.contains("<html lang=\"zh-CN\">"));
    let r = c.get(app.url("/area/nothing")).send().await.expect("get");
    assert_eq!(r.status(), 404);
}

// Staff may view the calendar; only the administrator edits it; a bad line rejects the load.
async fn calendar_page_permissions_and_load(engine: Engine) {
    let app = spawn_app(engine).await;
    let resident = app.client();
    app.sign_in(&resident, "jumin").await;
    assert_eq!(resident.get(app.url("/admin/calendar")).send().await.expect("get").status(), 403);

    let worker = app.client();
    app.sign_in(&worker, "chuangkou").await;
    let r = worker.get(app.url("/admin/calendar?year=2026")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("body");
    assert!(html.contains("本年共 248 个工作日") && html.contains("春节"));
    assert!(!html.contains("action=\"/admin/calendar/load\""), "no edit forms for a window worker");
    let token = app.form_token(&worker, "/admin/calendar").await;
    let r = worker
        .post(app.url("/admin/calendar/day"))
        .form(&[("_csrf", token.as_str()), ("date", "2026-12-25"), ("kind", "holiday"), ("name", "圣诞")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);

    let admin = app.client();
    app.sign_in(&admin, "admin").await;
    let token = app.form_token(&admin, "/admin/calendar?year=2027").await;
    let bad = "2027-01-01 holiday 元旦\n2027-02-30 holiday 春节\n";
    let r = admin
        .post(app.url("/admin/calendar/load"))
        .form(&[("_csrf", token.as_str()), ("year", "2027"), ("text", bad)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("body");
    assert!(html.contains("第 2 行") && html.contains("2027-02-30 holiday 春节"), "the bad line is named");
    assert!(html.contains("2027-02-30"), "the text is kept for correction");
    assert!(!app.store().calendar().await.expect("calendar").has_year(2027));

    let good = "2027-01-01 holiday 元旦\n2027-02-06..2027-02-13 holiday 春节\n";
    let r = admin
        .post(app.url("/admin/calendar/load"))
        .form(&[("_csrf", token.as_str()), ("year", "2027"), ("text", good)])
        .send()
        .await
        .expect("post");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/admin/calendar?year=2027".to_owned()));
    let html = admin.get(app.url("/admin/calendar?year=2027")).send().await.expect("get").text().await.expect("body");
    assert!(html.contains("已导入") && html.contains("2027-02-13"));
    let r = admin
        .post(app.url("/admin/calendar/day/delete"))
        .form(&[("_csrf", token.as_str()), ("date", "2027-01-01")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    assert!(app.store().calendar().await.expect("calendar").rule(time::macros::date!(2027 - 01 - 01)).is_none());
}

// Changing a password checks the current one and the rules, then signs out other sessions.
async fn password_change(engine: Engine) {
    let app = spawn_app(engine).await;
    let here = app.client();
    app.sign_in(&here, "wangge").await;
    let elsewhere = app.client();
    app.sign_in(&elsewhere, "wangge").await;
    let token = app.form_token(&here, "/account").await;
    let post = |current: &str, new: &str, confirm: &str| {
        here.post(app.url("/account/password"))
            .form(&[
                ("_csrf", token.clone()),
                ("current", current.into()),
                ("new", new.into()),
                ("confirm", confirm.into()),
            ])
            .send()
    };
    let r = post("Wrong@2026x", "Better#Pass9", "Better#Pass9").await.expect("post");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("当前密码不正确"));
    let r = post("Linli@2026", "short", "short").await.expect("post");
    assert!(r.text().await.expect("body").contains("密码至少 8 位"));
    let r = post("Linli@2026", "Better#Pass9", "Better#Pass8").await.expect("post");
    assert!(r.text().await.expect("body").contains("两次输入的新密码不一致"));
    let r = post("Linli@2026", "Better#Pass9", "Better#Pass9").await.expect("post");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/account".to_owned()));
    assert_eq!(here.get(app.url("/api/v1/me")).send().await.expect("get").status(), 200);
    assert_eq!(elsewhere.get(app.url("/api/v1/me")).send().await.expect("get").status(), 401, "other sessions end");
}

// Behind a reverse proxy the Host header is the upstream's: with `public_url` set, a form from
// the public address is accepted and one from elsewhere refused.
async fn forms_work_behind_a_proxy(engine: Engine) {
    let mut config = linli_testkit::test_config();
    config.public_url = Some("https://linli.example.cn".into());
    let app = linli_testkit::spawn_app_with(engine, config).await;
    let c = app.client();
    let token = app.form_token(&c, "/login").await;
    let post = |origin: &'static str| {
        c.post(app.url("/login"))
            .header("origin", origin)
            .form(&[("_csrf", token.as_str()), ("username", "admin"), ("password", "Linli@2026"), ("next", "/")])
            .send()
    };
    assert_eq!(post("https://evil.example").await.expect("post").status(), 403);
    assert_eq!(post("https://linli.example.cn").await.expect("post").status(), 303);
}

// Signing out after the session has already ended still works, and says so.
async fn signing_out_an_ended_session(engine: Engine) {
    let app = spawn_app(engine).await;
    let c = app.client();
    app.sign_in(&c, "chuangkou").await;
    let user = app.store().user_by_username("chuangkou").await.expect("user");
    app.store().delete_user_sessions(user.id, None).await.expect("end sessions");
    let r = c.post(app.url("/logout")).form(&[("_csrf", "stale")]).send().await.expect("post");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/".to_owned()));
    assert!(c.get(app.url("/")).send().await.expect("get").text().await.expect("body").contains("您已安全退出"));
}

// The community page shows the profile, organisations and masked phones; a reveal shows one
// number whole and is logged; the head edits, the worker only reads.
async fn community_pages(engine: Engine) {
    let app = spawn_app(engine).await;
    let head = app.client();
    app.sign_in(&head, "shuji").await;
    let html = head.get(app.url("/community")).send().await.expect("get");
    assert_eq!(location(&html), "/community/350103001001", "one community: straight to it");
    let html = head.get(app.url("/community/350103001001")).send().await.expect("get").text().await.expect("body");
    assert!(html.contains("榕华社区居民委员会") && html.contains("138****0001") && !html.contains("13805910001"));
    assert!(html.contains("编辑社区概况"));
    let token = app.form_token(&head, "/community/350103001001").await;
    let r = head
        .post(app.url("/community/350103001001/profile"))
        .form(&[("_csrf", token.as_str()), ("area_km2", "很大"), ("email", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains("面积应为大于 0") && body.contains("电子邮箱格式不正确"));
    let orgs = app
        .store()
        .acting(&linli_store::Actor::system("t"))
        .organisations(linli_testkit::code("350103001001"))
        .await
        .expect("orgs");
    let member = orgs[0].members[0].id;
    let r = head
        .post(app.url(&format!("/members/{member}/reveal")))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .expect("post");
    let body = r.text().await.expect("body");
    assert!(body.contains("13805910001") && body.contains("已记入审计日志"));

    let worker = app.client();
    app.sign_in(&worker, "chuangkou").await;
    let html = worker.get(app.url("/community/350103001001")).send().await.expect("get").text().await.expect("body");
    assert!(!html.contains("编辑社区概况") && !html.contains("登记新组织"), "read-only for a window worker");
    assert_eq!(worker.get(app.url("/community/350103001001/profile")).send().await.expect("get").status(), 403);
}

// The token page creates a token with the ticked scopes and shows its secret once.
async fn token_page_creates_and_revokes(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.client();
    app.sign_in(&admin, "admin").await;
    let token = app.form_token(&admin, "/admin/tokens").await;
    let form = [
        ("_csrf", token.as_str()),
        ("name", "12345 热线"),
        ("node_code", "350103001000"),
        ("scope", "node:read"),
        ("scope", "community:read"),
        ("valid_days", "30"),
    ];
    let r = admin.post(app.url("/admin/tokens")).form(&form).send().await.expect("post");
    assert_eq!(r.status(), 201);
    let html = r.text().await.expect("body");
    let start = html.find("linli_").expect("the secret is shown once");
    let secret: String =
        html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    let actor = app.store().token_actor(&secret, None).await.expect("query").expect("the shown secret works");
    assert!(actor.principal.may(linli_domain::Resource::Community, linli_domain::Action::Read));
    let again = admin.get(app.url("/admin/tokens")).send().await.expect("get").text().await.expect("body");
    assert!(!again.contains(&secret), "never shown again");
    let bad = [("_csrf", token.as_str()), ("name", ""), ("node_code", "350103001000"), ("scope", "user:create")];
    let r = admin.post(app.url("/admin/tokens")).form(&bad).send().await.expect("post");
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("不是令牌可用的权限范围"));
}

engine_tests!(
    token_page_creates_and_revokes,
    forms_work_behind_a_proxy,
    signing_out_an_ended_session,
    community_pages,
    home_language_and_headers,
    sign_in_form,
    cross_site_posts_are_refused,
    protected_pages_and_not_found,
    calendar_page_permissions_and_load,
    password_change,
);
