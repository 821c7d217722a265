//! 网格 and 走访 over JSON (GB/T 34300): grids and their workers, household visits, and who
//! is due for one.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use linli_store::register::VisitInput;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::register::json;
use super::{ApiJson, code_param, id_param};
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// A community's grids with their workers and size (buildings, households).
#[utoipa::path(get, path = "/communities/{code}/grids", tag = "grids", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn grids(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).grids(code_param(&code)?).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GridBody {
    /// Unique in the community, e.g. `0101`.
    pub code: String,
    pub name: String,
}

/// Add a grid.
#[utoipa::path(post, path = "/communities/{code}/grids", tag = "grids", params(("code" = String, Path)), request_body = GridBody,
    responses((status = 201, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn create_grid(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<GridBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let grid = state.store.acting(&api.actor).create_grid(code_param(&code)?, &b.code, &b.name).await?;
    Ok((StatusCode::CREATED, json(grid)?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GridUpdate {
    pub code: String,
    pub name: String,
    /// Retire the grid (only once it has no buildings) or bring it back.
    #[serde(default)]
    pub retired: bool,
}

/// Change a grid's code or name, or retire it.
#[utoipa::path(put, path = "/grids/{id}", tag = "grids", params(("id" = String, Path)), request_body = GridUpdate,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn update_grid(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<GridUpdate>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).update_grid(id_param(&id)?, &b.code, &b.name, b.retired).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WorkersBody {
    /// Accounts with the grid-worker role in the grid's community.
    pub workers: Vec<Uuid>,
}

/// Set a grid's workers.
#[utoipa::path(put, path = "/grids/{id}/workers", tag = "grids", params(("id" = String, Path)), request_body = WorkersBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn set_workers(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<WorkersBody>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).set_grid_workers(id_param(&id)?, &b.workers).await?)
}

/// A household's visits, newest first.
#[utoipa::path(get, path = "/households/{id}/visits", tag = "grids", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn visits(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).visits(id_param(&id)?).await?)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct VisitBody {
    /// `YYYY-MM-DD`, within the last year; today when empty.
    pub visited_on: String,
    pub purpose: String,
    pub findings: String,
    /// Something needs following up (then `follow_up_note` says what).
    pub follow_up: bool,
    pub follow_up_note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitId {
    pub id: Uuid,
}

/// Record a household visit.
#[utoipa::path(post, path = "/households/{id}/visits", tag = "grids", params(("id" = String, Path)), request_body = VisitBody,
    responses((status = 201, body = VisitId), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn record_visit(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<VisitBody>,
) -> Result<(StatusCode, Json<VisitId>), AppError> {
    let input = VisitInput {
        visited_on: b.visited_on,
        purpose: b.purpose,
        findings: b.findings,
        follow_up: if b.follow_up { "1".into() } else { String::new() },
        follow_up_note: b.follow_up_note,
    };
    let id = state.store.acting(&api.actor).record_visit(id_param(&id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(VisitId { id })))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct CoverageQuery {
    /// Households not visited within this many days (1–366, default 90).
    pub days: Option<i64>,
    /// At most this many rows (1–5000, default 500).
    pub limit: Option<i64>,
}

/// Households with residents not visited within `days`, never-visited first.
#[utoipa::path(get, path = "/communities/{code}/coverage/households", tag = "grids", params(("code" = String, Path), CoverageQuery),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn unvisited(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<Value>, AppError> {
    let days = q.days.unwrap_or(90).clamp(1, 366);
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    json(state.store.acting(&api.actor).unvisited_households(code_param(&code)?, days, limit).await?)
}

#[derive(Debug, Serialize)]
struct Due {
    interval_days: i64,
    residents: Vec<linli_store::register::CoverageRow>,
}

/// Vulnerable residents (独居/空巢老人, 残疾人, 困境/留守儿童) whose household was not visited
/// within the community's visit interval.
#[utoipa::path(get, path = "/communities/{code}/coverage/vulnerable", tag = "grids", params(("code" = String, Path)),
    responses((status = 200, body = Value, description = "interval_days and residents"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn vulnerable(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    let (interval_days, residents) = state.store.acting(&api.actor).vulnerable_due(code_param(&code)?).await?;
    json(Due { interval_days, residents })
}
