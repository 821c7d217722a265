//! Operational endpoints: health, readiness, metrics, request ids, assets.

use linli_testkit::{Engine, spawn_app};

// Health and readiness answer; metrics count routed requests; every response has a request id.
#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = spawn_app(Engine::Sqlite).await;
    let c = app.client();
    assert_eq!(c.get(app.url("/healthz")).send().await.expect("get").text().await.expect("body"), "ok");
    assert_eq!(c.get(app.url("/readyz")).send().await.expect("get").status(), 200);
    let r = c.get(app.url("/")).header("x-request-id", "trace-me-42").send().await.expect("get");
    assert_eq!(r.headers().get("x-request-id").map(|v| v.as_bytes()), Some(&b"trace-me-42"[..]));
    let r = c.get(app.url("/healthz")).send().await.expect("get");
    assert!(r.headers().get("x-request-id").is_some_and(|v| v.len() >= 32), "a fresh id when none is sent");
    let m = c.get(app.url("/metrics")).send().await.expect("get");
    assert_eq!(m.status(), 200, "loopback may read metrics");
    let text = m.text().await.expect("body");
    assert!(text.contains("linli_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"}"), "{text}");
    assert!(text.contains("linli_build_info"));
    // The store's counts of grouped creates (window/group_commit.rs) are there too.
    assert!(text.contains("linli_create_groups_total "), "{text}");
    assert!(text.contains("linli_create_groups_retried_total 0"), "{text}");

    let proxied = c.get(app.url("/metrics")).header("x-forwarded-for", "203.0.113.9").send().await.expect("get");
    assert_eq!(proxied.status(), 403, "behind a proxy every client looks local: forwarded requests are not");

    // Readiness follows the database.
    app.store().close().await;
    assert_eq!(c.get(app.url("/readyz")).send().await.expect("get").status(), 503);
}

// Assets come from the binary; versioned URLs may be cached for a year.
#[tokio::test]
async fn assets_are_embedded_and_cacheable() {
    let app = spawn_app(Engine::Sqlite).await;
    let c = app.client();
    let html = c.get(app.url("/")).send().await.expect("get").text().await.expect("body");
    let start = html.find("/assets/app.css?v=").expect("versioned stylesheet link");
    let href = html[start..].split('"').next().unwrap_or_default().to_owned();
    let r = c.get(app.url(&href)).send().await.expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-type").map(|v| v.as_bytes()), Some(&b"text/css"[..]));
    assert!(r.headers().get("cache-control").is_some_and(|v| v.to_str().unwrap_or("").contains("immutable")));
    let r = c.get(app.url("/assets/app.css?v=stale")).send().await.expect("get");
    assert!(r.headers().get("cache-control").is_some_and(|v| !v.to_str().unwrap_or("").contains("immutable")));
    assert_eq!(c.get(app.url("/assets/nope.js")).send().await.expect("get").status(), 404);
}

// Oversized bodies are refused with an explanation, as problem+json or as a page.
#[tokio::test]
async fn oversized_bodies_are_explained() {
    let app = spawn_app(Engine::Sqlite).await;
    let c = app.client();
    let big = "x".repeat(3 * 1024 * 1024);
    let r = c
        .post(app.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    assert_eq!(r.headers().get("content-type").map(|v| v.as_bytes()), Some(&b"application/problem+json"[..]));
    let r = c
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    assert!(r.text().await.expect("body").contains("提交的内容太大"));
}
