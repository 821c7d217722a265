//! 人口结构: the age pyramid and the category counts of a community, drawn as inline SVG on
//! the server (no script, prints as drawn), each with its numbers as a table beside it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;

use super::Tabs;
use crate::api::code_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::error::AppError;
use crate::pages::layout::PageCtx;
use crate::pages::render;
use crate::register_sheet::tag_label;
use crate::state::AppState;

/// Chart geometry, in SVG user units.
const WIDTH: f64 = 640.0;
const ROW: f64 = 20.0;
const LABEL: f64 = 70.0;

/// One five-year band of the pyramid, with its bars already placed.
pub struct Band {
    pub label: String,
    pub men: i64,
    pub women: i64,
    pub y: f64,
    pub men_x: f64,
    pub men_w: f64,
    pub women_w: f64,
}

pub struct CategoryBar {
    pub code: String,
    pub label: String,
    pub count: i64,
    pub y: f64,
    pub w: f64,
}

#[derive(Template)]
#[template(path = "register/population.html")]
struct PopulationPage {
    page: PageCtx,
    tabs: Tabs,
    residents: i64,
    households: i64,
    bands: Vec<Band>,
    categories: Vec<CategoryBar>,
    pyramid_height: f64,
    bars_height: f64,
    /// The x of the pyramid's axis.
    mid: f64,
    half: f64,
    label_w: f64,
    width: f64,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let community = code_param(&code)?;
    let p = state.store.acting(&me.actor).population(community).await?;
    let half = (WIDTH - LABEL) / 2.0;
    let mid = LABEL + half;
    let widest = p.bands.iter().map(|(m, w)| (*m).max(*w)).max().unwrap_or(0).max(1) as f64;
    let n = p.bands.len();
    // The oldest band on top, as pyramids are read.
    let bands = p
        .bands
        .iter()
        .enumerate()
        .rev()
        .enumerate()
        .map(|(row, (i, (men, women)))| {
            let men_w = *men as f64 / widest * (half - 4.0);
            Band {
                label: if i + 1 == n { format!("{}+", i * 5) } else { format!("{}–{}", i * 5, i * 5 + 4) },
                men: *men,
                women: *women,
                y: row as f64 * ROW,
                men_x: mid - men_w,
                men_w,
                women_w: *women as f64 / widest * (half - 4.0),
            }
        })
        .collect::<Vec<_>>();
    let most = p.categories.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let bar_room = WIDTH - 160.0 - 60.0;
    let categories: Vec<CategoryBar> = p
        .categories
        .iter()
        .enumerate()
        .map(|(i, (code, count))| CategoryBar {
            code: code.clone(),
            label: tag_label(ctx.lang, code),
            count: *count,
            y: i as f64 * ROW,
            w: *count as f64 / most * bar_room,
        })
        .collect();
    let page = PopulationPage {
        page: PageCtx::new(&ctx, "register.population_title"),
        tabs: Tabs::new(&state, &me, community, "population").await?,
        residents: p.residents,
        households: p.households,
        pyramid_height: bands.len() as f64 * ROW + 24.0,
        bars_height: categories.len() as f64 * ROW + 4.0,
        bands,
        categories,
        mid,
        half,
        label_w: LABEL,
        width: WIDTH,
    };
    render(&page)
}
