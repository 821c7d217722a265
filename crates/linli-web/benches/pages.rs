//! Rendering cost of real pages (issue 7), measured in-process through the app's router (no
//! socket): each page beside the JSON API calls that read the same data, so the difference is
//! what the askama template and the page's context cost.
//!
//! `cargo bench -p linli-web --bench pages` (optimised build; `BENCH_ITERS=…` for more
//! requests per case). Seeds the full demo (register, window, a year of requests) on a fresh
//! SQLite database, signs in as the window worker and the district supervisor, then sends each
//! request `BENCH_ITERS` times one after another and prints the mean, p50 and p99.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use linli_testkit::{Engine, TestDb, test_config};
use tower::ServiceExt;

const MAIN: &str = "350103001001";
const DISTRICT: &str = "350103000000";

async fn sign_in(app: &axum::Router, username: &str) -> String {
    let body = serde_json::json!({ "username": username, "password": linli_store::seed::DEMO_PASSWORD });
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("sign-in");
    assert_eq!(res.status(), StatusCode::CREATED, "sign-in of {username}");
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("linli_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
}

/// Sends `GET path` `iters` times; returns the sorted durations and the last body's size.
async fn measure(app: &axum::Router, cookie: &str, path: &str, iters: usize) -> (Vec<Duration>, usize) {
    let mut took = Vec::with_capacity(iters);
    let mut size = 0;
    for _ in 0..iters {
        let req = Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).expect("request");
        let t = Instant::now();
        let res = app.clone().oneshot(req).await.expect("response");
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        took.push(t.elapsed());
        assert_eq!(status, StatusCode::OK, "GET {path}: {}", String::from_utf8_lossy(&body));
        size = body.len();
    }
    took.sort();
    (took, size)
}

fn line(name: &str, took: &[Duration], size: usize) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = took.iter().map(|d| ms(*d)).sum::<f64>() / took.len().max(1) as f64;
    let at = |q: f64| took.get(((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1))).copied();
    println!(
        "{name:<44} mean {mean:>7.3} ms  p50 {:>7.3} ms  p99 {:>7.3} ms  {:>7} bytes",
        at(0.50).map_or(0.0, ms),
        at(0.99).map_or(0.0, ms),
        size
    );
}

#[tokio::main]
async fn main() {
    let iters: usize = std::env::var("BENCH_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let db = TestDb::new(Engine::Sqlite).await;
    let store = db.store().clone();
    store.seed_demo().await.expect("demo");
    store.seed_demo_register().await.expect("register");
    store.seed_demo_window().await.expect("window");
    store.seed_demo_year().await.expect("year");
    let state = linli_web::AppState::new(store, test_config()).await.expect("state");
    let app = linli_web::app(state);
    let window = sign_in(&app, "chuangkou").await;
    let supervisor = sign_in(&app, "quminzheng").await;

    println!("{iters} sequential requests each, in-process (no socket), SQLite, full demo data");
    let cases: [(&str, &str, String); 8] = [
        ("desk page /window/{c}", &window, format!("/window/{MAIN}")),
        ("  API: window summary", &window, format!("/api/v1/communities/{MAIN}/window")),
        ("  API: open queue, 30 lines", &window, format!("/api/v1/communities/{MAIN}/requests?limit=30")),
        ("register search page /register/{c}?q=wang", &window, format!("/register/{MAIN}?q=wang")),
        ("  API: residents?q=wang&limit=50", &window, format!("/api/v1/communities/{MAIN}/residents?q=wang&limit=50")),
        ("district comparison /oversight/compare/{d}", &supervisor, format!("/oversight/compare/{DISTRICT}")),
        ("community figures /oversight/{c}", &supervisor, format!("/oversight/{MAIN}")),
        ("  API: figures of {c}", &supervisor, format!("/api/v1/communities/{MAIN}/figures")),
    ];
    for (name, cookie, path) in &cases {
        // A few unmeasured requests first: caches, the calendar, the statement cache.
        measure(&app, cookie, path, 5).await;
        let (took, size) = measure(&app, cookie, path, iters).await;
        line(name, &took, size);
    }
}
