//! One error type, two renderings: RFC 9457 problem+json for the API, a Chinese (or English)
//! HTML page for browsers.
//!
//! Handlers return `Result<_, AppError>` and use `?`; conversions from store and domain
//! errors happen here, once. The response only carries the error; middleware of the API or
//! of the pages renders it. Internal errors are logged with their cause
//! and shown to the user as an apology with the request id.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_domain::{FieldError, Invalid};
use linli_store::StoreError;
use serde::Serialize;

use crate::auth::LoginFailure;
use crate::i18n::{Lang, t, tf};

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// Not signed in (or the token is unknown).
    Unauthorized,
    /// Signed in, but the role or scope does not allow it.
    Forbidden,
    /// The form or body broke validation rules: every field problem.
    Invalid(Invalid),
    /// Clashes with existing data (e.g. a username taken).
    Conflict {
        field: &'static str,
    },
    /// A request that is malformed as a whole (bad JSON, missing CSRF token …): message key.
    BadRequest(&'static str),
    /// A body over the limit for its kind (forms and JSON, or uploads).
    PayloadTooLarge,
    TooManyRequests,
    /// A form or unsafe request without a valid CSRF token, or sent from another site.
    CsrfRejected,
    /// A JSON body that does not parse or does not fit the schema: the parser's words.
    MalformedJson(String),
    /// A body that is not JSON where JSON is expected.
    UnsupportedMediaType,
    /// Sign-in refused.
    Login(LoginFailure),
    /// A sensitive action, and the password was not entered recently.
    ReauthRequired,
    /// The account still has its initial password.
    PasswordChangeRequired,
    /// Something broke on our side; the cause is logged, never shown.
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Login(LoginFailure::BadCredentials) => StatusCode::UNAUTHORIZED,
            AppError::Login(_) => StatusCode::FORBIDDEN,
            AppError::ReauthRequired | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable problem code (the last part of the problem `type`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Invalid(_) => "validation",
            AppError::Conflict { .. } => "conflict",
            AppError::BadRequest(_) | AppError::PayloadTooLarge => "bad_request",
            AppError::TooManyRequests => "too_many_requests",
            AppError::CsrfRejected => "csrf",
            AppError::MalformedJson(_) => "bad_json",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Login(LoginFailure::BadCredentials) => "login_failed",
            AppError::Login(LoginFailure::Locked { .. }) => "account_locked",
            AppError::Login(LoginFailure::Disabled) => "account_disabled",
            AppError::ReauthRequired => "reauth_required",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn title(&self, lang: Lang) -> &'static str {
        t(lang, &format!("problem.{}.title", self.code()))
    }

    pub fn detail(&self, lang: Lang) -> String {
        let generic = || t(lang, &format!("problem.{}.detail", self.code())).to_owned();
        match self {
            AppError::BadRequest(key) => t(lang, key).to_owned(),
            AppError::PayloadTooLarge => t(lang, "problem.msg.payload_too_large").to_owned(),
            AppError::MalformedJson(why) => format!("{}{why}", generic()),
            AppError::Login(LoginFailure::Locked { until }) => {
                tf(lang, "problem.account_locked.detail", &[("until", crate::i18n::local_time(*until))])
            }
            _ => generic(),
        }
    }

    /// Field problems with their messages, for forms and problem bodies.
    pub fn field_errors(&self, lang: Lang) -> Vec<FieldMessage> {
        match self {
            AppError::Invalid(inv) => inv.0.iter().map(|e| FieldMessage::new(e, lang)).collect(),
            // A stale version means someone else moved the thing first, not a duplicate.
            AppError::Conflict { field: "version" } => {
                vec![FieldMessage::new(&FieldError::new("version", "stale_version"), lang)]
            }
            AppError::Conflict { field } => {
                vec![FieldMessage::new(&FieldError::new(*field, "already_exists"), lang)]
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn log(&self, request_id: &str) {
        if let AppError::Internal(cause) = self {
            tracing::error!(request_id, cause, "request failed with an internal error");
        }
    }
}

/// One field's problem as the user reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    /// The form field or JSON member, e.g. `username` or `rules.3`.
    pub field: String,
    /// A stable code, e.g. `required`, `too_long`.
    pub code: String,
    /// The message in the request's language.
    pub message: String,
}

impl FieldMessage {
    pub fn new(e: &FieldError, lang: Lang) -> Self {
        let params: Vec<(&str, String)> = e.params.iter().map(|(k, v)| (*k, v.clone())).collect();
        FieldMessage {
            field: e.field.clone(),
            code: e.code.to_owned(),
            message: tf(lang, &format!("error.{}", e.code), &params),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Forbidden => AppError::Forbidden,
            StoreError::Key(e) => AppError::Internal(format!("personal-data key: {e}")),
            StoreError::Conflict { field, .. } => AppError::Conflict { field },
            StoreError::Invalid(inv) => AppError::Invalid(inv),
            StoreError::Db(cause) => AppError::Internal(format!("database: {cause}")),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

/// RFC 9457 problem details, with linli's extensions `request_id` and `errors`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldMessage>,
}

/// Request facts an error needs to render itself, put in the request extensions by the
/// context middleware and copied onto error responses.
#[derive(Debug, Clone, Default)]
pub struct ErrorContext {
    pub lang: Lang,
    pub request_id: String,
    pub path: String,
}

/// Carried in response extensions from handler to middleware.
#[derive(Debug, Clone)]
pub(crate) struct PendingError(pub std::sync::Arc<AppError>);

impl IntoResponse for AppError {
    /// Handlers only mark the response; the surface's error middleware (`api::render_errors`
    /// or `pages::render_errors`) renders it with the request's language and id.
    fn into_response(self) -> Response {
        let mut r = self.status().into_response();
        r.extensions_mut().insert(PendingError(std::sync::Arc::new(self)));
        r
    }
}

/// Turns an API error (or a bare error status from a layer, e.g. a body too large) into
/// problem+json.
pub fn render_api_error(ctx: &ErrorContext, response: Response) -> Response {
    let status = response.status();
    let pending = response.extensions().get::<PendingError>().cloned();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem || (pending.is_none() && !(status.is_client_error() || status.is_server_error())) {
        return response;
    }
    // A bare status from a layer or an extractor keeps its status and gets a problem body.
    let error = match &pending {
        Some(p) => p.0.as_ref(),
        None => &from_status(status),
    };
    error.log(&ctx.request_id);
    problem_response(error, status, ctx, response)
}

fn problem_response(error: &AppError, status: StatusCode, ctx: &ErrorContext, original: Response) -> Response {
    let body = Problem {
        kind: format!("urn:linli:problem:{}", error.code()),
        title: error.title(ctx.lang).to_owned(),
        status: status.as_u16(),
        detail: error.detail(ctx.lang),
        instance: Some(ctx.path.clone()),
        request_id: Some(ctx.request_id.clone()).filter(|s| !s.is_empty()),
        errors: error.field_errors(ctx.lang),
    };
    let (mut parts, _) = original.into_parts();
    let mut r = (status, Json(body)).into_response();
    std::mem::swap(r.headers_mut(), &mut parts.headers);
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    r.headers_mut().remove(header::CONTENT_LENGTH);
    r
}

/// Errors that layers produce as bare statuses (method not allowed, payload too large …).
pub(crate) fn from_status(status: StatusCode) -> AppError {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::UNAUTHORIZED => AppError::Unauthorized,
        StatusCode::FORBIDDEN => AppError::Forbidden,
        StatusCode::METHOD_NOT_ALLOWED => AppError::BadRequest("problem.msg.method_not_allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest("problem.msg.unsupported_media_type"),
        StatusCode::TOO_MANY_REQUESTS => AppError::TooManyRequests,
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => AppError::Internal(format!("{status}")),
        s if s.is_server_error() => AppError::Internal(format!("{status}")),
        _ => AppError::BadRequest("problem.bad_request.detail"),
    }
}
