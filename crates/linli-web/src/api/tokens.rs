//! API tokens for integrations (administrators).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use linli_domain::DivisionCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ApiJson, id_param};
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// Tokens of the caller's subtree (never their secrets).
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn list(State(state): State<AppState>, api: ApiActor) -> Result<Json<Value>, AppError> {
    let tokens = state.store.acting(&api.actor).tokens().await?;
    serde_json::to_value(tokens).map(Json).map_err(AppError::internal)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
    /// The node the token acts at (it reaches that node and below).
    pub node_code: String,
    /// `resource:action` pairs, e.g. `node:read`, `community:read`.
    pub scopes: Vec<String>,
    /// Days until it expires (1–3660); none for a token that does not expire.
    pub valid_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: Value,
    /// `linli_…`: shown this once, stored only as a hash.
    pub secret: String,
}

/// Create a token.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    api: ApiActor,
    ApiJson(b): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), AppError> {
    api.require_recent_auth()?;
    let node = DivisionCode::parse(&b.node_code).map_err(|e| e.at("node_code"))?;
    let (token, secret) = state.store.acting(&api.actor).create_token(&b.name, node, &b.scopes, b.valid_days).await?;
    let token = serde_json::to_value(token).map_err(AppError::internal)?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// Revoke a token: it stops working at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    api.require_recent_auth()?;
    state.store.acting(&api.actor).revoke_token(id_param(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
