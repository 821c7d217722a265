//! The web layer through the real HTTP server on a random port, on both engines, and in a
//! real headless Chromium. One test binary (each binary is slow to link on 2 cores).

mod api;
mod browser;
mod evaluation;
mod identity;
mod matrix;
mod ops;
mod oversight;
mod pages;
mod register;
mod window;

use reqwest::Response;

/// The body of a problem+json response, checking its content type.
pub async fn problem(r: Response) -> serde_json::Value {
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(ct, "application/problem+json", "status {}", r.status());
    r.json().await.expect("problem body")
}

/// The `Location` of a redirect.
pub fn location(r: &Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}
