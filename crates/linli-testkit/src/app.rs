//! The real server on a random port, over a fresh database seeded with the demo data.

use std::net::SocketAddr;

use linli_store::Store;
use linli_web::{AppState, WebConfig};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::{Engine, TestDb};

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: TestDb,
    stop: Option<oneshot::Sender<()>>,
}

/// Starts linli on 127.0.0.1 port 0 with the demo data; the server stops when the value drops.
pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, test_config()).await
}

/// The demo's settings, with sign-in limits loose enough for tests that sign in many users
/// (the rate-limit test tightens them again).
pub fn test_config() -> WebConfig {
    let loose = linli_web::Rate { per_minute: 10_000, burst: 10_000 };
    WebConfig { demo: true, sign_in_rate: loose, public_rate: loose, ..WebConfig::default() }
}

pub async fn spawn_app_with(engine: Engine, config: WebConfig) -> TestApp {
    let db = TestDb::new(engine).await;
    db.store().seed_demo().await.expect("seed demo data");
    let state = AppState::new(db.store().clone(), config).await.expect("app state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let addr = listener.local_addr().expect("local address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = linli_web::serve(listener, state, shutdown).await {
            eprintln!("test server failed: {e}");
        }
    });
    TestApp { addr, db, stop: Some(stop) }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn store(&self) -> &Store {
        self.db.store()
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client")
    }

    /// Signs `username` in through the API with the demo password; returns the CSRF token.
    pub async fn sign_in(&self, client: &reqwest::Client, username: &str) -> String {
        let r = client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({ "username": username, "password": linli_store::seed::DEMO_PASSWORD }))
            .send()
            .await
            .expect("sign-in request");
        assert_eq!(r.status(), 201, "sign-in of {username} failed");
        let body: Value = r.json().await.expect("session json");
        body["csrf_token"].as_str().expect("csrf_token").to_owned()
    }

    /// The anonymous CSRF token a page form carries, read from the page like a browser would.
    pub async fn form_token(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client.get(self.url(path)).send().await.expect("page").text().await.expect("body");
        let marker = "name=\"_csrf\" value=\"";
        let start = html.find(marker).map(|i| i + marker.len()).expect("page has a form with a CSRF token");
        html[start..].split('"').next().unwrap_or_default().to_owned()
    }
}
