//! The sign-in page and signing out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use linli_store::seed::{DEMO_PASSWORD, demo_logins};
use serde::Deserialize;

use super::layout::PageCtx;
use super::{render, render_with};
use crate::auth::{LoginFailure, safe_next, sign_in};
use crate::context::{Ctx, SESSION_COOKIE, cookie, removal};
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{local_time, tf};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageCtx,
    next: String,
    username: String,
    error: Option<String>,
    demo: Vec<DemoRow>,
    demo_password: &'static str,
}

struct DemoRow {
    username: &'static str,
    name: &'static str,
    role_name: &'static str,
    node_name: &'static str,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn page(ctx: &Ctx, state: &AppState, next: String, username: String, error: Option<String>) -> LoginPage {
    LoginPage {
        page: PageCtx::new(ctx, "login.title"),
        next,
        username,
        error,
        demo: if state.config.demo {
            demo_logins()
                .into_iter()
                .map(|d| DemoRow {
                    username: d.username,
                    name: d.name,
                    role_name: crate::i18n::t(ctx.lang, &format!("role.{}", d.role.as_str())),
                    node_name: d.node_name,
                })
                .collect()
        } else {
            Vec::new()
        },
        demo_password: DEMO_PASSWORD,
    }
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    if ctx.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(render(&page(&ctx, &state, next, String::new(), None))?.into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(f.next.as_deref());
    if f.username.trim().is_empty() || f.password.is_empty() {
        let msg = ctx.t("login.missing").to_owned();
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&ctx, &state, next, f.username, Some(msg)));
    }
    match sign_in(&state, &f.username, &f.password, &ctx).await? {
        Ok((session, user)) => {
            let jar = jar.add(cookie(SESSION_COOKIE, session.token, state.config.https, None));
            let to = if user.must_change_password { "/account?must_change=1".to_owned() } else { next };
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(failure) => {
            let (status, msg) = match failure {
                LoginFailure::BadCredentials => (StatusCode::UNAUTHORIZED, ctx.t("login.bad_credentials").to_owned()),
                LoginFailure::Locked { until } => {
                    (StatusCode::FORBIDDEN, tf(ctx.lang, "login.locked", &[("until", local_time(until))]))
                }
                LoginFailure::Disabled => (StatusCode::FORBIDDEN, ctx.t("login.disabled").to_owned()),
            };
            render_with(status, &page(&ctx, &state, next, f.username, Some(msg)))
        }
    }
}

/// Signing out needs no valid CSRF token when the session has already ended (idle timeout):
/// there is nothing left to protect, and the user should not see "page expired" for it.
pub async fn sign_out(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    if let Some(user) = &ctx.user {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        let sent = pairs.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
        if !crate::csrf::tokens_match(sent, &ctx.csrf) {
            return Err(AppError::CsrfRejected);
        }
        state.store.delete_session(&user.token).await?;
        tracing::info!(username = %user.user.username, "signed out");
    }
    Ok(super::done(jar.add(removal(SESSION_COOKIE)), &ctx, "flash.signed_out", "/"))
}
