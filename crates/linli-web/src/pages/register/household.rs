//! A household's page (members, visits), its printable card (户卡), a building's households
//! and printable register, and the visit form a grid worker fills in on a phone.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum_extra::extract::CookieJar;
use linli_domain::{Action, Resource};
use linli_store::StoreError;
use linli_store::register::{Building, Household, HouseholdLine, Visit, VisitInput};
use uuid::Uuid;

use super::search::Row;
use crate::api::id_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

/// One line of a household's history (the details are on the resident's page).
pub struct HistoryRow {
    pub resident_id: String,
    pub name: String,
    pub kind: String,
    pub on_date: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "register/household.html")]
struct HouseholdPage {
    page: PageCtx,
    h: Household,
    members: Vec<Row>,
    visits: Vec<Visit>,
    history: Vec<HistoryRow>,
    can_add: bool,
    can_visit: bool,
    can_dissolve: bool,
    errors: FormErrors,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    render(&household_page(&state, &ctx, &me, id_param(&id)?, FormErrors::default()).await?)
}

async fn household_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    id: Uuid,
    errors: FormErrors,
) -> Result<HouseholdPage, AppError> {
    let acting = state.store.acting(&me.actor);
    let h = acting.household(id).await?;
    let visits = acting.visits(h.id).await.unwrap_or_default();
    let history = acting
        .household_history(h.id, 100)
        .await?
        .into_iter()
        .map(|e| HistoryRow {
            resident_id: e.resident_id.to_string(),
            name: e.name,
            kind: super::word(ctx.lang, "event_kind", &e.kind),
            on_date: e.on_date.to_string(),
            by: e.recorded_by,
        })
        .collect();
    let p = &me.actor.principal;
    Ok(HouseholdPage {
        page: PageCtx::new(ctx, "register.household"),
        members: h.members.iter().map(|m| Row::new(ctx.lang, m)).collect(),
        visits,
        history,
        can_add: p.may(Resource::Register, Action::Create),
        can_visit: p.may(Resource::Visit, Action::Create),
        can_dissolve: p.may(Resource::Register, Action::Delete) && h.members.iter().all(|m| m.status != "active"),
        errors,
        h,
    })
}

/// Removes an empty household, back to its building.
pub async fn dissolve(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(_): Form<super::import::Empty>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let building = acting.household(id).await?.building_id;
    match acting.dissolve_household(id).await {
        Ok(()) => Ok(done(jar, &ctx, "flash.deleted", &format!("/buildings/{building}"))),
        Err(StoreError::Invalid(inv)) => {
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &household_page(&state, &ctx, &me, id, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// One household's card for printing: the members in force, as the paper register lists them.
pub struct Card {
    pub address: String,
    pub members: Vec<Row>,
}

#[derive(Template)]
#[template(path = "register/print.html")]
struct PrintPage {
    page: PageCtx,
    heading: String,
    community: String,
    printed_on: String,
    cards: Vec<Card>,
}

fn card(lang: Lang, h: &Household) -> Card {
    Card {
        address: h.address.clone(),
        members: h.members.iter().filter(|m| m.status == "active").map(|m| Row::new(lang, m)).collect(),
    }
}

pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let h = state.store.acting(&me.actor).household(id_param(&id)?).await?;
    let community = state.store.node(h.community_code).await.map(|n| n.name).unwrap_or_default();
    let page = PrintPage {
        page: PageCtx::new(&ctx, "register.print_household"),
        heading: h.address.clone(),
        community,
        printed_on: linli_store::today().to_string(),
        cards: vec![card(ctx.lang, &h)],
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "register/building.html")]
struct BuildingPage {
    page: PageCtx,
    b: Building,
    households: Vec<HouseholdLine>,
    can_add: bool,
    errors: FormErrors,
}

async fn building_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    id: Uuid,
    errors: FormErrors,
) -> Result<BuildingPage, AppError> {
    let (b, households) = state.store.acting(&me.actor).building_households(id).await?;
    Ok(BuildingPage {
        page: PageCtx::new(ctx, "register.building"),
        b,
        households,
        can_add: me.actor.principal.may(Resource::Register, Action::Create),
        errors,
    })
}

pub async fn building(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_with(StatusCode::OK, &building_page(&state, &ctx, &me, id_param(&id)?, FormErrors::default()).await?)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AddressForm {
    unit: String,
    room: String,
}

/// Opens the household at a unit and room of the building (made if new).
pub async fn add_household(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<AddressForm>,
) -> Result<Response, AppError> {
    let building = id_param(&id)?;
    match state.store.acting(&me.actor).household_at(building, &f.unit, &f.room).await {
        Ok(h) => Ok(done(jar, &ctx, "flash.saved", &format!("/households/{h}"))),
        Err(StoreError::Invalid(inv)) => {
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &building_page(&state, &ctx, &me, building, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The whole building's register, one card per household, for printing.
pub async fn print_building(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let acting = state.store.acting(&me.actor);
    let (b, lines) = acting.building_households(id_param(&id)?).await?;
    let mut cards = Vec::with_capacity(lines.len());
    for l in lines.iter().filter(|l| l.members > 0) {
        cards.push(card(ctx.lang, &acting.household(l.id).await?));
    }
    let community = state.store.node(b.community_code).await.map(|n| n.name).unwrap_or_default();
    let page = PrintPage {
        page: PageCtx::new(&ctx, "register.print_building"),
        heading: b.name,
        community,
        printed_on: linli_store::today().to_string(),
        cards,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "register/visit_form.html")]
struct VisitPage {
    page: PageCtx,
    h: Household,
    f: VisitInput,
    today: String,
    errors: FormErrors,
}

pub async fn visit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let h = state.store.acting(&me.actor).household(id_param(&id)?).await?;
    if !me.actor.principal.may(Resource::Visit, Action::Create) {
        return Err(AppError::Forbidden);
    }
    let today = linli_store::today().to_string();
    let f = VisitInput { visited_on: today.clone(), ..Default::default() };
    let page =
        VisitPage { page: PageCtx::new(&ctx, "register.visit_title"), h, f, today, errors: FormErrors::default() };
    render_with(StatusCode::OK, &page)
}

pub async fn record_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<VisitInput>,
) -> Result<Response, AppError> {
    let household = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    match acting.record_visit(household, &f).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.visit_recorded", &format!("/households/{household}"))),
        Err(StoreError::Invalid(inv)) => {
            let h = acting.household(household).await?;
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            let today = linli_store::today().to_string();
            let page = VisitPage { page: PageCtx::new(&ctx, "register.visit_title"), h, f, today, errors };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
