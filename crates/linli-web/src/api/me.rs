//! The signed-in user's own account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linli_domain::password;
use linli_store::user::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::auth::{ApiActor, confirm_own_password};
use crate::context::Ctx;
use crate::error::{AppError, Problem};
use crate::i18n::{Lang, t};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// `admin`, `supervisor`, `community_head`, `window_worker`, `grid_worker`,
    /// `social_worker`, `assessor`, `resident` or `volunteer`.
    pub role: String,
    /// The role's name in the request's language.
    pub role_name: String,
    /// The 12-digit division code of the user's node.
    pub node_code: String,
    pub node_name: String,
    /// The user must choose a new password before doing anything else.
    pub must_change_password: bool,
}

impl UserInfo {
    pub fn new(u: &User, lang: Lang) -> Self {
        UserInfo {
            id: u.id.to_string(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_owned(),
            role_name: t(lang, &format!("role.{}", u.role.as_str())).to_owned(),
            node_code: u.node_code.to_string(),
            node_name: u.node_name.clone(),
            must_change_password: u.must_change_password,
        }
    }
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "session",
    responses((status = 200, body = UserInfo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn me(ctx: Ctx, api: ApiActor) -> Result<Json<UserInfo>, AppError> {
    let s = api.session.ok_or(AppError::Forbidden)?;
    Ok(Json(UserInfo::new(&s.user, ctx.lang)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current: String,
    pub new: String,
}

/// Change one's own password; every other session of the account ends.
#[utoipa::path(post, path = "/me/password", tag = "session", request_body = ChangePassword,
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    api: ApiActor,
    ApiJson(body): ApiJson<ChangePassword>,
) -> Result<StatusCode, AppError> {
    let s = api.session.clone().ok_or(AppError::Forbidden)?;
    confirm_own_password(&state, &ctx, &s.user, &body.current, "user.password_check_failed").await.map_err(
        |e| match e {
            AppError::Invalid(i) => AppError::Invalid(i.renamed("current")),
            other => other,
        },
    )?;
    password::check_strength(&body.new, &s.user.username).map_err(|e| e.renamed("new"))?;
    if body.new == body.current {
        return Err(AppError::Invalid(linli_domain::Invalid::one("new", "password_unchanged")));
    }
    let new = body.new.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    state.store.acting(&api.actor).change_own_password(&hash, &s.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out everywhere: ends every session of the account, this one included.
#[utoipa::path(delete, path = "/me/sessions", tag = "session",
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn sign_out_everywhere(State(state): State<AppState>, api: ApiActor) -> Result<StatusCode, AppError> {
    let s = api.session.ok_or(AppError::Forbidden)?;
    let n = state.store.delete_user_sessions(s.user.id, None).await?;
    let entry = linli_store::audit::Entry::new(
        s.user.node_code.to_string(),
        "session.sign_out_everywhere",
        "user",
        s.user.id.to_string(),
        serde_json::json!({ "sessions": n }),
    );
    state.store.record(&api.actor, &entry).await?;
    tracing::info!(username = %s.user.username, sessions = n, "signed out everywhere");
    Ok(StatusCode::NO_CONTENT)
}
