//! Signing in and out over the API, and re-entering the password for sensitive actions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use super::me::UserInfo;
use crate::auth::{ApiActor, confirm_own_password, sign_in as check_sign_in};
use crate::context::{Ctx, SESSION_COOKIE, cookie, removal};
use crate::error::{AppError, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    pub user: UserInfo,
    /// Send this as `X-CSRF-Token` with every unsafe call made with the session cookie.
    pub csrf_token: String,
    /// When the session ends at the latest (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

/// Sign in: opens a session and sets its cookie.
#[utoipa::path(post, path = "/session", tag = "session", request_body = SignInRequest,
    responses(
        (status = 201, body = SessionInfo, description = "Signed in; the session cookie is set."),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "Unknown user or wrong password."),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "The right password, but the account is locked or disabled."),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many attempts from this address.")
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignInRequest>,
) -> Result<impl IntoResponse, AppError> {
    let (session, user) =
        check_sign_in(&state, &body.username, &body.password, &ctx).await?.map_err(AppError::Login)?;
    let jar = jar.add(cookie(SESSION_COOKIE, session.token.clone(), state.config.https, None));
    let info = SessionInfo {
        user: UserInfo::new(&user, ctx.lang),
        csrf_token: session.csrf_token,
        expires_at: session.expires_at,
    };
    Ok((StatusCode::CREATED, jar, Json(info)))
}

/// Sign out: ends this session.
#[utoipa::path(delete, path = "/session", tag = "session",
    responses((status = 204, description = "Signed out."),
        (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn sign_out(
    State(state): State<AppState>,
    api: ApiActor,
    jar: CookieJar,
) -> Result<impl IntoResponse, AppError> {
    let session = api.session.ok_or(AppError::Forbidden)?;
    state.store.delete_session(&session.token).await?;
    tracing::info!(username = %session.user.username, "signed out");
    Ok((StatusCode::NO_CONTENT, jar.add(removal(SESSION_COOKIE))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReauthRequest {
    pub password: String,
}

/// Re-enter the password: sensitive actions (accounts, tokens, revealing personal data,
/// exporting the audit log) are allowed for 15 minutes afterwards.
#[utoipa::path(post, path = "/session/reauth", tag = "session", request_body = ReauthRequest,
    responses((status = 204, description = "Confirmed."),
        (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn reauth(
    State(state): State<AppState>,
    ctx: Ctx,
    api: ApiActor,
    ApiJson(body): ApiJson<ReauthRequest>,
) -> Result<StatusCode, AppError> {
    let session = api.session.ok_or(AppError::Forbidden)?;
    confirm_own_password(&state, &ctx, &session.user, &body.password, "session.reauth_failed").await?;
    state.store.touch_reauth(&session.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
