//! Server-rendered pages, one module per area; all share the layout in [`layout`].
//!
//! Pages work without JavaScript: every action is a link or a form post followed by a
//! redirect, and errors re-render the form with the message beside the field.

mod account;
mod areas;
mod audit;
mod calendar;
mod community;
mod home;
pub mod layout;
mod login;
mod nodes;
pub(crate) mod oversight;
mod prefs;
mod reauth;
mod register;
mod tokens;
mod users;
mod window;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::auth::login_url;
use crate::context::Ctx;
use crate::error::{AppError, FieldMessage, PendingError, from_status};
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
        .route("/account/sessions/end", post(account::sign_out_everywhere))
        .route("/reauth", get(reauth::form).post(reauth::submit))
        .route("/community", get(community::list))
        .route("/community/{code}", get(community::page))
        .route("/community/{code}/profile", get(community::edit_profile).post(community::save_profile))
        .route("/community/{code}/organisations", post(community::create_organisation))
        .route("/organisations/{id}", get(community::edit_organisation).post(community::save_organisation))
        .route("/organisations/{id}/retired", post(community::retire_organisation))
        .route("/organisations/{id}/members", post(community::add_member))
        .route("/members/{id}/delete", post(community::remove_member))
        .route("/members/{id}/reveal", post(community::reveal_member))
        .route("/register", get(register::start))
        .route("/grid", get(register::grid_start))
        .route("/register/template", get(register::import::template))
        .route("/register/{code}", get(register::search::list))
        .route("/register/{code}/export", get(register::search::export))
        .route("/register/{code}/population", get(register::population::page))
        .route("/register/{code}/coverage", get(register::coverage::page))
        .route("/register/{code}/places", get(register::places::page))
        .route("/register/{code}/grids", post(register::places::create_grid))
        .route("/register/{code}/grids/{id}", post(register::places::save_grid))
        .route("/register/{code}/grids/{id}/workers", post(register::places::set_workers))
        .route("/register/{code}/buildings", post(register::places::create_building))
        .route("/register/{code}/buildings/{id}", post(register::places::save_building))
        .route(
            "/register/{code}/import",
            get(register::import::page)
                .post(register::import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(crate::app::UPLOAD_MAX)),
        )
        .route("/register/{code}/import/{upload}/errors", get(register::import::errors))
        .route("/register/{code}/import/{upload}/commit", post(register::import::commit))
        .route("/register/{code}/import/{upload}/progress", get(register::import::progress))
        .route("/buildings/{id}", get(register::household::building))
        .route("/buildings/{id}/households", post(register::household::add_household))
        .route("/buildings/{id}/print", get(register::household::print_building))
        .route("/households/{id}", get(register::household::page))
        .route("/households/{id}/print", get(register::household::print))
        .route("/households/{id}/dissolve", post(register::household::dissolve))
        .route("/households/{id}/visit", get(register::household::visit_form).post(register::household::record_visit))
        .route("/households/{id}/residents", post(register::resident::create))
        .route("/households/{id}/residents/new", get(register::resident::new_form))
        .route("/residents/{id}", get(register::resident::page))
        .route("/residents/{id}/edit", get(register::resident::edit_form).post(register::resident::save))
        .route("/residents/{id}/move", post(register::resident::move_household))
        .route("/residents/{id}/end", post(register::resident::end))
        .route("/residents/{id}/reveal", post(register::resident::reveal))
        .route("/window", get(window::start))
        .route("/window/{code}", get(window::desk::page))
        .route("/window/{code}/new", get(window::desk::pick))
        .route("/window/{code}/new/{item}", get(window::desk::intake_form).post(window::desk::take))
        .route("/window/{code}/appointments", get(window::appointments::day))
        .route("/window/{code}/slots", post(window::appointments::open_slots))
        .route(
            "/window/{code}/consultations",
            get(window::appointments::consultations).post(window::appointments::record_consultation),
        )
        .route("/guide/{code}/book", get(window::appointments::slots_page))
        .route("/appointments", post(window::appointments::book))
        .route("/appointments/{id}/cancel", post(window::appointments::cancel))
        .route("/appointments/{id}/mark", post(window::appointments::mark))
        .route("/requests/{id}", get(window::request::page))
        .route("/requests/{id}/move", post(window::request::act))
        .route("/requests/{id}/print/{kind}", get(window::request::print))
        .route("/requests/{id}/rating", post(oversight::rate))
        .route("/rate", get(oversight::rate_page).post(oversight::rate_by_code))
        .route("/window/{code}/rectifications", get(oversight::list))
        .route("/rectifications/{id}", get(oversight::detail))
        .route("/rectifications/{id}/move", post(oversight::act))
        .route("/oversight", get(oversight::start))
        .route("/oversight/compare/{code}", get(oversight::compare))
        .route("/oversight/{code}", get(oversight::figures))
        .route("/public/{code}", get(oversight::disclosure))
        .route("/oversight/{code}/ledgers", get(oversight::ledgers::ledger))
        .route("/complaints", get(oversight::complaints::start))
        .route("/complaints/at/{code}", get(oversight::complaints::list).post(oversight::complaints::take))
        .route("/complaints/{id}", get(oversight::complaints::detail))
        .route("/complaints/{id}/move", post(oversight::complaints::act))
        .route("/complain", get(oversight::complaints::resident_form).post(oversight::complaints::resident_submit))
        .route("/surveys", get(oversight::surveys::start))
        .route("/surveys/at/{code}", get(oversight::surveys::list).post(oversight::surveys::create))
        .route("/surveys/{id}", get(oversight::surveys::detail).post(oversight::surveys::update))
        .route("/surveys/{id}/questions", post(oversight::surveys::add_question))
        .route("/surveys/{id}/question", post(oversight::surveys::edit_question))
        .route("/surveys/{id}/questions/{index}", post(oversight::surveys::change_question))
        .route("/surveys/{id}/step", post(oversight::surveys::step))
        .route("/surveys/{id}/slips", get(oversight::surveys::slips))
        .route("/surveys/{id}/paper", get(oversight::surveys::paper_form).post(oversight::surveys::paper_submit))
        .route("/my/surveys", get(oversight::surveys::mine))
        .route("/my/surveys/{id}", get(oversight::surveys::my_form).post(oversight::surveys::my_submit))
        .route("/survey", get(oversight::surveys::by_code).post(oversight::surveys::answer_by_code))
        .route("/follow-ups/{code}", get(oversight::notes::list).post(oversight::notes::add))
        .route("/follow-ups/note/{id}", post(oversight::notes::act))
        .route("/complaints/limits/{code}", get(oversight::notes::limits_form).post(oversight::notes::set_limits))
        .route(
            "/requests/{id}/files",
            post(window::request::upload).layer(axum::extract::DefaultBodyLimit::max(window::request::UPLOAD_LIMIT)),
        )
        .route("/requests/{id}/files/{file}", get(window::request::download))
        .route("/catalogue", get(window::catalogue::start))
        .route("/catalogue/{code}", get(window::catalogue::page))
        .route("/catalogue/{code}/new", get(window::catalogue::new_form).post(window::catalogue::create))
        .route("/catalogue/{code}/items/{id}", get(window::catalogue::edit_form).post(window::catalogue::save))
        .route("/catalogue/{code}/items/{id}/adopt", post(window::catalogue::adopt))
        .route("/catalogue/{code}/items/{id}/retired", post(window::catalogue::retire))
        .route("/guide", get(window::guide::start))
        .route("/guide/{code}", get(window::guide::guide))
        .route("/guide/{code}/{item}", get(window::guide::guide_item))
        .route("/guide/{code}/{item}/print", get(window::guide::guide_print))
        .route("/guide/{code}/{item}/apply", get(window::guide::apply_form).post(window::guide::apply))
        .route("/my/requests", get(window::guide::mine))
        .route("/lookup", get(window::guide::lookup_form).post(window::guide::lookup))
        .route("/admin/nodes", get(nodes::page).post(nodes::create))
        .route("/admin/nodes/{code}/rename", post(nodes::rename))
        .route("/admin/nodes/{code}/retired", post(nodes::retire))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/new", get(users::new_form))
        .route("/admin/users/{id}", get(users::detail).post(users::save))
        .route("/admin/users/{id}/reveal", post(users::reveal))
        .route("/admin/users/{id}/do/{action}", post(users::act))
        .route("/admin/tokens", get(tokens::page).post(tokens::create))
        .route("/admin/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/audit", get(audit::page))
        .route("/admin/audit/export", get(audit::export))
        .route("/admin/calendar", get(calendar::page))
        .route("/admin/calendar/day", post(calendar::set_day))
        .route("/admin/calendar/day/delete", post(calendar::delete_day))
        .route("/admin/calendar/load", post(calendar::load_year))
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// A multipart form with one file (`file`) and the CSRF token (`_csrf`): the file's name and
/// bytes; an empty or missing file is a field error on `file`.
pub async fn read_upload(ctx: &Ctx, mut form: axum::extract::Multipart) -> Result<(String, Vec<u8>), AppError> {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let unreadable = |_| AppError::BadRequest("problem.msg.form_unreadable");
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.map_err(unreadable)?,
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if !crate::csrf::tokens_match(&csrf, &ctx.csrf) {
        tracing::warn!(path = %ctx.path, request_id = %ctx.request_id, "upload refused: CSRF token missing or stale");
        return Err(AppError::CsrfRejected);
    }
    match file {
        Some((name, bytes)) if !bytes.is_empty() => Ok((name, bytes)),
        _ => Err(AppError::Invalid(linli_domain::Invalid(vec![linli_domain::FieldError::new("file", "import_empty")]))),
    }
}

/// Field problems of a submitted form, looked up by field name in the template.
#[derive(Debug, Default)]
pub struct FormErrors(pub Vec<FieldMessage>);

impl FormErrors {
    pub fn from_error(e: &AppError, lang: crate::i18n::Lang) -> Self {
        FormErrors(e.field_errors(lang))
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Messages for fields the form does not show on its own (e.g. `scopes[2]`).
    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|e| e.message.as_str())
    }
}

/// The answer to a successful form post: a one-time message and a redirect (POST/redirect/GET).
pub fn done(jar: axum_extra::extract::CookieJar, ctx: &Ctx, key: &'static str, to: &str) -> Response {
    (crate::context::flash(jar, ctx, key), Redirect::to(to)).into_response()
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
    let is_get = req.method() == axum::http::Method::GET;
    let referer = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let response = next.run(req).await;
    let status = response.status();
    let pending = response.extensions().get::<PendingError>().cloned();
    let is_html = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    // An error that is not already a page (a panic, a timeout, an extractor's plain text) is
    // rendered like any other.
    let bare_error = (status.is_client_error() || status.is_server_error()) && !is_html;
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
    // Where to come back to after signing in or re-entering the password: this page, or for a
    // form post the page the form was on.
    let back = if is_get { ctx.path.clone() } else { referer.as_deref().map(local_part).unwrap_or_else(|| "/".into()) };
    match error {
        AppError::Unauthorized => return Redirect::to(&login_url(&back)).into_response(),
        AppError::ReauthRequired => return Redirect::to(&reauth_url(&back)).into_response(),
        AppError::PasswordChangeRequired => return Redirect::to("/account").into_response(),
        _ => {}
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

/// The path and query of a same-site URL (a `Referer`), or `/`.
fn local_part(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    crate::auth::safe_next(Some(path))
}

/// `/reauth?next=<path>`.
pub fn reauth_url(next: &str) -> String {
    format!("/reauth?{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default())
}
