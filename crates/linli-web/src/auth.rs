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
    let Some((user, hash)) = found else {
        // The same work as for a real account, so timing does not reveal which names exist.
        verify_hash(state, password::decoy_hash().to_owned(), password_text).await?;
        // What was typed may be a phone or ID number, or a password in the wrong box: log a
        // fingerprint of it, never the text.
        tracing::info!(typed = %fingerprint(username), ip = ?ctx.ip, "sign-in refused: unknown username");
        return Ok(Err(LoginFailure::BadCredentials));
    };
    if !check_password(state, ctx, &user, hash, password_text, "session.sign_in_failed").await? {
        return Ok(Err(LoginFailure::BadCredentials));
    }
    let at = now();
    if !user.usable_at(at) {
        tracing::info!(username = %user.username, "sign-in refused: account disabled or past its access window");
        return Ok(Err(LoginFailure::Disabled));
    }
    if let Some(until) = user.locked_until.filter(|u| *u > at) {
        tracing::info!(username = %user.username, %until, "sign-in refused: account locked");
        return Ok(Err(LoginFailure::Locked { until }));
    }
    state.store.record_login_success(user.id).await?;
    let session = state
        .store
        .create_session(user.id, state.config.session_lifetime, ctx.ip.as_deref(), ctx.user_agent.as_deref())
        .await?;
    let entry = Entry::new(user.node_code.to_string(), "session.sign_in", "user", user.id.to_string(), json!({}));
    state.store.record(&Actor::user(&user, ctx.ip.clone()), &entry).await?;
    tracing::info!(username = %user.username, user_id = %user.id, ip = ?ctx.ip, "signed in");
    Ok(Ok((session, user)))
}

/// Checks an account's password, however it is asked for (sign-in, re-authentication, a
/// password change): at most a few hashes run at once, and a wrong password counts towards
/// the lockout and is audited as `failure`. Returns whether it matched.
pub async fn check_password(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    hash: String,
    candidate: &str,
    failure: &'static str,
) -> Result<bool, AppError> {
    if verify_hash(state, hash, candidate).await? {
        return Ok(true);
    }
    let until = now() + state.config.lockout_duration;
    let actor = Actor::user(user, ctx.ip.clone());
    let (failures, locked) =
        state.store.record_password_failure(user, &actor, failure, state.config.lockout_threshold, until).await?;
    tracing::info!(username = %user.username, failures, locked, ip = ?ctx.ip, check = failure, "wrong password");
    Ok(false)
}

/// The signed-in user's own password, re-entered (re-authentication, password change): a
/// wrong one is counted like a failed sign-in, and a locked account is refused.
pub async fn confirm_own_password(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    candidate: &str,
    failure: &'static str,
) -> Result<(), AppError> {
    let (fresh, hash) = state.store.user_for_login(&user.username).await?.ok_or(AppError::Unauthorized)?;
    if !check_password(state, ctx, &fresh, hash, candidate, failure).await? {
        return Err(AppError::Invalid(linli_domain::Invalid::one("password", "password_wrong")));
    }
    if let Some(until) = fresh.locked_until.filter(|u| *u > now()) {
        return Err(AppError::Login(LoginFailure::Locked { until }));
    }
    Ok(())
}

/// Runs argon2id verification on the blocking pool, within the hashing limit.
async fn verify_hash(state: &AppState, hash: String, candidate: &str) -> Result<bool, AppError> {
    let candidate = candidate.to_owned();
    let permit = state.limits.hashing().await?;
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&candidate, &hash)).await.map_err(AppError::internal)?;
    drop(permit);
    Ok(matches)
}

/// A short, non-reversible stand-in for text that must not reach the logs.
fn fingerprint(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect()
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
