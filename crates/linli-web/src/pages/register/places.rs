//! 楼栋与网格: a community's grids (GB/T 34300) with their size and workers, and its
//! buildings with the grid each belongs to.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use linli_domain::{Action, DivisionCode, Resource};
use linli_store::StoreError;
use linli_store::register::{Building, Grid};
use serde::Deserialize;
use uuid::Uuid;

use super::Tabs;
use super::search::{Opt, grid_options};
use crate::api::{code_param, id_param};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render_with};
use crate::state::AppState;

/// A grid of this many households or more is large for one worker (GB/T 34300 suggests
/// roughly 300–500).
const LARGE_GRID: i64 = 500;

#[derive(Template)]
#[template(path = "register/places.html")]
struct PlacesPage {
    page: PageCtx,
    tabs: Tabs,
    grids: Vec<Grid>,
    buildings: Vec<Building>,
    grid_opts: Vec<Opt>,
    /// (id, name) of grid-worker accounts, for assigning.
    workers: Vec<(Uuid, String)>,
    can_grid: bool,
    can_building: bool,
    large: i64,
    /// Which form the errors belong to (`grid`, `building`, or a building id).
    error_form: String,
    errors: FormErrors,
}

impl PlacesPage {
    fn assigned(&self, g: &Grid, worker: &Uuid) -> bool {
        g.workers.iter().any(|(id, _)| id == worker)
    }
    fn grid_choices(&self, current: &Option<Uuid>) -> Vec<Opt> {
        let cur = current.map(|c| c.to_string()).unwrap_or_default();
        self.grid_opts
            .iter()
            .map(|o| Opt { value: o.value.clone(), label: o.label.clone(), selected: o.value == cur })
            .collect()
    }
    fn errors_for(&self, form: &str) -> bool {
        self.error_form == form && !self.errors.is_empty()
    }
}

async fn places_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    community: DivisionCode,
    error_form: &str,
    errors: FormErrors,
) -> Result<PlacesPage, AppError> {
    let acting = state.store.acting(&me.actor);
    let grids = acting.grids(community).await?;
    let buildings = acting.buildings(community).await?;
    let p = &me.actor.principal;
    let can_grid = p.may(Resource::Grid, Action::Update);
    let workers = if can_grid { acting.grid_worker_accounts(community).await? } else { Vec::new() };
    Ok(PlacesPage {
        page: PageCtx::new(ctx, "register.places_title"),
        tabs: Tabs::new(state, me, community, "places").await?,
        grid_opts: grid_options(&grids, ""),
        grids,
        buildings,
        workers,
        can_grid,
        can_building: p.may(Resource::Register, Action::Update),
        large: LARGE_GRID,
        error_form: error_form.to_owned(),
        errors,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let page = places_page(&state, &ctx, &me, code_param(&code)?, "", FormErrors::default()).await?;
    render_with(StatusCode::OK, &page)
}

/// Re-shows the page with a form's errors, or passes other errors on.
async fn again(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    community: DivisionCode,
    form: &str,
    e: StoreError,
) -> Result<Response, AppError> {
    match e {
        StoreError::Invalid(_) | StoreError::Conflict { .. } => {
            let errors = FormErrors::from_error(&e.into(), ctx.lang);
            let page = places_page(state, ctx, me, community, form, errors).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        other => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GridForm {
    code: String,
    name: String,
}

pub async fn create_grid(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<GridForm>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    match state.store.acting(&me.actor).create_grid(community, &f.code, &f.name).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", &format!("/register/{code}/places"))),
        Err(e) => again(&state, &ctx, &me, community, "grid", e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GridEdit {
    code: String,
    name: String,
    retired: String,
}

pub async fn save_grid(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((code, id)): Path<(String, String)>,
    Form(f): Form<GridEdit>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let grid = id_param(&id)?;
    let retired = !f.retired.is_empty();
    match state.store.acting(&me.actor).update_grid(grid, &f.code, &f.name, retired).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", &format!("/register/{code}/places#grid-{grid}"))),
        Err(e) => again(&state, &ctx, &me, community, &grid.to_string(), e).await,
    }
}

/// Ticked workers arrive as repeated `worker` fields.
#[derive(Default)]
pub struct WorkersForm {
    worker: Vec<String>,
}

impl<'de> Deserialize<'de> for WorkersForm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(String, String)> = Vec::deserialize(d)?;
        Ok(WorkersForm { worker: pairs.into_iter().filter(|(k, _)| k == "worker").map(|(_, v)| v).collect() })
    }
}

pub async fn set_workers(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((code, id)): Path<(String, String)>,
    Form(f): Form<WorkersForm>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let grid = id_param(&id)?;
    let workers: Vec<Uuid> = f.worker.iter().filter_map(|w| Uuid::parse_str(w).ok()).collect();
    match state.store.acting(&me.actor).set_grid_workers(grid, &workers).await {
        Ok(g) => Ok(done(jar, &ctx, "flash.saved", &format!("/register/{}/places#grid-{grid}", g.community_code))),
        Err(e) => again(&state, &ctx, &me, community, &grid.to_string(), e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BuildingForm {
    name: String,
    address: String,
    grid: String,
}

impl BuildingForm {
    fn grid(&self) -> Option<Uuid> {
        Uuid::parse_str(&self.grid).ok()
    }
}

pub async fn create_building(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<BuildingForm>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    match state.store.acting(&me.actor).save_building(community, None, &f.name, &f.address, f.grid()).await {
        Ok(b) => Ok(done(jar, &ctx, "flash.saved", &format!("/buildings/{}", b.id))),
        Err(e) => again(&state, &ctx, &me, community, "building", e).await,
    }
}

pub async fn save_building(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((code, id)): Path<(String, String)>,
    Form(f): Form<BuildingForm>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let id = id_param(&id)?;
    match state.store.acting(&me.actor).save_building(community, Some(id), &f.name, &f.address, f.grid()).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", &format!("/register/{code}/places#building-{id}"))),
        Err(e) => again(&state, &ctx, &me, community, &id.to_string(), e).await,
    }
}
