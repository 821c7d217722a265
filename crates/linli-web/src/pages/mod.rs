//! Server-rendered pages, one module per area; all share the layout in [`layout`].
//!
//! Pages work without JavaScript: every action is a link or a form post followed by a
//! redirect, and errors re-render the form with the message beside the field.

mod account;
mod areas;
mod calendar;
mod home;
pub mod layout;
mod login;
mod prefs;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::auth::login_url;
use crate::context::Ctx;
use crate::error::{AppError, PendingError, from_status};
use crate::state::AppState;
use layout::PageCtx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::sign_out))
        .route("/prefs/lang/{lang}", get(prefs::lang))
        .route("/prefs/senior/{on}", get(prefs::senior))
        .route("/area/{slug}", get(areas::area))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/admin/calendar", get(calendar::page))
        .route("/admin/calendar/day", post(calendar::set_day))
        .route("/admin/calendar/day/delete", post(calendar::delete_day))
        .route("/admin/calendar/load", post(calendar::load_year))
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Renders a template into a page response.
pub fn render<T: Template>(t: &T) -> Result<Html<String>, AppError> {
    t.render().map(Html).map_err(|e| AppError::internal(format!("template: {e}")))
}

/// Renders a template with a status other than 200 (a form re-shown with its errors).
pub fn render_with<T: Template>(status: StatusCode, t: &T) -> Result<Response, AppError> {
    Ok((status, render(t)?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: PageCtx,
    status: u16,
    detail: String,
    show_request_id: bool,
}

/// Turns errors from page handlers (and bare error statuses from layers) into a page in the
/// visitor's language; "not signed in" becomes a trip to the sign-in page.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<Ctx>().cloned();
    let response = next.run(req).await;
    let status = response.status();
    let pending = response.extensions().get::<PendingError>().cloned();
    let bare_error = (status.is_client_error() || status.is_server_error())
        && !response.headers().contains_key(header::CONTENT_TYPE);
    if pending.is_none() && !bare_error {
        return response;
    }
    let Some(ctx) = ctx else { return response };
    let fallback;
    let error = match &pending {
        Some(p) => p.0.as_ref(),
        None => {
            fallback = from_status(status);
            &fallback
        }
    };
    error.log(&ctx.request_id);
    if matches!(error, AppError::Unauthorized) {
        return Redirect::to(&login_url(&ctx.path)).into_response();
    }
    let page = ErrorPage {
        page: PageCtx::new(&ctx, &format!("problem.{}.title", error.code())),
        status: status.as_u16(),
        detail: error.detail(ctx.lang),
        show_request_id: matches!(error, AppError::Internal(_)),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the error page itself failed to render");
            (status, "error").into_response()
        }
    }
}
