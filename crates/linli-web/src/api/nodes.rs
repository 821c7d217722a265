//! The administrative tree as far as the user may see it: their node and everything below.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::ApiUser;
use crate::context::Ctx;
use crate::error::AppError;
use crate::i18n::t;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct NodeInfo {
    /// 12-digit 统计用区划代码.
    pub code: String,
    pub parent_code: Option<String>,
    /// `province`, `city`, `district`, `street` or `community`.
    pub level: String,
    pub level_name: String,
    pub name: String,
    pub retired: bool,
}

/// The user's node and every node below it, parents before children.
#[utoipa::path(get, path = "/nodes", tag = "organisation",
    responses((status = 200, body = Vec<NodeInfo>),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn nodes(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<NodeInfo>>, AppError> {
    let nodes = state.store.nodes_under(user.user.node_code).await?;
    Ok(Json(
        nodes
            .into_iter()
            .map(|n| NodeInfo {
                code: n.code.to_string(),
                parent_code: n.parent_code.map(|p| p.to_string()),
                level: n.level.as_str().to_owned(),
                level_name: t(ctx.lang, &format!("level.{}", n.level.as_str())).to_owned(),
                name: n.name,
                retired: n.retired_at.is_some(),
            })
            .collect(),
    ))
}
