//! 走访覆盖: who is due for a visit — vulnerable residents past the community's interval,
//! then households not visited within N days — optionally for one grid, each with a link
//! straight to the visit form (the grid worker's start page).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use linli_domain::{Action, Resource};
use linli_store::register::CoverageRow;
use serde::Deserialize;

use super::Tabs;
use super::search::{Opt, grid_options};
use crate::api::code_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::error::AppError;
use crate::pages::layout::PageCtx;
use crate::pages::render;
use crate::register_sheet::tag_label;
use crate::state::AppState;

/// Households listed at most (the list is worked through, not read whole).
const LIMIT: i64 = 300;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CoverageQuery {
    days: Option<i64>,
    grid: String,
}

pub struct Line {
    pub household_id: String,
    pub address: String,
    pub grid: String,
    pub who: Option<(String, String)>,
    pub why: String,
    pub last_visit: String,
    pub days_since: Option<i64>,
}

fn line(lang: crate::i18n::Lang, r: CoverageRow) -> Line {
    Line {
        household_id: r.household_id.to_string(),
        address: r.address,
        grid: r.grid_name.unwrap_or_default(),
        why: r
            .resident
            .as_ref()
            .map(|(_, _, tags)| tags.iter().map(|t| tag_label(lang, t)).collect::<Vec<_>>().join("、"))
            .unwrap_or_default(),
        who: r.resident.map(|(id, name, _)| (id.to_string(), name)),
        last_visit: r.last_visit.map(|d| d.to_string()).unwrap_or_default(),
        days_since: r.days_since,
    }
}

#[derive(Template)]
#[template(path = "register/coverage.html")]
struct CoveragePage {
    page: PageCtx,
    tabs: Tabs,
    days: i64,
    interval: i64,
    grids: Vec<Opt>,
    vulnerable: Vec<Line>,
    households: Vec<Line>,
    truncated: bool,
    can_visit: bool,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<CoverageQuery>,
) -> Result<Html<String>, AppError> {
    let community = code_param(&code)?;
    let acting = state.store.acting(&me.actor);
    let days = q.days.unwrap_or(90).clamp(1, 366);
    let grids = acting.grids(community).await?;
    let grid_name = grids.iter().find(|g| g.id.to_string() == q.grid).map(|g| g.name.clone());
    let in_grid = |r: &CoverageRow| grid_name.as_ref().is_none_or(|g| r.grid_name.as_ref() == Some(g));
    let (interval, due) = acting.vulnerable_due(community).await?;
    // Fetched wide, then narrowed to the grid: the store lists the whole community.
    let all =
        acting.unvisited_households(community, days, if grid_name.is_some() { 20 * LIMIT } else { LIMIT + 1 }).await?;
    let mut households: Vec<Line> = all.into_iter().filter(|r| in_grid(r)).map(|r| line(ctx.lang, r)).collect();
    let truncated = households.len() as i64 > LIMIT;
    households.truncate(LIMIT as usize);
    let page = CoveragePage {
        page: PageCtx::new(&ctx, "register.coverage_title"),
        tabs: Tabs::new(&state, &me, community, "coverage").await?,
        days,
        interval,
        grids: grid_options(&grids, &q.grid),
        vulnerable: due.into_iter().filter(|r| in_grid(r)).map(|r| line(ctx.lang, r)).collect(),
        households,
        truncated,
        can_visit: me.actor.principal.may(Resource::Visit, Action::Create),
    };
    render(&page)
}
