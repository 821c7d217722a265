//! Satisfaction surveys, supervisors' comments and follow-ups, and complaint limits over JSON.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use linli_domain::oversight::ComplaintLimits;
use linli_domain::oversight::NoteInput;
use linli_domain::oversight::survey::{QuestionInput, SurveyInput};
use linli_store::oversight::{NoteMove, QuestionEdit};
use serde::Deserialize;
use serde_json::{Value, json as js};
use utoipa::{IntoParams, ToSchema};

use super::register::json;
use super::{ApiJson, code_param, id_param};
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// A community's surveys, newest first, with response counts.
#[utoipa::path(get, path = "/communities/{code}/surveys", tag = "oversight", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn surveys(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).surveys(code_param(&code)?).await?)
}

/// Start a survey as a draft: title, intro, audience (`residents` or a category code).
#[utoipa::path(post, path = "/communities/{code}/surveys", tag = "oversight", params(("code" = String, Path)),
    request_body(content = Value, description = "{title, intro, audience}"),
    responses((status = 201, body = Value, description = "{id}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn create_survey(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<SurveyInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let id = state.store.acting(&api.actor).create_survey(code_param(&code)?, &b).await?;
    Ok((StatusCode::CREATED, Json(js!({ "id": id }))))
}

/// Add a question to a draft: kind (single, multiple, scale, text), prompt, options (one per line), required.
#[utoipa::path(post, path = "/surveys/{id}/questions", tag = "oversight", params(("id" = String, Path)),
    request_body(content = Value, description = "{kind, prompt, options, required}"),
    responses((status = 201, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn add_question(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<QuestionInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&api.actor);
    acting.edit_questions(id, QuestionEdit::Add(&b)).await?;
    Ok((StatusCode::CREATED, Json(js!(acting.survey(id).await?))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurveyStep {
    /// `open` (invitations are made for a category survey) or `close`.
    pub action: String,
}

/// Open a draft for answers, or close an open survey.
#[utoipa::path(post, path = "/surveys/{id}/moves", tag = "oversight", params(("id" = String, Path)), request_body = SurveyStep,
    responses((status = 200, body = Value, description = "{state, invitations}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn move_survey(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SurveyStep>,
) -> Result<Json<Value>, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&api.actor);
    match b.action.trim() {
        "open" => {
            let n = acting.open_survey(id).await?;
            Ok(Json(js!({ "state": "open", "invitations": n })))
        }
        "close" => {
            acting.close_survey(id).await?;
            Ok(Json(js!({ "state": "closed" })))
        }
        _ => Err(AppError::from(linli_domain::Invalid::one("action", "move_unknown"))),
    }
}

/// A survey with its questions and every question's tally.
#[utoipa::path(get, path = "/surveys/{id}/results", tag = "oversight", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn survey_results(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).survey_results(id_param(&id)?).await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct NoteParams {
    /// Only follow-ups still waiting for an answer or a verdict.
    pub open: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Comments and follow-ups on the communities under a node, newest first.
#[utoipa::path(get, path = "/nodes/{code}/notes", tag = "oversight", params(("code" = String, Path), NoteParams),
    responses((status = 200, body = Value, description = "{items, total}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn notes(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(p): Query<NoteParams>,
) -> Result<Json<Value>, AppError> {
    let (items, total) = state
        .store
        .acting(&api.actor)
        .notes(code_param(&code)?, p.open, p.limit.unwrap_or(50), p.offset.unwrap_or(0))
        .await?;
    Ok(Json(js!({ "items": items, "total": total })))
}

/// A supervisor comments on a community (kind `comment`) or assigns it a follow-up (`follow_up`, with `due_on`).
#[utoipa::path(post, path = "/communities/{code}/notes", tag = "oversight", params(("code" = String, Path)),
    request_body(content = Value, description = "{kind, body, period, due_on}"),
    responses((status = 201, body = Value, description = "{id}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn add_note(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NoteInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let id = state.store.acting(&api.actor).add_note(code_param(&code)?, &b).await?;
    Ok((StatusCode::CREATED, Json(js!({ "id": id }))))
}

/// Move a follow-up: the community answers; the supervisor closes, reopens or withdraws it.
#[utoipa::path(post, path = "/notes/{id}/moves", tag = "oversight", params(("id" = String, Path)),
    request_body(content = Value, description = "{action, reason, version}"),
    responses((status = 200, body = Value, description = "{state}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn move_note(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoteMove>,
) -> Result<Json<Value>, AppError> {
    let to = state.store.acting(&api.actor).move_note(id_param(&id)?, &b).await?;
    Ok(Json(js!({ "state": to })))
}

/// A community's complaint time limits in working days.
#[utoipa::path(get, path = "/communities/{code}/complaint-limits", tag = "oversight", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn complaint_limits(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).complaint_limits(code_param(&code)?).await?)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LimitsBody {
    pub reply_days: u32,
    pub verdict_days: u32,
    pub escalated_days: u32,
}

/// Set a community's complaint time limits (1–30 working days each).
#[utoipa::path(put, path = "/communities/{code}/complaint-limits", tag = "oversight", params(("code" = String, Path)), request_body = LimitsBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn set_complaint_limits(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<LimitsBody>,
) -> Result<Json<Value>, AppError> {
    let code = code_param(&code)?;
    let limits =
        ComplaintLimits::parse(&b.reply_days.to_string(), &b.verdict_days.to_string(), &b.escalated_days.to_string())?;
    state.store.acting(&api.actor).set_complaint_limits(code, limits).await?;
    json(state.store.complaint_limits(code).await?)
}
