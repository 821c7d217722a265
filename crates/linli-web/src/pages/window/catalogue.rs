//! 服务项目 for staff: a community's catalogue (its own items and those adopted from the street
//! and district), adopting and dropping, and the item form.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum_extra::extract::CookieJar;
use linli_domain::window::catalogue::{fields_text, materials_text};
use linli_domain::window::{Category, Channel, ItemInput};
use linli_domain::{Action, Resource};
use linli_store::StoreError;
use linli_store::window::ServiceItem;
use serde::Deserialize;

use super::desk::community;
use super::word;
use crate::api::id_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

pub struct Row {
    pub id: String,
    pub code: String,
    pub name: String,
    pub category: String,
    pub days: u32,
    pub channels: String,
    pub window: String,
    pub owner: &'static str,
    pub published: bool,
    pub retired: bool,
    pub example: bool,
    pub editable: bool,
}

#[derive(Template)]
#[template(path = "window/catalogue.html")]
struct CataloguePage {
    page: PageCtx,
    code: String,
    name: String,
    adopted: Vec<Row>,
    available: Vec<Row>,
    can_edit: bool,
}

fn row(ctx: &Ctx, me: &Me, community: linli_domain::DivisionCode, i: &ServiceItem) -> Row {
    Row {
        id: i.id.to_string(),
        code: i.code.clone(),
        name: i.name.clone(),
        category: word(ctx.lang, "category", i.category.as_str()),
        days: i.time_limit_days,
        channels: i.channels.iter().map(|c| word(ctx.lang, "channel", c.as_str())).collect::<Vec<_>>().join("、"),
        window: i.service_window.clone(),
        owner: if i.node_code == community { "window.owner_own" } else { "window.owner_above" },
        published: i.published,
        retired: i.retired_at.is_some(),
        example: i.example,
        editable: me.actor.principal.check(Resource::Catalogue, Action::Update, &i.node_code).is_ok(),
    }
}

/// `/catalogue`: the user's own community's catalogue, or the community list above it.
pub async fn start(me: Me) -> Result<Response, AppError> {
    use axum::response::{IntoResponse, Redirect};
    if !me.actor.principal.may(Resource::Catalogue, Action::Read) {
        return Err(AppError::Forbidden);
    }
    let node = me.actor.principal.node.ok_or(AppError::NotFound)?;
    if node.level() == linli_domain::Level::Community {
        return Ok(Redirect::to(&format!("/catalogue/{node}")).into_response());
    }
    Ok(Redirect::to("/community").into_response())
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let (community, name) = community(&state, &code).await?;
    let items = state.store.acting(&me.actor).catalogue(community).await?;
    let (adopted, available): (Vec<&ServiceItem>, Vec<&ServiceItem>) = items.iter().partition(|i| i.adopted);
    let page = CataloguePage {
        page: PageCtx::new(&ctx, "window.catalogue_title"),
        code: community.to_string(),
        name,
        adopted: adopted.into_iter().map(|i| row(&ctx, &me, community, i)).collect(),
        available: available
            .into_iter()
            .filter(|i| i.retired_at.is_none())
            .map(|i| row(&ctx, &me, community, i))
            .collect(),
        can_edit: me.actor.principal.check(Resource::Catalogue, Action::Update, &community).is_ok(),
    };
    render(&page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AdoptForm {
    adopt: String,
    service_window: String,
}

pub async fn adopt(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((code, item)): Path<(String, String)>,
    Form(f): Form<AdoptForm>,
) -> Result<Response, AppError> {
    let (community, _) = community(&state, &code).await?;
    state.store.acting(&me.actor).adopt_item(community, id_param(&item)?, f.adopt == "1", &f.service_window).await?;
    Ok(done(jar, &ctx, "flash.saved", &format!("/catalogue/{community}")))
}

#[derive(Template)]
#[template(path = "window/item_form.html")]
struct ItemPage {
    page: PageCtx,
    code: String,
    action: String,
    f: ItemInput,
    errors: FormErrors,
    categories: Vec<(&'static str, String, bool)>,
    channels: Vec<(&'static str, String, bool)>,
    retire: Option<(String, bool)>,
}

impl ItemPage {
    fn new(
        ctx: &Ctx,
        code: String,
        action: String,
        f: ItemInput,
        errors: FormErrors,
        retire: Option<(String, bool)>,
    ) -> Self {
        let chosen: Vec<String> = f.channels.iter().flat_map(|c| c.split(',')).map(|c| c.trim().to_owned()).collect();
        ItemPage {
            page: PageCtx::new(ctx, "window.item_title"),
            categories: Category::ALL
                .iter()
                .map(|c| (c.as_str(), word(ctx.lang, "category", c.as_str()), Category::parse(&f.category) == Some(*c)))
                .collect(),
            channels: Channel::ALL
                .iter()
                .map(|c| (c.as_str(), word(ctx.lang, "channel", c.as_str()), chosen.iter().any(|x| x == c.as_str())))
                .collect(),
            code,
            action,
            f,
            errors,
            retire,
        }
    }
}

/// The item's stored values as the form shows them.
fn input_of(i: &ServiceItem) -> ItemInput {
    ItemInput {
        code: i.code.clone(),
        name: i.name.clone(),
        category: i.category.as_str().into(),
        subcategory: i.subcategory.clone(),
        description: i.description.clone(),
        eligibility: i.eligibility.clone(),
        materials: materials_text(&i.materials),
        legal_basis: i.legal_basis.clone(),
        steps: i.steps.join("\n"),
        time_limit_days: i.time_limit_days.to_string(),
        fee: i.fee.clone(),
        channels: i.channels.iter().map(|c| c.as_str().to_owned()).collect(),
        post: i.post.clone(),
        fields: fields_text(&i.fields),
        published: if i.published { "1".into() } else { String::new() },
        effective_from: i.effective_from.map(|d| d.to_string()).unwrap_or_default(),
        effective_to: i.effective_to.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// The posted item form (channels repeat).
fn item_input(pairs: &[(String, String)]) -> ItemInput {
    let mut f = ItemInput::default();
    for (k, v) in pairs {
        let v = v.clone();
        match k.as_str() {
            "code" => f.code = v,
            "name" => f.name = v,
            "category" => f.category = v,
            "subcategory" => f.subcategory = v,
            "description" => f.description = v,
            "eligibility" => f.eligibility = v,
            "materials" => f.materials = v,
            "legal_basis" => f.legal_basis = v,
            "steps" => f.steps = v,
            "time_limit_days" => f.time_limit_days = v,
            "fee" => f.fee = v,
            "channels" => f.channels.push(v),
            "post" => f.post = v,
            "fields" => f.fields = v,
            "published" => f.published = v,
            "effective_from" => f.effective_from = v,
            "effective_to" => f.effective_to = v,
            _ => {}
        }
    }
    f
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let (community, _) = community(&state, &code).await?;
    if me.actor.principal.check(Resource::Catalogue, Action::Create, &community).is_err() {
        return Err(AppError::Forbidden);
    }
    let f = ItemInput { channels: vec!["window".into()], time_limit_days: "5".into(), ..ItemInput::default() };
    let page = ItemPage::new(
        &ctx,
        community.to_string(),
        format!("/catalogue/{community}/new"),
        f,
        FormErrors::default(),
        None,
    );
    render(&page)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (community, _) = community(&state, &code).await?;
    let f = item_input(&pairs);
    let result = match f.validate() {
        Ok(fields) => state.store.acting(&me.actor).create_item(community, &fields, false).await.map(|_| ()),
        Err(inv) => Err(StoreError::Invalid(inv)),
    };
    match result {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/catalogue/{community}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            let page =
                ItemPage::new(&ctx, community.to_string(), format!("/catalogue/{community}/new"), f, errors, None);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path((code, item)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let (community, _) = community(&state, &code).await?;
    let i = state.store.acting(&me.actor).service_item(community, id_param(&item)?).await?;
    if me.actor.principal.check(Resource::Catalogue, Action::Update, &i.node_code).is_err() {
        return Err(AppError::Forbidden);
    }
    let action = format!("/catalogue/{community}/items/{}", i.id);
    let retire = Some((format!("{action}/retired"), i.retired_at.is_some()));
    let page = ItemPage::new(&ctx, community.to_string(), action, input_of(&i), FormErrors::default(), retire);
    render(&page)
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((code, item)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (community, _) = community(&state, &code).await?;
    let item = id_param(&item)?;
    let f = item_input(&pairs);
    let acting = state.store.acting(&me.actor);
    let result = match f.validate() {
        Ok(fields) => acting.update_item(item, &fields).await,
        Err(inv) => Err(StoreError::Invalid(inv)),
    };
    match result {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/catalogue/{community}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            let action = format!("/catalogue/{community}/items/{item}");
            let page = ItemPage::new(&ctx, community.to_string(), action, f, errors, None);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RetireForm {
    retired: String,
}

pub async fn retire(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((code, item)): Path<(String, String)>,
    Form(f): Form<RetireForm>,
) -> Result<Response, AppError> {
    let (community, _) = community(&state, &code).await?;
    state.store.acting(&me.actor).retire_item(id_param(&item)?, f.retired == "1").await?;
    Ok(done(jar, &ctx, "flash.saved", &format!("/catalogue/{community}")))
}
