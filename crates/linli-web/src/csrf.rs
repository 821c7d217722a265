//! Cross-site request forgery protection, in two layers.
//!
//! 1. Every unsafe request (POST, PUT, PATCH, DELETE) sent by a browser from another site is
//!    refused outright, judged by `Sec-Fetch-Site` and `Origin` ([`same_origin_only`]).
//! 2. Every form carries a `_csrf` token bound to the session (or, before sign-in, to an
//!    anonymous cookie), checked by the [`Form`] extractor; API calls authenticated by the
//!    session cookie send it as `X-CSRF-Token`.

use axum::extract::{FromRequest, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::context::Ctx;
use crate::error::AppError;
use crate::state::{AppState, WebConfig};

/// Compares two tokens in time independent of where they differ.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && !a.is_empty() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses unsafe requests that a browser says come from another site.
pub async fn same_origin_only(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_unsafe(req.method()) && is_cross_site(&req, &state.config) {
        tracing::warn!(
            path = %req.uri().path(),
            origin = ?req.headers().get(header::ORIGIN),
            "refused a cross-site unsafe request"
        );
        return AppError::CsrfRejected.into_response();
    }
    next.run(req).await
}

/// Modern browsers say where a request comes from (`Sec-Fetch-Site`); trust that first.
/// Otherwise compare `Origin` with the configured public address, or with the host the
/// request reached (`X-Forwarded-Host` behind a trusted proxy, else `Host`).
fn is_cross_site(req: &Request, config: &WebConfig) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    if origin == "null" {
        return true;
    }
    if let Some(public) = &config.public_url {
        return !origin.eq_ignore_ascii_case(public.trim_end_matches('/'));
    }
    let origin_host = origin.split("://").nth(1).unwrap_or(origin);
    let forwarded = config.trust_proxy.then(|| h.get("x-forwarded-host").and_then(|v| v.to_str().ok())).flatten();
    let host = forwarded.or_else(|| h.get(header::HOST).and_then(|v| v.to_str().ok())).unwrap_or_default();
    !origin_host.eq_ignore_ascii_case(host)
}

/// A URL-encoded form whose `_csrf` field must match the request's token.
///
/// Use it for every page form instead of `axum::Form`; the fields are deserialised into `T`
/// (which may ignore `_csrf`).
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ctx =
            req.extensions().get::<Ctx>().cloned().ok_or_else(|| AppError::internal("request context missing"))?;
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|_| AppError::PayloadTooLarge)?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::BadRequest("problem.msg.form_unreadable"))?;
        let sent = pairs.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
        if !tokens_match(sent, &ctx.csrf) {
            tracing::warn!(path = %ctx.path, request_id = %ctx.request_id, "form refused: CSRF token missing or stale");
            return Err(AppError::CsrfRejected);
        }
        let value =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::BadRequest("problem.msg.form_unreadable"))?;
        Ok(Form(value))
    }
}

#[cfg(test)]
mod tests {
    use super::tokens_match;

    #[test]
    fn tokens_must_be_equal_and_present() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "abcd"));
        assert!(!tokens_match("", ""));
    }
}
