//! 再次验证: sensitive actions (accounts, tokens, revealing personal data, exporting the audit
//! log) need the password entered within the last 15 minutes.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::layout::PageCtx;
use super::{done, render_with};
use crate::auth::{Me, safe_next};
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage {
    page: PageCtx,
    next: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn form(ctx: Ctx, _me: Me, Query(q): Query<Next>) -> Result<Response, AppError> {
    let page = ReauthPage { page: PageCtx::new(&ctx, "reauth.title"), next: safe_next(q.next.as_deref()), error: None };
    render_with(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct ReauthForm {
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Form(f): Form<ReauthForm>,
) -> Result<Response, AppError> {
    let next = safe_next(f.next.as_deref());
    match crate::auth::confirm_own_password(&state, &ctx, &me.signed_in.user, &f.password, "session.reauth_failed")
        .await
    {
        Ok(()) => {
            state.store.touch_reauth(&me.signed_in.token).await?;
            Ok(done(jar, &ctx, "flash.reauthenticated", &next).into_response())
        }
        Err(AppError::Invalid(_)) => {
            let page =
                ReauthPage { page: PageCtx::new(&ctx, "reauth.title"), next, error: Some("error.password_wrong") };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}
