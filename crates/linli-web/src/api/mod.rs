//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`.
//!
//! Every handler acts through `state.store.acting(&actor)`, so the rights matrix and the
//! caller's subtree apply below the handler. Every error is RFC 9457 problem+json.

pub(crate) mod audit;
pub(crate) mod calendar;
mod community;
mod evaluation;
mod grids;
mod me;
mod nodes;
mod oversight;
pub(crate) mod register;
pub(crate) mod register_files;
mod session;
mod tokens;
mod users;
mod window;

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::context::Ctx;
use crate::error::{AppError, FieldMessage, Problem, render_api_error};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "linli API",
        description = "邻里 城市社区服务平台 JSON API。\n\n\
                       认证：浏览器会话 Cookie（写操作须带 X-CSRF-Token 头，值见登录响应的 csrf_token），\
                       或集成用的 API 令牌 `Authorization: Bearer linli_…`（按节点和权限范围限定）。\n\n\
                       错误一律以 RFC 9457 application/problem+json 返回，字段错误在 errors 数组中。\
                       身份证号、手机号等个人信息一律脱敏返回；查看完整值须有相应权限，且会记入审计日志。",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    components(schemas(Problem, FieldMessage)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "session", description = "登录、会话与本人账户 / sign-in, sessions, own account"),
        (name = "organisation", description = "行政区划、社区概况与社区组织（第 4 章）/ the tree, profiles, organisations"),
        (name = "accounts", description = "账户管理 / accounts"),
        (name = "tokens", description = "API 令牌 / API tokens"),
        (name = "audit", description = "审计日志 / the audit log"),
        (name = "calendar", description = "工作日历 / working-day calendar"),
        (name = "register", description = "居民台账：楼栋、住户、居民、导入导出 / the register"),
        (name = "grids", description = "网格与走访（GB/T 34300）/ grids and household visits"),
        (name = "window", description = "服务项目与一站式窗口（第 7–8 章、附录 A）/ catalogue and the one-stop window"),
        (name = "oversight", description = "监督评价：投诉、好差评与整改、满意度调查、点评督办（第 9 章）/ complaints, ratings, rectifications, surveys, follow-ups")
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::context::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(session::reauth))
        .routes(routes!(me::me))
        .routes(routes!(me::change_password))
        .routes(routes!(me::sign_out_everywhere))
        .routes(routes!(nodes::nodes, nodes::create))
        .routes(routes!(nodes::node, nodes::update))
        .routes(routes!(community::profile, community::update_profile))
        .routes(routes!(community::organisations, community::create_organisation))
        .routes(routes!(community::organisation, community::update_organisation))
        .routes(routes!(community::set_retired))
        .routes(routes!(community::add_member))
        .routes(routes!(community::remove_member))
        .routes(routes!(community::reveal_member_phone))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update))
        .routes(routes!(users::lookup))
        .routes(routes!(users::act))
        .routes(routes!(users::reveal))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        .routes(routes!(calendar::deadline))
        .routes(routes!(calendar::year, calendar::replace_year))
        .routes(routes!(register::buildings, register::create_building))
        .routes(routes!(register::update_building))
        .routes(routes!(register::household_at))
        .routes(routes!(register::household))
        .routes(routes!(register::household_history))
        .routes(routes!(register::dissolve_household))
        .routes(routes!(register::residents))
        .routes(routes!(register::register_resident))
        .routes(routes!(register::resident, register::update_resident))
        .routes(routes!(register::move_resident))
        .routes(routes!(register::end_residence))
        .routes(routes!(register::reveal))
        .routes(routes!(register::population))
        .routes(routes!(register_files::template))
        .routes(routes!(register_files::import))
        .routes(routes!(register_files::export))
        .routes(routes!(grids::grids, grids::create_grid))
        .routes(routes!(grids::set_workers))
        .routes(routes!(grids::update_grid))
        .routes(routes!(grids::visits, grids::record_visit))
        .routes(routes!(grids::unvisited))
        .routes(routes!(grids::vulnerable))
        .routes(routes!(window::catalogue))
        .routes(routes!(window::create_item))
        .routes(routes!(window::update_item))
        .routes(routes!(window::adopt))
        .routes(routes!(window::take, window::queue))
        .routes(routes!(window::summary))
        .routes(routes!(window::request))
        .routes(routes!(window::move_request))
        .routes(routes!(window::mine))
        .routes(routes!(window::lookup))
        .routes(routes!(window::guide))
        .routes(routes!(window::slots, window::open_slots))
        .routes(routes!(window::book))
        .routes(routes!(window::change_booking))
        .routes(routes!(window::my_bookings))
        .routes(routes!(window::consultations, window::record_consultation))
        .routes(routes!(oversight::rate, oversight::rating))
        .routes(routes!(oversight::rate_by_code))
        .routes(routes!(oversight::rectifications))
        .routes(routes!(oversight::rectification))
        .routes(routes!(oversight::move_rectification))
        .routes(routes!(oversight::take_complaint))
        .routes(routes!(oversight::complaints))
        .routes(routes!(oversight::complaint))
        .routes(routes!(oversight::move_complaint))
        .routes(routes!(oversight::figures))
        .routes(routes!(evaluation::surveys, evaluation::create_survey))
        .routes(routes!(evaluation::add_question))
        .routes(routes!(evaluation::move_survey))
        .routes(routes!(evaluation::survey_results))
        .routes(routes!(evaluation::notes))
        .routes(routes!(evaluation::add_note))
        .routes(routes!(evaluation::move_note))
        .routes(routes!(evaluation::complaint_limits, evaluation::set_complaint_limits))
        .split_for_parts();
    let doc = Arc::new(doc);
    router
        .route("/openapi.json", get(move || std::future::ready(Json(doc.as_ref().clone()))))
        .fallback(|| std::future::ready(AppError::NotFound))
}

/// Renders every API error as problem+json in the request's language.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<Ctx>().map(Ctx::error_context).unwrap_or_default();
    let response = next.run(req).await;
    render_api_error(&ctx, response)
}

/// A JSON body whose rejections become problem+json with the parser's explanation.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType),
            Err(JsonRejection::JsonDataError(e)) => Err(AppError::MalformedJson(e.body_text())),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(AppError::MalformedJson(e.body_text())),
            Err(other) if other.status().as_u16() == 413 => Err(AppError::PayloadTooLarge),
            Err(_) => Err(AppError::BadRequest("problem.bad_request.detail")),
        }
    }
}

/// A page of a list, with the total for paging.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// `limit` (1–200, default 50) and `offset` from the query string.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct Paging {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Paging {
    pub fn get(&self) -> (i64, i64) {
        (self.limit.unwrap_or(50).clamp(1, 200), self.offset.unwrap_or(0).max(0))
    }
}

/// Parses a path segment as a division code, or answers 404.
pub fn code_param(s: &str) -> Result<linli_domain::DivisionCode, AppError> {
    linli_domain::DivisionCode::parse(s).map_err(|_| AppError::NotFound)
}

/// Parses a path segment as an id, or answers 404.
pub fn id_param(s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}
