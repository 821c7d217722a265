//! Signing in and out, and the extractors that give handlers the acting user.
//!
//! Pages use [`Me`] (anonymous visitors are sent to sign in and back; an initial password
//! must be changed first); the API uses [`ApiActor`] (401 problem; a session-cookie caller
//! must send the CSRF header on unsafe calls; bearer tokens act as their integration).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::{Method, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use linli_domain::password;
use linli_store::audit::Entry;
use linli_store::session::NewSession;
use linli_store::user::User;
use linli_store::{Actor, now};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::context::{Ctx, SignedIn};
use crate::csrf::tokens_match;
use crate::error::AppError;
use crate::state::AppState;

/// Why a sign-in failed, as the user may be told.
#[derive(Debug)]
pub enum LoginFailure {
    /// Unknown user or wrong password: the message never says which.
    BadCredentials,
    /// The right password, but the account is locked after failures.
    Locked { until: OffsetDateTime },
    /// The right password, but the account is disabled or its access window has ended.
    Disabled,
}

/// Checks a username and password and opens a session. Locked and disabled accounts are
/// reported only to someone who knows the password, so the answer reveals nothing else.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password_text: &str,
    ctx: &Ctx,
) -> Result<Result<(NewSession, User), LoginFailure>, AppError> {
    let found = state.store.user_for_login(username).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| password::decoy_hash().to_owned());
    let candidate = password_text.to_owned();
    let permit = state.limits.hashing().await?;
    // Hash checking takes tens of milliseconds of CPU: keep it off the async workers. Unknown
    // users are checked against a decoy so the timing does not reveal which names exist.
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&candidate, &hash)).await.map_err(AppError::internal)?;
    drop(permit);
    let Some((user, _)) = found else {
        tracing::info!(username, ip = ?ctx.ip, "sign-in refused: unknown username");
        return Ok(Err(LoginFailure::BadCredentials));
    };
    let as_user = Actor::user(&user, ctx.ip.clone());
    let at = now();
    if !matches {
        let until = at + state.config.lockout_duration;
        let failures = state.store.record_login_failure(user.id, state.config.lockout_threshold, until).await?;
        let action = if failures == state.config.lockout_threshold { "user.locked" } else { "session.sign_in_failed" };
        let entry = Entry::new(
            user.node_code.to_string(),
            action,
            "user",
            user.id.to_string(),
            json!({ "failures": failures }),
        );
        state.store.record(&as_user, &entry).await?;
        tracing::info!(username, failures, ip = ?ctx.ip, "sign-in refused: wrong password");
        return Ok(Err(LoginFailure::BadCredentials));
    }
    if !user.usable_at(at) {
        tracing::info!(username, "sign-in refused: account disabled or past its access window");
        return Ok(Err(LoginFailure::Disabled));
    }
    if let Some(until) = user.locked_until.filter(|u| *u > at) {
        tracing::info!(username, %until, "sign-in refused: account locked");
        return Ok(Err(LoginFailure::Locked { until }));
    }
    state.store.record_login_success(user.id).await?;
    let session = state
        .store
        .create_session(user.id, state.config.session_lifetime, ctx.ip.as_deref(), ctx.user_agent.as_deref())
        .await?;
    let entry = Entry::new(user.node_code.to_string(), "session.sign_in", "user", user.id.to_string(), json!({}));
    state.store.record(&as_user, &entry).await?;
    tracing::info!(username, user_id = %user.id, ip = ?ctx.ip, "signed in");
    Ok(Ok((session, user)))
}

/// Whether the session's password was entered within `window` (`WebConfig::reauth_window`).
pub fn recently_authenticated(s: &SignedIn, window: Duration) -> bool {
    s.session.reauth_at.is_some_and(|t| now() - t < window)
}

/// Paths an account with an initial password may still use: changing it, and leaving.
fn allowed_before_password_change(path: &str) -> bool {
    let p = path.split('?').next().unwrap_or(path);
    matches!(p, "/account" | "/account/password" | "/logout" | "/api/v1/me" | "/api/v1/me/password" | "/api/v1/session")
}

/// A page handler's signed-in user and the actor they are.
pub struct Me {
    pub signed_in: Arc<SignedIn>,
    pub actor: Actor,
    reauth_window: Duration,
}

impl Me {
    /// Sensitive actions need the password entered recently.
    pub fn require_recent_auth(&self) -> Result<(), AppError> {
        if recently_authenticated(&self.signed_in, self.reauth_window) { Ok(()) } else { Err(AppError::ReauthRequired) }
    }
}

impl FromRequestParts<AppState> for Me {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = Ctx::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Some(signed_in) = ctx.user.clone() else {
            return Err(Redirect::to(&login_url(&ctx.path)).into_response());
        };
        if signed_in.user.must_change_password && !allowed_before_password_change(&ctx.path) {
            return Err(Redirect::to("/account").into_response());
        }
        let actor = Actor::user(&signed_in.user, ctx.ip.clone());
        Ok(Me { signed_in, actor, reauth_window: state.config.reauth_window })
    }
}

/// `/login?next=<path>`, with the path percent-encoded.
pub fn login_url(next: &str) -> String {
    let encoded: String = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    format!("/login?{encoded}")
}

/// Where to go after signing in: only a plain local path, never another site. Anything with
/// a backslash or a control character (browsers drop tabs and newlines, turning `/\t/x` into
/// `//x`) is refused.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control)
                && n.len() <= 2000 =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// An API handler's actor: a signed-in user (session cookie) or an integration (bearer token).
pub struct ApiActor {
    pub actor: Actor,
    pub session: Option<Arc<SignedIn>>,
    reauth_window: Duration,
}

impl ApiActor {
    /// Sensitive actions need the password entered recently (tokens cannot do them at all).
    pub fn require_recent_auth(&self) -> Result<(), AppError> {
        match &self.session {
            Some(s) if !recently_authenticated(s, self.reauth_window) => Err(AppError::ReauthRequired),
            _ => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let actor = ctx.actor().ok_or(AppError::Unauthorized)?;
        if let Some(s) = &ctx.user {
            if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
                let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
                if !tokens_match(sent, &s.session.csrf_token) {
                    return Err(AppError::CsrfRejected);
                }
            }
            if s.user.must_change_password && !allowed_before_password_change(&ctx.path) {
                return Err(AppError::PasswordChangeRequired);
            }
        }
        Ok(ApiActor { actor, session: ctx.user, reauth_window: state.config.reauth_window })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/admin/calendar?year=2026")), "/admin/calendar?year=2026");
        for bad in [
            "//evil.example/",
            "/\\evil.example/",
            "https://evil.example/",
            "/x\r\nSet-Cookie: a=b",
            "/\t/evil.example/",
            "/\u{0}x",
            "/a\\b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(login_url("/a?b=1&c=2"), "/login?next=%2Fa%3Fb%3D1%26c%3D2");
    }

    #[test]
    fn only_the_password_change_is_open_before_it() {
        assert!(allowed_before_password_change("/account?x=1"));
        assert!(allowed_before_password_change("/api/v1/me/password"));
        assert!(!allowed_before_password_change("/admin/users"));
        assert!(!allowed_before_password_change("/api/v1/nodes"));
    }
}
