//! API 令牌: tokens for integrations, created with a node and scopes, shown once, revocable.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use linli_domain::DivisionCode;
use linli_domain::rights::TokenScope;
use linli_store::StoreError;
use linli_store::token::ApiToken;
use serde::Deserialize;

use super::layout::PageCtx;
use super::{FormErrors, done, render_with};
use crate::api::id_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::local_time;
use crate::state::AppState;

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub node_code: String,
    pub scopes: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage {
    page: PageCtx,
    rows: Vec<TokenRow>,
    scopes: Vec<String>,
    errors: FormErrors,
    /// The new token's secret, shown this once.
    secret: Option<String>,
    form: NewToken,
}

impl TokensPage {
    fn checked(&self, scope: &str) -> bool {
        self.form.scope.iter().any(|s| s == scope)
    }
}

fn row(t: ApiToken) -> TokenRow {
    TokenRow {
        id: t.id.to_string(),
        name: t.name,
        node_code: t.node_code.to_string(),
        scopes: t.scopes.join(" "),
        created: local_time(t.created_at),
        expires: t.expires_at.map(local_time).unwrap_or_default(),
        last_used: t.last_used_at.map(local_time).unwrap_or_default(),
        revoked: t.revoked_at.is_some(),
    }
}

async fn tokens_page(state: &AppState, ctx: &Ctx, me: &Me, form: NewToken) -> Result<TokensPage, AppError> {
    let rows = state.store.acting(&me.actor).tokens().await?.into_iter().map(row).collect();
    Ok(TokensPage {
        page: PageCtx::new(ctx, "tokens.title"),
        rows,
        scopes: TokenScope::all_grantable().map(|s| s.to_string()).collect(),
        errors: FormErrors::default(),
        secret: None,
        form,
    })
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, me: Me) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    let form =
        NewToken { node_code: me.signed_in.user.node_code.to_string(), valid_days: "365".into(), ..Default::default() };
    render_with(StatusCode::OK, &tokens_page(&state, &ctx, &me, form).await?)
}

/// The new-token form. Ticked scopes arrive as repeated `scope` fields, which the form
/// decoder cannot put in a list, so the fields are read from the pairs by hand.
#[derive(Default)]
pub struct NewToken {
    name: String,
    node_code: String,
    scope: Vec<String>,
    valid_days: String,
}

impl<'de> Deserialize<'de> for NewToken {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(String, String)> = Vec::deserialize(d)?;
        let mut t = NewToken::default();
        for (k, v) in pairs {
            match k.as_str() {
                "name" => t.name = v,
                "node_code" => t.node_code = v,
                "scope" => t.scope.push(v),
                "valid_days" => t.valid_days = v,
                _ => {}
            }
        }
        Ok(t)
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Form(f): Form<NewToken>,
) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    let days = f.valid_days.trim();
    let valid_days = if days.is_empty() { Ok(None) } else { days.parse::<u32>().map(Some) };
    let result = match (DivisionCode::parse(&f.node_code), valid_days) {
        (Ok(node), Ok(days)) => state.store.acting(&me.actor).create_token(&f.name, node, &f.scope, days).await,
        (Err(e), _) => Err(StoreError::Invalid(e.at("node_code"))),
        (_, Err(_)) => Err(StoreError::Invalid(linli_domain::Invalid::one("valid_days", "token_days"))),
    };
    match result {
        Ok((_, secret)) => {
            let mut page = tokens_page(&state, &ctx, &me, NewToken::default()).await?;
            page.secret = Some(secret);
            render_with(StatusCode::CREATED, &page)
        }
        Err(StoreError::Invalid(inv)) => {
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            let mut page = tokens_page(&state, &ctx, &me, f).await?;
            page.errors = errors;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(_): Form<Empty>,
) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    state.store.acting(&me.actor).revoke_token(id_param(&id)?).await?;
    Ok(done(jar, &ctx, "flash.saved", "/admin/tokens"))
}
