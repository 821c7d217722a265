//! 行政区划管理: the tree below the administrator, with adding, renaming and retiring.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use linli_domain::{Action, DivisionCode, Resource};
use linli_store::StoreError;
use serde::Deserialize;

use super::layout::PageCtx;
use super::{FormErrors, done, render_with};
use crate::api::code_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n;
use crate::state::AppState;

pub struct NodeRow {
    pub code: String,
    pub name: String,
    pub level_name: &'static str,
    /// Indentation by level, for the tree (0 for the top shown).
    pub depth: usize,
    pub retired: bool,
    pub is_community: bool,
}

#[derive(Template)]
#[template(path = "admin/nodes.html")]
struct NodesPage {
    page: PageCtx,
    rows: Vec<NodeRow>,
    can_edit: bool,
    new_code: String,
    new_name: String,
    errors: FormErrors,
}

async fn nodes_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    new: (String, String),
    errors: FormErrors,
) -> Result<NodesPage, AppError> {
    let nodes = state.store.acting(&me.actor).nodes().await?;
    let top = nodes.first().map(|n| n.level).unwrap_or(linli_domain::Level::Province);
    let rows = nodes
        .into_iter()
        .map(|n| NodeRow {
            code: n.code.to_string(),
            level_name: i18n::t(ctx.lang, &format!("level.{}", n.level.as_str())),
            depth: (n.level as usize).saturating_sub(top as usize),
            retired: n.retired_at.is_some(),
            is_community: n.level == linli_domain::Level::Community,
            name: n.name,
        })
        .collect();
    Ok(NodesPage {
        page: PageCtx::new(ctx, "nodes.title"),
        rows,
        can_edit: me.actor.principal.may(Resource::Node, Action::Create),
        new_code: new.0,
        new_name: new.1,
        errors,
    })
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, me: Me) -> Result<Response, AppError> {
    render_with(StatusCode::OK, &nodes_page(&state, &ctx, &me, Default::default(), FormErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct NewNode {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Form(f): Form<NewNode>,
) -> Result<Response, AppError> {
    let result = match DivisionCode::parse(&f.code) {
        Ok(code) => state.store.acting(&me.actor).create_node(code, &f.name).await.map(|_| ()),
        Err(e) => Err(StoreError::Invalid(e.at("code"))),
    };
    match result {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", "/admin/nodes")),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let e = AppError::from(e);
            let page = nodes_page(&state, &ctx, &me, (f.code, f.name), FormErrors::from_error(&e, ctx.lang)).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Rename {
    #[serde(default)]
    name: String,
}

pub async fn rename(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<Rename>,
) -> Result<Response, AppError> {
    match state.store.acting(&me.actor).rename_node(code_param(&code)?, &f.name).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", "/admin/nodes")),
        Err(StoreError::Invalid(inv)) => {
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &nodes_page(&state, &ctx, &me, Default::default(), errors).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Retire {
    #[serde(default)]
    retired: String,
}

pub async fn retire(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<Retire>,
) -> Result<Response, AppError> {
    match state.store.acting(&me.actor).set_node_retired(code_param(&code)?, f.retired == "1").await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", "/admin/nodes")),
        Err(StoreError::Invalid(inv)) => {
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &nodes_page(&state, &ctx, &me, Default::default(), errors).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
