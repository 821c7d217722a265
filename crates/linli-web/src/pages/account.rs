//! My account: who I am, changing my password (which signs out my other sessions), and
//! signing out everywhere.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use linli_domain::{FieldError, password};
use serde::Deserialize;

use super::layout::PageCtx;
use super::{FormErrors, done, render_with};
use crate::auth::Me;
use crate::context::{Ctx, SESSION_COOKIE, removal};
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
    errors: FormErrors,
}

fn account_page(ctx: &Ctx, me: &Me, errors: Vec<FieldMessage>) -> AccountPage {
    let u = &me.signed_in.user;
    AccountPage {
        page: PageCtx::new(ctx, "account.title"),
        username: u.username.clone(),
        node_code: u.node_code.to_string(),
        password_changed: local_time(u.password_changed_at),
        must_change: u.must_change_password,
        errors: FormErrors(errors),
    }
}

pub async fn page(ctx: Ctx, me: Me) -> Result<Response, AppError> {
    render_with(StatusCode::OK, &account_page(&ctx, &me, Vec::new()))
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
    me: Me,
    jar: CookieJar,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let u = me.signed_in.user.clone();
    let mut errors = Vec::new();
    let field = |f: &str, code: &'static str| FieldMessage::new(&FieldError::new(f, code), ctx.lang);
    match crate::auth::confirm_own_password(&state, &ctx, &u, &f.current, "user.password_check_failed").await {
        Ok(()) => {}
        Err(AppError::Invalid(_)) => errors.push(field("current", "password_wrong")),
        Err(e) => return Err(e),
    }
    if let Err(e) = password::check_strength(&f.new, &u.username) {
        errors.extend(e.renamed("new").0.iter().map(|e| FieldMessage::new(e, ctx.lang)));
    } else if f.new != f.confirm {
        errors.push(field("confirm", "password_mismatch"));
    } else if f.new == f.current {
        errors.push(field("new", "password_unchanged"));
    }
    if !errors.is_empty() {
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &account_page(&ctx, &me, errors));
    }
    let new = f.new.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    state.store.acting(&me.actor).change_own_password(&hash, &me.signed_in.token).await?;
    tracing::info!(username = %u.username, "password changed; other sessions ended");
    Ok(done(jar, &ctx, "flash.password_changed", "/account"))
}

#[derive(Deserialize)]
pub struct Empty {}

/// Ends every session of the account, this one included (a lost phone, a shared PC).
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Form(_): Form<Empty>,
) -> Result<Response, AppError> {
    let u = &me.signed_in.user;
    let n = state.store.delete_user_sessions(u.id, None).await?;
    let entry = linli_store::audit::Entry::new(
        u.node_code.to_string(),
        "session.sign_out_everywhere",
        "user",
        u.id.to_string(),
        serde_json::json!({ "sessions": n }),
    );
    state.store.record(&me.actor, &entry).await?;
    tracing::info!(username = %u.username, sessions = n, "signed out everywhere");
    Ok(done(jar.add(removal(SESSION_COOKIE)), &ctx, "flash.signed_out_everywhere", "/").into_response())
}
