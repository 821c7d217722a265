//! My account: who I am, and changing my password (which signs out my other sessions).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use linli_domain::password;
use serde::Deserialize;

use super::layout::PageCtx;
use super::{render, render_with};
use crate::auth::SignedInUser;
use crate::context::{Ctx, flash};
use crate::csrf::Form;
use crate::error::{AppError, FieldMessage};
use crate::i18n::local_time;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountPage {
    page: PageCtx,
    username: String,
    node_code: String,
    password_changed: String,
    must_change: bool,
    errors: Vec<FieldMessage>,
}

impl AccountPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

fn account_page(ctx: &Ctx, user: &SignedInUser, errors: Vec<FieldMessage>) -> AccountPage {
    let u = &user.0.user;
    AccountPage {
        page: PageCtx::new(ctx, "account.title"),
        username: u.username.clone(),
        node_code: u.node_code.to_string(),
        password_changed: local_time(u.password_changed_at),
        must_change: u.must_change_password,
        errors,
    }
}

pub async fn page(ctx: Ctx, user: SignedInUser) -> Result<Response, AppError> {
    Ok(render(&account_page(&ctx, &user, Vec::new()))?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    user: SignedInUser,
    jar: CookieJar,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let u = user.0.user.clone();
    let (_, stored) = state.store.user_for_login(&u.username).await?.ok_or(AppError::Unauthorized)?;
    let current = f.current.clone();
    let ok =
        tokio::task::spawn_blocking(move || password::verify(&current, &stored)).await.map_err(AppError::internal)?;
    let mut errors = Vec::new();
    let field = |f: &str, code: &'static str| FieldMessage::new(&linli_domain::FieldError::new(f, code), ctx.lang);
    if !ok {
        errors.push(field("current", "password_wrong"));
    }
    if let Err(e) = password::check_strength(&f.new, &u.username) {
        errors.extend(e.0.iter().map(|e| {
            let mut m = FieldMessage::new(e, ctx.lang);
            m.field = "new".into();
            m
        }));
    } else if f.new != f.confirm {
        errors.push(field("confirm", "password_mismatch"));
    } else if f.new == f.current {
        errors.push(field("new", "password_unchanged"));
    }
    if !errors.is_empty() {
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &account_page(&ctx, &user, errors));
    }
    let new = f.new.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    state.store.set_password(u.id, &hash, false).await?;
    let ended = state.store.delete_user_sessions(u.id, Some(&user.0.token)).await?;
    tracing::info!(username = %u.username, other_sessions_ended = ended, "password changed");
    Ok((flash(jar, "flash.password_changed"), Redirect::to("/account")).into_response())
}
