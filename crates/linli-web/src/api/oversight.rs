//! 好差评 and rectifications over JSON.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use linli_store::oversight::RatingInput;
use linli_store::window::MoveInput;
use serde::Deserialize;
use serde_json::{Value, json as js};
use utoipa::{IntoParams, ToSchema};

use super::register::json;
use super::{ApiJson, code_param, id_param};
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RatingBody {
    /// very_satisfied, satisfied, fair, dissatisfied, very_dissatisfied (or the Chinese words).
    pub level: String,
    pub comment: String,
}

/// Rate a finished request: its applicant, or staff recording a rating given at the window.
/// 不满意 and 非常不满意 open a rectification.
#[utoipa::path(post, path = "/requests/{id}/rating", tag = "oversight", params(("id" = String, Path)), request_body = RatingBody,
    responses((status = 201, body = Value, description = "{id}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn rate(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RatingBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let input = RatingInput { level: b.level, comment: b.comment };
    let id = state.store.acting(&api.actor).rate(id_param(&id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(js!({ "id": id }))))
}

/// A request's rating, if it has one.
#[utoipa::path(get, path = "/requests/{id}/rating", tag = "oversight", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn rating(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).rating(id_param(&id)?).await?)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CodeRatingBody {
    /// The code printed on the completion notice.
    pub code: String,
    pub level: String,
    pub comment: String,
}

/// Rate by the code on a completion notice (no sign-in).
#[utoipa::path(post, path = "/ratings", tag = "oversight", request_body = CodeRatingBody,
    responses((status = 201, body = Value, description = "{id}"), (status = "4XX", body = Problem, content_type = "application/problem+json"))
)]
pub async fn rate_by_code(
    State(state): State<AppState>,
    ctx: crate::context::Ctx,
    ApiJson(b): ApiJson<CodeRatingBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    state.limits.lookup(ctx.ip.as_deref(), &b.code)?;
    let id = state.store.rate_by_code(&b.code, &RatingInput { level: b.level, comment: b.comment }).await?;
    Ok((StatusCode::CREATED, Json(js!({ "id": id }))))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Closed ones too.
    pub all: bool,
}

/// A community's rectifications, open first by deadline.
#[utoipa::path(get, path = "/communities/{code}/rectifications", tag = "oversight", params(("code" = String, Path), ListParams),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn rectifications(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).rectifications(code_param(&code)?, !p.all).await?)
}

/// A rectification with its rating, history and the moves open to the caller.
#[utoipa::path(get, path = "/rectifications/{id}", tag = "oversight", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn rectification(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).rectification(id_param(&id)?).await?)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RectificationMove {
    /// verify, unfounded, rectify, revisit, hand_over.
    pub action: String,
    pub reason: String,
    pub to_user: String,
    pub version: Option<i32>,
}

/// Move a rectification to its next step.
#[utoipa::path(post, path = "/rectifications/{id}/moves", tag = "oversight", params(("id" = String, Path)), request_body = RectificationMove,
    responses((status = 200, body = Value, description = "{state}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn move_rectification(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RectificationMove>,
) -> Result<Json<Value>, AppError> {
    let m = MoveInput {
        action: b.action,
        reason: b.reason,
        to_user: b.to_user,
        version: b.version,
        ..MoveInput::default()
    };
    let to = state.store.acting(&api.actor).move_rectification(id_param(&id)?, &m).await?;
    Ok(Json(js!({ "state": to })))
}

/// Record a complaint (staff: window, phone or anonymous; residents: their own, online).
#[utoipa::path(post, path = "/communities/{code}/complaints", tag = "oversight", params(("code" = String, Path)),
    request_body(content = Value, description = "{channel, complainant_name, phone, subject, content, request_number}"),
    responses((status = 201, body = Value, description = "{id, number}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn take_complaint(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<linli_domain::oversight::ComplaintInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (id, number) = state.store.acting(&api.actor).take_complaint(code_param(&code)?, &b).await?;
    Ok((StatusCode::CREATED, Json(js!({ "id": id, "number": number }))))
}

/// A community's complaints, or a street's or district's escalated ones.
#[utoipa::path(get, path = "/nodes/{code}/complaints", tag = "oversight", params(("code" = String, Path), ListParams),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn complaints(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).complaints(code_param(&code)?, !p.all).await?)
}

/// A complaint with its history and the moves open to the caller.
#[utoipa::path(get, path = "/complaints/{id}", tag = "oversight", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn complaint(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).complaint(id_param(&id)?).await?)
}

/// Move a complaint: investigate, handle, reply, accept_reply, reject_reply, escalate, close, hand_over.
#[utoipa::path(post, path = "/complaints/{id}/moves", tag = "oversight", params(("id" = String, Path)), request_body = RectificationMove,
    responses((status = 200, body = Value, description = "{state}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn move_complaint(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RectificationMove>,
) -> Result<Json<Value>, AppError> {
    let m = MoveInput {
        action: b.action,
        reason: b.reason,
        to_user: b.to_user,
        version: b.version,
        ..MoveInput::default()
    };
    let to = state.store.acting(&api.actor).move_complaint(id_param(&id)?, &m).await?;
    Ok(Json(js!({ "state": to })))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct FigureParams {
    /// Months back, this one included (1–36, 12 by default).
    pub months: Option<u32>,
    /// `week` for weeks (Monday to Sunday; `weeks` back, 1–104, 12 by default).
    pub by: Option<String>,
    pub weeks: Option<u32>,
}

/// A community's service figures by month or week, counted from the records.
#[utoipa::path(get, path = "/communities/{code}/figures", tag = "oversight", params(("code" = String, Path), FigureParams),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn figures(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(p): Query<FigureParams>,
) -> Result<Json<Value>, AppError> {
    let span = match p.by.as_deref() {
        Some("week") => linli_store::oversight::Span::Weeks(p.weeks.unwrap_or(12)),
        _ => linli_store::oversight::Span::Months(p.months.unwrap_or(12)),
    };
    json(state.store.acting(&api.actor).figures_by(code_param(&code)?, span).await?)
}
