//! 一站式窗口 over JSON: the catalogue, taking and moving service requests, the window's queue
//! and figures, residents' own applications, and the public look-up.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use linli_domain::window::ItemInput;
use linli_domain::window::request::{RequestInput, Source};
use linli_store::window::{MoveInput, QueueQuery};
use serde::Deserialize;
use serde_json::{Value, json as js};
use utoipa::{IntoParams, ToSchema};

use super::register::json;
use super::{ApiJson, code_param, id_param};
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// A community's catalogue: adopted items (with their window) and the items above it that it
/// could adopt, drafts and retired items included.
#[utoipa::path(get, path = "/communities/{code}/catalogue", tag = "window", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn catalogue(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).catalogue(code_param(&code)?).await?)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ItemBody {
    pub code: String,
    pub name: String,
    /// welfare / convenience / safety / other (or 为民服务 …).
    pub category: String,
    pub subcategory: String,
    pub description: String,
    pub eligibility: String,
    /// One material per line: `名称 | 原件/复印件/原件和复印件 | 份数 | 备注`.
    pub materials: String,
    pub legal_basis: String,
    /// One step per line.
    pub steps: String,
    /// Working days, 0 for 即办.
    pub time_limit_days: u32,
    pub fee: String,
    /// window, online, home, proxy.
    pub channels: Vec<String>,
    pub post: String,
    /// One field per line: `名称 | 文本/数字/日期/选择 | 必填/选填 | 选项1、选项2`.
    pub fields: String,
    pub published: bool,
    pub effective_from: String,
    pub effective_to: String,
}

impl ItemBody {
    fn input(&self) -> ItemInput {
        ItemInput {
            code: self.code.clone(),
            name: self.name.clone(),
            category: self.category.clone(),
            subcategory: self.subcategory.clone(),
            description: self.description.clone(),
            eligibility: self.eligibility.clone(),
            materials: self.materials.clone(),
            legal_basis: self.legal_basis.clone(),
            steps: self.steps.clone(),
            time_limit_days: self.time_limit_days.to_string(),
            fee: self.fee.clone(),
            channels: self.channels.clone(),
            post: self.post.clone(),
            fields: self.fields.clone(),
            published: if self.published { "1".into() } else { String::new() },
            effective_from: self.effective_from.clone(),
            effective_to: self.effective_to.clone(),
        }
    }
}

/// Add an item to a node's catalogue (a community's own item is adopted at once).
#[utoipa::path(post, path = "/nodes/{code}/catalogue", tag = "window", params(("code" = String, Path)), request_body = ItemBody,
    responses((status = 201, body = Value, description = "{id}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn create_item(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<ItemBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let f = b.input().validate()?;
    let id = state.store.acting(&api.actor).create_item(code_param(&code)?, &f, false).await?;
    Ok((StatusCode::CREATED, Json(js!({ "id": id }))))
}

/// Rewrite an item (staff of the node that owns it).
#[utoipa::path(put, path = "/catalogue/{id}", tag = "window", params(("id" = String, Path)), request_body = ItemBody,
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn update_item(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ItemBody>,
) -> Result<StatusCode, AppError> {
    let f = b.input().validate()?;
    state.store.acting(&api.actor).update_item(id_param(&id)?, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AdoptBody {
    /// true to offer the item in the community (or change its window), false to drop it.
    pub adopt: bool,
    pub service_window: String,
}

/// Adopt an item of the district's or street's catalogue, set its window, or drop it.
#[utoipa::path(put, path = "/communities/{code}/catalogue/{id}", tag = "window", params(("code" = String, Path), ("id" = String, Path)), request_body = AdoptBody,
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn adopt(
    State(state): State<AppState>,
    api: ApiActor,
    Path((code, id)): Path<(String, String)>,
    ApiJson(b): ApiJson<AdoptBody>,
) -> Result<StatusCode, AppError> {
    state.store.acting(&api.actor).adopt_item(code_param(&code)?, id_param(&id)?, b.adopt, &b.service_window).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RequestBody {
    pub item_id: String,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub address: String,
    pub description: String,
    /// window (default), home, proxy.
    pub mode: String,
    /// window (default) or phone; residents' own applications are always online.
    pub source: String,
    /// Values of the item's extra fields by key (`f1` …).
    pub fields: BTreeMap<String, String>,
    /// Indexes (0-based) of the item's materials handed in; the rest go on the one-time notice.
    pub received: Vec<usize>,
}

impl RequestBody {
    fn input(&self) -> RequestInput {
        RequestInput {
            applicant_name: self.applicant_name.clone(),
            applicant_phone: self.applicant_phone.clone(),
            address: self.address.clone(),
            description: self.description.clone(),
            mode: self.mode.clone(),
            fields: self.fields.clone(),
            received: self.received.iter().map(|i| i.to_string()).collect(),
        }
    }
}

/// Take a request at the window (staff; the taker owns it), or apply online (a resident for
/// themselves). With every material handed in it is accepted at once; otherwise it waits for
/// the missing materials.
#[utoipa::path(post, path = "/communities/{code}/requests", tag = "window", params(("code" = String, Path)), request_body = RequestBody,
    responses((status = 201, body = Value, description = "{id, number, state}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn take(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<RequestBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let community = code_param(&code)?;
    let item = uuid::Uuid::parse_str(b.item_id.trim()).map_err(|_| linli_domain::Invalid::one("item_id", "choice"))?;
    let acting = state.store.acting(&api.actor);
    let resident = api.actor.principal.role().is_some_and(|r| !r.is_staff());
    let taken = if resident {
        acting.apply_online(community, item, &b.input()).await?
    } else {
        let source = if b.source == "phone" { Source::Phone } else { Source::Window };
        acting.take_request(community, item, &b.input(), source).await?
    };
    Ok((StatusCode::CREATED, json(taken)?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// A state, `open` (default) or `all`.
    pub state: String,
    /// Only the caller's own requests.
    pub mine: bool,
    /// Number, applicant or item name.
    pub q: String,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The community's queue, most pressing first.
#[utoipa::path(get, path = "/communities/{code}/requests", tag = "window", params(("code" = String, Path), QueueParams),
    responses((status = 200, body = Value, description = "{items, total}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn queue(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(p): Query<QueueParams>,
) -> Result<Json<QueuePage>, AppError> {
    let q = QueueQuery {
        state: p.state,
        mine: p.mine,
        q: p.q,
        limit: p.limit.unwrap_or(50).clamp(1, 200),
        offset: p.offset.unwrap_or(0).max(0),
    };
    let (items, total) = state.store.acting(&api.actor).window_queue(code_param(&code)?, &q).await?;
    Ok(Json(QueuePage { items, total }))
}

/// A page of the queue, written straight out (no `Value` in between: the busiest read).
#[derive(serde::Serialize)]
pub struct QueuePage {
    items: Vec<linli_store::window::QueueRow>,
    total: i64,
}

/// Overdue, due today, due soon and waiting counts for the window's home.
#[utoipa::path(get, path = "/communities/{code}/window", tag = "window", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn summary(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).window_summary(code_param(&code)?).await?)
}

/// A request with its history and the moves open to the caller.
#[utoipa::path(get, path = "/requests/{id}", tag = "window", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn request(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).request(id_param(&id)?).await?)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MoveBody {
    /// accept, request_materials, decline, transfer, transfer_back, complete, return_visit,
    /// archive, hand_over, supply_materials, withdraw.
    pub action: String,
    pub reason: String,
    /// request_materials: indexes of the missing materials.
    pub missing: Vec<usize>,
    /// transfer: the receiving office and its limit in working days.
    pub office: String,
    pub office_days: Option<u32>,
    /// hand_over: the account taking it over.
    pub to_user: String,
    /// The version last read; a stale one is refused with 409.
    pub version: Option<i32>,
}

/// Move a request through the flow; refused moves say why per field.
#[utoipa::path(post, path = "/requests/{id}/moves", tag = "window", params(("id" = String, Path)), request_body = MoveBody,
    responses((status = 200, body = Value, description = "{state}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn move_request(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MoveBody>,
) -> Result<Json<Value>, AppError> {
    let m = MoveInput {
        action: b.action,
        reason: b.reason,
        missing: b.missing.iter().map(|i| i.to_string()).collect(),
        office: b.office,
        office_days: b.office_days.map(|d| d.to_string()).unwrap_or_default(),
        to_user: b.to_user,
        version: b.version,
    };
    let to = state.store.acting(&api.actor).move_request(id_param(&id)?, &m).await?;
    Ok(Json(js!({ "state": to })))
}

/// The signed-in resident's own requests.
#[utoipa::path(get, path = "/me/requests", tag = "window",
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn mine(State(state): State<AppState>, api: ApiActor) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).my_requests().await?)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LookupBody {
    pub number: String,
    pub phone: String,
}

/// Look a request up by its number and the applicant's phone (no sign-in; both must match).
#[utoipa::path(post, path = "/lookup", tag = "window", request_body = LookupBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json"))
)]
pub async fn lookup(
    State(state): State<AppState>,
    ctx: crate::context::Ctx,
    ApiJson(b): ApiJson<LookupBody>,
) -> Result<Json<Value>, AppError> {
    state.limits.lookup(ctx.ip.as_deref(), &b.number)?;
    json(state.store.lookup_request(&b.number, &b.phone).await?)
}

/// A community's published service guide (no sign-in).
#[utoipa::path(get, path = "/communities/{code}/guide", tag = "window", params(("code" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json"))
)]
pub async fn guide(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Value>, AppError> {
    json(state.store.service_guide(code_param(&code)?, "").await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    /// `YYYY-MM-DD`; today when empty.
    pub from: String,
    /// Days from `from`, 1–60 (14 by default).
    pub days: Option<i64>,
    /// Only slots for this item (and slots for any item).
    pub item: Option<uuid::Uuid>,
}

/// Appointment slots with what is left of each (residents see future slots only).
#[utoipa::path(get, path = "/communities/{code}/slots", tag = "window", params(("code" = String, Path), SlotParams),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn slots(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(p): Query<SlotParams>,
) -> Result<Json<Value>, AppError> {
    let from = super::register::day_or_today("from", &p.from)?;
    json(state.store.acting(&api.actor).slots(code_param(&code)?, from, p.days.unwrap_or(14), p.item).await?)
}

/// Open slots on working days (staff): the same fields as the page's form.
#[utoipa::path(post, path = "/communities/{code}/slots", tag = "window", params(("code" = String, Path)),
    request_body(content = Value, description = "{from, days, times: \"09:00-09:30, 09:30-10:00\", capacity, item, service_window}"),
    responses((status = 201, body = Value, description = "{opened}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn open_slots(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<linli_domain::window::appointment::SlotsInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let n = state.store.acting(&api.actor).open_slots(code_param(&code)?, &b).await?;
    Ok((StatusCode::CREATED, Json(js!({ "opened": n }))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BookBody {
    pub slot: String,
    pub name: String,
    pub phone: String,
    pub item: Option<uuid::Uuid>,
}

/// Book a slot: a resident for themselves, staff for a caller.
#[utoipa::path(post, path = "/appointments", tag = "window", request_body = BookBody,
    responses((status = 201, body = Value, description = "{id}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn book(
    State(state): State<AppState>,
    api: ApiActor,
    ApiJson(b): ApiJson<BookBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let slot = uuid::Uuid::parse_str(b.slot.trim()).map_err(|_| linli_domain::Invalid::one("slot", "choice"))?;
    let id = state.store.acting(&api.actor).book(slot, &b.name, &b.phone, b.item).await?;
    Ok((StatusCode::CREATED, Json(js!({ "id": id }))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BookingChange {
    /// cancel, change (with `slot`), attended or no_show.
    pub action: String,
    pub slot: String,
}

/// Cancel, move to another slot, or mark a booking attended or a no-show.
#[utoipa::path(post, path = "/appointments/{id}", tag = "window", params(("id" = String, Path)), request_body = BookingChange,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn change_booking(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<BookingChange>,
) -> Result<Json<Value>, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&api.actor);
    match b.action.as_str() {
        "cancel" => acting.cancel_booking(id).await?,
        "attended" => acting.mark_booking(id, true).await?,
        "no_show" => acting.mark_booking(id, false).await?,
        "change" => {
            let slot =
                uuid::Uuid::parse_str(b.slot.trim()).map_err(|_| linli_domain::Invalid::one("slot", "choice"))?;
            let new = acting.change_booking(id, slot).await?;
            return Ok(Json(js!({ "id": new })));
        }
        _ => return Err(linli_domain::Invalid::one("action", "choice").into()),
    }
    Ok(Json(js!({ "id": id })))
}

/// The caller's own bookings (residents).
#[utoipa::path(get, path = "/me/appointments", tag = "window",
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn my_bookings(State(state): State<AppState>, api: ApiActor) -> Result<Json<Value>, AppError> {
    json(state.store.acting(&api.actor).my_bookings().await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ConsultationParams {
    pub q: String,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The community's consultation log, newest first.
#[utoipa::path(get, path = "/communities/{code}/consultations", tag = "window", params(("code" = String, Path), ConsultationParams),
    responses((status = 200, body = Value, description = "{items, total}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn consultations(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(p): Query<ConsultationParams>,
) -> Result<Json<Value>, AppError> {
    let (items, total) = state
        .store
        .acting(&api.actor)
        .consultations(code_param(&code)?, &p.q, p.limit.unwrap_or(50), p.offset.unwrap_or(0))
        .await?;
    Ok(Json(js!({ "items": items, "total": total })))
}

/// Log a consultation: topic, answer, asker, channel (window, phone, online), item.
#[utoipa::path(post, path = "/communities/{code}/consultations", tag = "window", params(("code" = String, Path)),
    request_body(content = Value, description = "{topic, answer, asker_name, channel, item}"),
    responses((status = 201, body = Value, description = "{id}"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn record_consultation(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<linli_store::window::ConsultationInput>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let id = state.store.acting(&api.actor).record_consultation(code_param(&code)?, &b).await?;
    Ok((StatusCode::CREATED, Json(js!({ "id": id }))))
}
