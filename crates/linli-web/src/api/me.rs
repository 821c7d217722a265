//! Who am I: the signed-in user as the API sees them.

use axum::Json;
use linli_store::user::User;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::ApiUser;
use crate::context::Ctx;
use crate::error::AppError;
use crate::i18n::{Lang, t};

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
    responses(
        (status = 200, body = UserInfo),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("session" = []))
)]
pub async fn me(ctx: Ctx, ApiUser(user): ApiUser) -> Result<Json<UserInfo>, AppError> {
    Ok(Json(UserInfo::new(&user.user, ctx.lang)))
}
