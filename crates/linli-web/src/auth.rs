//! Signing in and out, and the extractors that give handlers the signed-in user.
//!
//! Pages use [`SignedInUser`] (anonymous visitors are sent to the sign-in page and back);
//! the API uses [`ApiUser`] (401 problem, and the CSRF header for cookie-authenticated
//! unsafe calls).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::{Method, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use linli_domain::{Role, password};
use linli_store::session::NewSession;
use linli_store::user::User;
use time::OffsetDateTime;

use crate::context::{Ctx, SignedIn};
use crate::csrf::tokens_match;
use crate::error::AppError;
use crate::state::AppState;

/// Why a sign-in failed, as the user may be told.
#[derive(Debug)]
pub enum LoginFailure {
    /// Unknown user or wrong password: the message never says which.
    BadCredentials,
    Locked {
        until: OffsetDateTime,
    },
    Disabled,
}

/// Checks a username and password and opens a session.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password_text: &str,
    ctx: &Ctx,
) -> Result<Result<(NewSession, User), LoginFailure>, AppError> {
    let found = state.store.user_for_login(username).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| password::decoy_hash().to_owned());
    let candidate = password_text.to_owned();
    // Hash checking takes tens of milliseconds of CPU: keep it off the async workers. Unknown
    // users are checked against a decoy so the timing does not reveal which names exist.
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&candidate, &hash)).await.map_err(AppError::internal)?;
    let Some((user, _)) = found else {
        tracing::info!(username, ip = ?ctx.ip, "sign-in refused: unknown username");
        return Ok(Err(LoginFailure::BadCredentials));
    };
    let now = linli_store::now();
    if user.disabled_at.is_some() {
        tracing::info!(username, "sign-in refused: account disabled");
        return Ok(Err(LoginFailure::Disabled));
    }
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        tracing::info!(username, %until, "sign-in refused: account locked");
        return Ok(Err(LoginFailure::Locked { until }));
    }
    if !matches {
        let until = now + state.config.lockout_duration;
        let failures = state.store.record_login_failure(user.id, state.config.lockout_threshold, until).await?;
        tracing::info!(username, failures, ip = ?ctx.ip, "sign-in refused: wrong password");
        if failures >= state.config.lockout_threshold {
            return Ok(Err(LoginFailure::Locked { until }));
        }
        return Ok(Err(LoginFailure::BadCredentials));
    }
    state.store.record_login_success(user.id).await?;
    let session = state
        .store
        .create_session(user.id, state.config.session_lifetime, ctx.ip.as_deref(), ctx.user_agent.as_deref())
        .await?;
    tracing::info!(username, user_id = %user.id, ip = ?ctx.ip, "signed in");
    Ok(Ok((session, user)))
}

/// A page handler's signed-in user.
pub struct SignedInUser(pub Arc<SignedIn>);

impl FromRequestParts<AppState> for SignedInUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = Ctx::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        match ctx.user {
            Some(u) => Ok(SignedInUser(u)),
            None => Err(Redirect::to(&login_url(&ctx.path)).into_response()),
        }
    }
}

/// `/login?next=<path>`, with the path percent-encoded.
pub fn login_url(next: &str) -> String {
    let encoded: String = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    format!("/login?{encoded}")
}

/// Where to go after signing in: only a local path, never another site (`//evil`, `/\evil`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']) => {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// An API handler's signed-in user.
pub struct ApiUser(pub Arc<SignedIn>);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let user = ctx.user.ok_or(AppError::Unauthorized)?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !tokens_match(sent, &user.session.csrf_token) {
                return Err(AppError::CsrfRejected);
            }
        }
        Ok(ApiUser(user))
    }
}

/// Refuses unless the user has one of `roles`. (The full rights matrix arrives with the
/// identity issue; until then administrative actions are the administrator's.)
pub fn require_role(user: &SignedIn, roles: &[Role]) -> Result<(), AppError> {
    if roles.contains(&user.user.role) { Ok(()) } else { Err(AppError::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/admin/calendar?year=2026")), "/admin/calendar?year=2026");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/x\r\nSet-Cookie: a=b")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(login_url("/a?b=1&c=2"), "/login?next=%2Fa%3Fb%3D1%26c%3D2");
    }
}
