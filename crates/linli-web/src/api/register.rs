//! 居民台账 over JSON: buildings, households and residents, their history, search and
//! population figures. Grids, visits and workbooks are in [`super::grids`] and
//! [`super::register_files`].

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use linli_domain::calendar::parse_date;
use linli_domain::register::ResidentInput;
use linli_domain::{FieldError, Invalid};
use linli_store::privacy::Field;
use linli_store::register::{MoveOut, ResidentQuery, Sort};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::community::Revealed;
use super::{ApiJson, Page, Paging, code_param, id_param};
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn json<T: Serialize>(v: T) -> Result<Json<Value>, AppError> {
    serde_json::to_value(v).map(Json).map_err(AppError::internal)
}

/// A `YYYY-MM-DD` the user sent for `field`, or today when empty.
pub(crate) fn day_or_today(field: &'static str, s: &str) -> Result<Date, AppError> {
    match s.trim() {
        "" => Ok(linli_store::today()),
        s => parse_date(s).ok_or_else(|| AppError::Invalid(Invalid::one(field, "calendar_date"))),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BuildingBody {
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// The grid it belongs to (of the same community).
    #[serde(default)]
    pub grid_id: Option<Uuid>,
}

/// A community's buildings with their grid and how many households and residents they hold.
#[utoipa::path(get, path = "/communities/{code}/buildings", tag = "register", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn buildings(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).buildings(code_param(&code)?).await?)
}

/// Add a building.
#[utoipa::path(post, path = "/communities/{code}/buildings", tag = "register", params(("code" = String, Path)), request_body = BuildingBody,
    responses((status = 201, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn create_building(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<BuildingBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let acting = state.store.acting(&api.actor);
    let building = acting.save_building(code_param(&code)?, None, &b.name, &b.address, b.grid_id).await?;
    Ok((StatusCode::CREATED, json(building)?))
}

/// Rename a building, change its address or grid.
#[utoipa::path(put, path = "/communities/{code}/buildings/{id}", tag = "register",
    params(("code" = String, Path), ("id" = String, Path)), request_body = BuildingBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn update_building(
    State(state): State<AppState>,
    api: ApiActor,
    Path((code, id)): Path<(String, String)>,
    ApiJson(b): ApiJson<BuildingBody>,
) -> Result<Json<Value>, AppError> {
    let acting = state.store.acting(&api.actor);
    json(acting.save_building(code_param(&code)?, Some(id_param(&id)?), &b.name, &b.address, b.grid_id).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddressBody {
    #[serde(default)]
    pub unit: String,
    pub room: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdId {
    pub id: Uuid,
}

/// The household at a building's unit and room, made if there is none yet.
#[utoipa::path(post, path = "/buildings/{id}/households", tag = "register", params(("id" = String, Path)), request_body = AddressBody,
    responses((status = 200, body = HouseholdId), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn household_at(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AddressBody>,
) -> Result<Json<HouseholdId>, AppError> {
    let id = state.store.acting(&api.actor).household_at(id_param(&id)?, &b.unit, &b.room).await?;
    Ok(Json(HouseholdId { id }))
}

/// A household: its address, head, members (present first) and last visit.
#[utoipa::path(get, path = "/households/{id}", tag = "register", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn household(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).household(id_param(&id)?).await?)
}

/// Remove a household nobody is registered in now (opened by mistake, or emptied); its
/// history stays, and opening the address again brings it back.
#[utoipa::path(post, path = "/households/{id}/dissolve", tag = "register", params(("id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn dissolve_household(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    state.store.acting(&api.actor).dissolve_household(id_param(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What happened in a household, newest first (the last 200 entries).
#[utoipa::path(get, path = "/households/{id}/history", tag = "register", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn household_history(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).household_history(id_param(&id)?, 200).await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ResidentSearch {
    /// A name or part of one, pinyin or initials (`wangfang`, `wf`), the last 4 digits of an
    /// ID or phone number, or part of an address.
    pub q: Option<String>,
    /// A category: `elderly_60`, `elderly_80`, `minor`, `living_alone`, … or `custom:<tag>`.
    pub tag: Option<String>,
    pub building: Option<Uuid>,
    pub grid: Option<Uuid>,
    /// `active` (default), `moved_out`, `deceased` or `all`.
    pub status: Option<String>,
    /// `address` (default), `name` or `age` (oldest first).
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl ResidentSearch {
    pub fn query(
        &self,
        community: linli_domain::DivisionCode,
        limit: i64,
        offset: i64,
    ) -> Result<ResidentQuery, AppError> {
        let sort = match self.sort.as_deref().unwrap_or_default() {
            "" | "address" => Sort::Address,
            "name" => Sort::Name,
            "age" => Sort::Age,
            _ => return Err(AppError::Invalid(Invalid::one("sort", "sort_unknown"))),
        };
        if !matches!(self.status.as_deref().unwrap_or_default(), "" | "active" | "moved_out" | "deceased" | "all") {
            return Err(AppError::Invalid(Invalid::one("status", "resident_status")));
        }
        Ok(ResidentQuery {
            community: Some(community),
            q: self.q.clone(),
            tag: self.tag.clone().filter(|t| !t.is_empty()),
            building: self.building,
            grid: self.grid,
            status: self.status.clone(),
            sort,
            limit,
            offset,
        })
    }
}

/// Search a community's register: paged, sorted, personal numbers masked.
#[utoipa::path(get, path = "/communities/{code}/residents", tag = "register", params(("code" = String, Path), ResidentSearch),
    responses((status = 200, body = Page<Value>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn residents(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(s): Query<ResidentSearch>,
) -> Result<Json<Page<Value>>, AppError> {
    let (limit, offset) = Paging { limit: s.limit, offset: s.offset }.get();
    let q = s.query(code_param(&code)?, limit, offset)?;
    let (rows, total) = state.store.acting(&api.actor).residents(&q).await?;
    let items =
        rows.into_iter().map(|r| serde_json::to_value(r).map_err(AppError::internal)).collect::<Result<_, _>>()?;
    Ok(Json(Page { items, total, limit, offset }))
}

/// A resident as typed into a form; every field text, checked together.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResidentBody {
    pub name: String,
    /// 男/女; may be left out for a 居民身份证 (read from the number).
    pub gender: String,
    /// `id_card` (default), `residence_permit`, `foreign_permanent`, `passport` (or the Chinese names).
    pub document_kind: String,
    pub document_number: String,
    /// `YYYY-MM-DD`; may be left out for an 18-character document.
    pub birth_date: String,
    pub ethnicity: String,
    pub phone: String,
    /// `registered` (户籍), `non_registered` (非户籍), `floating` (流动人口).
    pub residence_type: String,
    /// `head`, `spouse`, `child`, `parent`, … (与户主关系).
    pub relation: String,
    pub employment: String,
    /// Categories separated by 、 or commas: `living_alone`, `disabled`, `dibao`, … or their Chinese names.
    pub tags: String,
    pub disability_kind: String,
    /// 1–4 (一级 … 四级).
    pub disability_grade: String,
    pub custom_tags: String,
    pub note: String,
    /// The day of the event (registration, move in, change); today when empty.
    pub on_date: String,
    /// Registering someone who moved in from elsewhere (not an existing resident entered late).
    pub moved_in: bool,
}

impl ResidentBody {
    pub fn input(&self) -> ResidentInput {
        ResidentInput {
            name: self.name.clone(),
            gender: self.gender.clone(),
            document_kind: self.document_kind.clone(),
            document_number: self.document_number.clone(),
            birth_date: self.birth_date.clone(),
            ethnicity: self.ethnicity.clone(),
            phone: self.phone.clone(),
            residence_type: self.residence_type.clone(),
            relation: self.relation.clone(),
            employment: self.employment.clone(),
            tags: self.tags.clone(),
            disability_kind: self.disability_kind.clone(),
            disability_grade: self.disability_grade.clone(),
            custom_tags: self.custom_tags.clone(),
            note: self.note.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentId {
    pub id: Uuid,
}

/// Register a person in a household (a document already in the register is a conflict).
#[utoipa::path(post, path = "/households/{id}/residents", tag = "register", params(("id" = String, Path)), request_body = ResidentBody,
    responses((status = 201, body = ResidentId), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn register_resident(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ResidentBody>,
) -> Result<(StatusCode, Json<ResidentId>), AppError> {
    let household = id_param(&id)?;
    let on = day_or_today("on_date", &b.on_date)?;
    let id = state.store.acting(&api.actor).register_resident(household, &b.input(), on, b.moved_in).await?;
    Ok((StatusCode::CREATED, Json(ResidentId { id })))
}

/// A resident with their history, newest first; personal numbers masked.
#[utoipa::path(get, path = "/residents/{id}", tag = "register", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn resident(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).resident(id_param(&id)?).await?)
}

/// Correct or update a resident's record; the change is kept as a dated event.
#[utoipa::path(put, path = "/residents/{id}", tag = "register", params(("id" = String, Path)), request_body = ResidentBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn update_resident(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ResidentBody>,
) -> Result<Json<Value>, AppError> {
    let id = id_param(&id)?;
    let on = day_or_today("on_date", &b.on_date)?;
    let acting = state.store.acting(&api.actor);
    acting.update_resident(id, &b.input(), on).await?;
    json(acting.resident(id).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveBody {
    pub household_id: Uuid,
    #[serde(default)]
    pub on_date: String,
}

/// Move a resident to another household of the same community.
#[utoipa::path(post, path = "/residents/{id}/move", tag = "register", params(("id" = String, Path)), request_body = MoveBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn move_resident(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoveBody>,
) -> Result<Json<Value>, AppError> {
    let id = id_param(&id)?;
    let on = day_or_today("on_date", &b.on_date)?;
    let acting = state.store.acting(&api.actor);
    acting.move_resident(id, b.household_id, on).await?;
    json(acting.resident(id).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndBody {
    /// `moved_out` or `deceased`.
    pub status: String,
    /// `YYYY-MM-DD`, not in the future.
    pub on_date: String,
    /// Where to, or a note.
    #[serde(default)]
    pub note: String,
}

/// Record a move out of the community or a death; the record and its history stay.
#[utoipa::path(post, path = "/residents/{id}/end", tag = "register", params(("id" = String, Path)), request_body = EndBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn end_residence(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EndBody>,
) -> Result<Json<Value>, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&api.actor);
    acting.end_residence(id, &MoveOut { status: b.status, on_date: b.on_date, note: b.note }).await?;
    json(acting.resident(id).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealBody {
    /// `phone` or `id_number`.
    pub field: String,
}

/// A resident's whole phone or document number (roles whose work needs it; recorded in the
/// audit log; needs the password entered within 15 minutes).
#[utoipa::path(post, path = "/residents/{id}/reveal", tag = "register", params(("id" = String, Path)), request_body = RevealBody,
    responses((status = 200, body = Revealed), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn reveal(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RevealBody>,
) -> Result<Json<Revealed>, AppError> {
    let field = reveal_field(&b.field)?;
    let id = id_param(&id)?;
    api.require_recent_auth()?;
    let value = state.store.acting(&api.actor).reveal_resident(id, field).await?;
    Ok(Json(Revealed { value }))
}

pub(crate) fn reveal_field(s: &str) -> Result<Field, AppError> {
    match s {
        "phone" => Ok(Field::Phone),
        "id_number" => Ok(Field::IdNumber),
        _ => Err(AppError::Invalid(Invalid(vec![FieldError::new("field", "reveal_field")]))),
    }
}

/// A community's population: totals, an age pyramid in five-year bands by gender (men,
/// women), and counts per category.
#[utoipa::path(get, path = "/communities/{code}/population", tag = "register", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn population(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).population(code_param(&code)?).await?)
}
