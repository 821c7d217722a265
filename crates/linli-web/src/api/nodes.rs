//! The administrative tree as far as the caller may see it, and (administrators) changing it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use linli_domain::DivisionCode;
use linli_store::node::Node;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, code_param};
use crate::auth::ApiActor;
use crate::context::Ctx;
use crate::error::{AppError, Problem};
use crate::i18n::{Lang, t};
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

impl NodeInfo {
    fn new(n: Node, lang: Lang) -> Self {
        NodeInfo {
            code: n.code.to_string(),
            parent_code: n.parent_code.map(|p| p.to_string()),
            level: n.level.as_str().to_owned(),
            level_name: t(lang, &format!("level.{}", n.level.as_str())).to_owned(),
            name: n.name,
            retired: n.retired_at.is_some(),
        }
    }
}

/// The caller's node and every node below it, parents before children.
#[utoipa::path(get, path = "/nodes", tag = "organisation",
    responses((status = 200, body = Vec<NodeInfo>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn nodes(State(state): State<AppState>, ctx: Ctx, api: ApiActor) -> Result<Json<Vec<NodeInfo>>, AppError> {
    let nodes = state.store.acting(&api.actor).nodes().await?;
    Ok(Json(nodes.into_iter().map(|n| NodeInfo::new(n, ctx.lang)).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewNode {
    /// The 12-digit code; its level and parent follow from it.
    pub code: String,
    pub name: String,
}

/// Add a node under an existing parent (administrators).
#[utoipa::path(post, path = "/nodes", tag = "organisation", request_body = NewNode,
    responses((status = 201, body = NodeInfo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    api: ApiActor,
    ApiJson(body): ApiJson<NewNode>,
) -> Result<(StatusCode, Json<NodeInfo>), AppError> {
    let code = DivisionCode::parse(&body.code).map_err(|e| e.at("code"))?;
    let node = state.store.acting(&api.actor).create_node(code, &body.name).await?;
    Ok((StatusCode::CREATED, Json(NodeInfo::new(node, ctx.lang))))
}

/// One node.
#[utoipa::path(get, path = "/nodes/{code}", tag = "organisation", params(("code" = String, Path)),
    responses((status = 200, body = NodeInfo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn node(
    State(state): State<AppState>,
    ctx: Ctx,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<NodeInfo>, AppError> {
    let node = state.store.acting(&api.actor).node(code_param(&code)?).await?;
    Ok(Json(NodeInfo::new(node, ctx.lang)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NodeChange {
    /// A new name.
    pub name: Option<String>,
    /// Retire (true) or bring back (false). A node with active children cannot be retired.
    pub retired: Option<bool>,
}

/// Rename, retire or reinstate a node (administrators).
#[utoipa::path(patch, path = "/nodes/{code}", tag = "organisation", params(("code" = String, Path)), request_body = NodeChange,
    responses((status = 200, body = NodeInfo), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NodeChange>,
) -> Result<Json<NodeInfo>, AppError> {
    let code = code_param(&code)?;
    let acting = state.store.acting(&api.actor);
    let mut node = acting.node(code).await?;
    if let Some(name) = &body.name {
        node = acting.rename_node(code, name).await?;
    }
    if let Some(retired) = body.retired {
        node = acting.set_node_retired(code, retired).await?;
    }
    Ok(Json(NodeInfo::new(node, ctx.lang)))
}
