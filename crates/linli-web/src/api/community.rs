//! 社区概况 and the organisations of a community, with their people.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use linli_domain::community::{MemberInput, OrganisationInput, ProfileInput};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ApiJson, code_param, id_param};
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

fn json<T: Serialize>(v: T) -> Result<Json<Value>, AppError> {
    serde_json::to_value(v).map(Json).map_err(AppError::internal)
}

/// A community's profile: address, area, hours, contact, introduction; households and
/// population once the register exists.
#[utoipa::path(get, path = "/communities/{code}/profile", tag = "organisation", params(("code" = String, Path)),
    responses((status = 200, body = Value, description = "The profile (code, name, street_name, address, area_km2, service_hours, phone, email, introduction, visit_interval_days, households, population, updated_at, updated_by)."),
        (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn profile(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).community_profile(code_param(&code)?).await?)
}

/// The profile fields; every one optional text, validated together.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileBody {
    #[serde(default)]
    pub address: String,
    /// Square kilometres, e.g. "0.42".
    #[serde(default)]
    pub area_km2: String,
    #[serde(default)]
    pub service_hours: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub introduction: String,
    /// Days between visits to vulnerable residents, 7–365 (default 30).
    #[serde(default)]
    pub visit_interval_days: String,
}

/// Replace a community's profile (its head, or an administrator).
#[utoipa::path(put, path = "/communities/{code}/profile", tag = "organisation", params(("code" = String, Path)), request_body = ProfileBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn update_profile(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<ProfileBody>,
) -> Result<Json<Value>, AppError> {
    let input = ProfileInput {
        address: b.address,
        area_km2: b.area_km2,
        service_hours: b.service_hours,
        phone: b.phone,
        email: b.email,
        introduction: b.introduction,
        visit_interval_days: b.visit_interval_days,
    };
    json(state.store.acting(&api.actor).update_community_profile(code_param(&code)?, &input).await?)
}

/// A community's organisations with their members (phones masked), retired ones last.
#[utoipa::path(get, path = "/communities/{code}/organisations", tag = "organisation", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn organisations(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).organisations(code_param(&code)?).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrganisationBody {
    /// `party`, `residents_committee`, `supervision_committee`, `service_station`,
    /// `social_organisation`, `owners_committee`, `property_company` or `resident_unit`.
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub responsibilities: String,
}

impl From<OrganisationBody> for OrganisationInput {
    fn from(b: OrganisationBody) -> Self {
        OrganisationInput { kind: b.kind, name: b.name, responsibilities: b.responsibilities }
    }
}

/// Add an organisation to a community.
#[utoipa::path(post, path = "/communities/{code}/organisations", tag = "organisation", params(("code" = String, Path)), request_body = OrganisationBody,
    responses((status = 201, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn create_organisation(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<OrganisationBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let org = state.store.acting(&api.actor).create_organisation(code_param(&code)?, &b.into()).await?;
    Ok((StatusCode::CREATED, json(org)?))
}

/// One organisation with its members.
#[utoipa::path(get, path = "/organisations/{id}", tag = "organisation", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn organisation(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).organisation(id_param(&id)?).await?)
}

/// Change an organisation's kind, name and responsibilities.
#[utoipa::path(put, path = "/organisations/{id}", tag = "organisation", params(("id" = String, Path)), request_body = OrganisationBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn update_organisation(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OrganisationBody>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).update_organisation(id_param(&id)?, &b.into()).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Retire {
    pub retired: bool,
}

/// Retire an organisation (its record and people stay) or bring it back.
#[utoipa::path(post, path = "/organisations/{id}/retired", tag = "organisation", params(("id" = String, Path)), request_body = Retire,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn set_retired(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Retire>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).set_organisation_retired(id_param(&id)?, b.retired).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberBody {
    pub name: String,
    /// 职务, e.g. 书记, 主任, 委员.
    #[serde(default)]
    pub post: String,
    /// Stored encrypted, returned masked.
    #[serde(default)]
    pub phone: String,
}

/// Add a person to an organisation.
#[utoipa::path(post, path = "/organisations/{id}/members", tag = "organisation", params(("id" = String, Path)), request_body = MemberBody,
    responses((status = 201, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn add_member(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MemberBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let input = MemberInput { name: b.name, post: b.post, phone: b.phone };
    let org = state.store.acting(&api.actor).add_member(id_param(&id)?, &input).await?;
    Ok((StatusCode::CREATED, json(org)?))
}

/// Remove a person from an organisation.
#[utoipa::path(delete, path = "/members/{id}", tag = "organisation", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn remove_member(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).remove_member(id_param(&id)?).await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Revealed {
    pub value: String,
}

/// A member's whole phone number (roles whose work needs it; recorded in the audit log;
/// needs the password entered within 15 minutes).
#[utoipa::path(post, path = "/members/{id}/reveal-phone", tag = "organisation", params(("id" = String, Path)),
    responses((status = 200, body = Revealed), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn reveal_member_phone(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Revealed>, AppError> {
    api.require_recent_auth()?;
    let value = state.store.acting(&api.actor).reveal_member_phone(id_param(&id)?).await?;
    Ok(Json(Revealed { value }))
}
