//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/v1/openapi.json`.
//!
//! Every error is RFC 9457 `application/problem+json`; see [`crate::error`].

mod calendar;
mod me;
mod nodes;
mod session;

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::context::Ctx;
use crate::error::{AppError, FieldMessage, Problem, render_api_error};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "linli API",
        description = "邻里 城市社区服务平台 JSON API。错误一律以 RFC 9457 application/problem+json 返回，\
                       字段错误在 errors 数组中。使用会话 Cookie 调用写操作时须带 X-CSRF-Token 头。",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    components(schemas(Problem, FieldMessage)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "session", description = "登录与会话 / sign-in"),
        (name = "calendar", description = "工作日历 / working-day calendar"),
        (name = "organisation", description = "行政区划与组织 / the administrative tree")
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
    }
}

pub fn router() -> Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(me::me))
        .routes(routes!(nodes::nodes))
        .routes(routes!(calendar::deadline))
        .routes(routes!(calendar::year, calendar::replace_year))
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
            Err(other) => Err(AppError::BadRequest(if other.status().as_u16() == 413 {
                "problem.msg.payload_too_large"
            } else {
                "problem.bad_request.detail"
            })),
        }
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}
