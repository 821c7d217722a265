//! The register's list: one search box read the way people type into it (a name, pinyin or
//! initials, the last digits of an ID or phone, part of an address), filters by category,
//! building, grid and state, sorting, paging, and the same list as a workbook.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use linli_domain::register::Tag;
use linli_domain::{Action, Resource};
use linli_store::register::{Building, Grid, ResidentSummary};
use serde::Deserialize;
use uuid::Uuid;

use super::{Tabs, word};
use crate::api::code_param;
use crate::api::register::ResidentSearch;
use crate::auth::Me;
use crate::context::Ctx;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::pages::layout::{Choice, PageCtx};
use crate::pages::render;
use crate::register_sheet::tag_label;
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub tag: String,
    pub building: String,
    pub grid: String,
    pub status: String,
    pub sort: String,
    pub offset: i64,
}

impl ListQuery {
    /// The API's search from the page's text fields (an unknown id filters nothing).
    pub fn search(&self) -> ResidentSearch {
        ResidentSearch {
            q: Some(self.q.clone()).filter(|s| !s.trim().is_empty()),
            tag: Some(self.tag.clone()).filter(|s| !s.is_empty()),
            building: Uuid::parse_str(&self.building).ok(),
            grid: Uuid::parse_str(&self.grid).ok(),
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            sort: Some(self.sort.clone()).filter(|s| !s.is_empty()),
            limit: None,
            offset: None,
        }
    }

    /// The query string without `offset`, for pager and export links.
    pub fn base(&self) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("tag", self.tag.as_str()),
            ("building", self.building.as_str()),
            ("grid", self.grid.as_str()),
            ("status", self.status.as_str()),
            ("sort", self.sort.as_str()),
        ])
        .unwrap_or_default()
    }
}

pub struct Row {
    pub id: String,
    pub household_id: String,
    pub name: String,
    pub gender: String,
    pub age: i32,
    pub address: String,
    pub relation: String,
    pub document: String,
    pub phone: String,
    pub tags: Vec<String>,
    pub status: String,
    pub active: bool,
}

impl Row {
    pub fn new(lang: Lang, r: &ResidentSummary) -> Row {
        Row {
            id: r.id.to_string(),
            household_id: r.household_id.to_string(),
            name: r.name.clone(),
            gender: word(lang, "gender", &r.gender),
            age: r.age,
            address: r.address.clone(),
            relation: word(lang, "relation", &r.relation),
            document: r.document_masked.clone(),
            phone: r.phone_masked.clone().unwrap_or_default(),
            tags: r.tags.iter().map(|t| tag_label(lang, t)).collect(),
            status: word(lang, "resident_status", &r.status),
            active: r.status == "active",
        }
    }
}

/// (value, label, selected) options built at run time.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "register/residents.html")]
struct ListPage {
    page: PageCtx,
    tabs: Tabs,
    rows: Vec<Row>,
    q: ListQuery,
    tags: Vec<Opt>,
    buildings: Vec<Opt>,
    grids: Vec<Opt>,
    statuses: Vec<Choice>,
    sorts: Vec<Choice>,
    total: i64,
    offset: i64,
    base: String,
    can_export: bool,
    error: Option<String>,
}

impl ListPage {
    fn prev(&self) -> Option<i64> {
        (self.offset > 0).then(|| (self.offset - PAGE_SIZE).max(0))
    }
    fn next(&self) -> Option<i64> {
        (self.offset + PAGE_SIZE < self.total).then_some(self.offset + PAGE_SIZE)
    }
    fn showing(&self) -> String {
        let from = if self.total == 0 { 0 } else { self.offset + 1 };
        let to = (self.offset + PAGE_SIZE).min(self.total);
        i18n::tf(
            self.page.lang,
            "common.showing",
            &[("from", from.to_string()), ("to", to.to_string()), ("total", self.total.to_string())],
        )
    }
}

/// Category filter options: derived ages, recorded categories, and the community's own tags
/// in use.
pub fn tag_options(lang: Lang, current: &str, own: &[String]) -> Vec<Opt> {
    ["elderly_60", "elderly_80", "minor"]
        .into_iter()
        .chain(Tag::ALL.iter().map(|t| t.as_str()))
        .map(|t| Opt { value: t.to_owned(), label: tag_label(lang, t), selected: t == current })
        .chain(own.iter().map(|t| Opt { value: t.clone(), label: tag_label(lang, t), selected: t == current }))
        .collect()
}

pub fn building_options(buildings: &[Building], current: &str) -> Vec<Opt> {
    buildings
        .iter()
        .filter(|b| !b.retired)
        .map(|b| Opt { value: b.id.to_string(), label: b.name.clone(), selected: b.id.to_string() == current })
        .collect()
}

pub fn grid_options(grids: &[Grid], current: &str) -> Vec<Opt> {
    grids
        .iter()
        .filter(|g| !g.retired)
        .map(|g| Opt {
            value: g.id.to_string(),
            label: format!("{} {}", g.code, g.name),
            selected: g.id.to_string() == current,
        })
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let community = code_param(&code)?;
    let acting = state.store.acting(&me.actor);
    let offset = q.offset.max(0);
    // A bad sort or state shows the list unfiltered with the message, not an error page.
    let (result, error) = match q.search().query(community, PAGE_SIZE, offset) {
        Ok(query) => (acting.residents(&query).await?, None),
        Err(e) => {
            let msg = e.field_errors(ctx.lang).into_iter().map(|m| m.message).collect::<Vec<_>>().join("；");
            let fallback = ResidentSearch::default().query(community, PAGE_SIZE, 0)?;
            (acting.residents(&fallback).await?, Some(msg))
        }
    };
    let buildings = acting.buildings(community).await?;
    let grids = acting.grids(community).await.unwrap_or_default();
    let own: Vec<String> = acting
        .population(community)
        .await?
        .categories
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| t.starts_with("custom:"))
        .collect();
    let lang = ctx.lang;
    let statuses = crate::pages::layout::choices(
        &[
            ("active", i18n::t(lang, "resident_status.active")),
            ("moved_out", i18n::t(lang, "resident_status.moved_out")),
            ("deceased", i18n::t(lang, "resident_status.deceased")),
            ("all", i18n::t(lang, "resident_status.all")),
        ],
        &q.status,
    );
    let sorts = crate::pages::layout::choices(
        &[
            ("address", i18n::t(lang, "register.sort_address")),
            ("name", i18n::t(lang, "register.sort_name")),
            ("age", i18n::t(lang, "register.sort_age")),
        ],
        &q.sort,
    );
    let (residents, total) = result;
    let page = ListPage {
        page: PageCtx::new(&ctx, "register.title"),
        tabs: Tabs::new(&state, &me, community, "residents").await?,
        rows: residents.iter().map(|r| Row::new(lang, r)).collect(),
        tags: tag_options(lang, &q.tag, &own),
        buildings: building_options(&buildings, &q.building),
        grids: grid_options(&grids, &q.grid),
        statuses,
        sorts,
        total,
        offset,
        base: q.base(),
        can_export: me.actor.principal.may(Resource::Register, Action::Export),
        q,
        error,
    };
    render(&page)
}

/// The filtered list as .xlsx; exporting needs the password entered recently.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    me.require_recent_auth()?;
    crate::api::register_files::export_workbook(&state, &me.actor, community, &q.search(), ctx.lang).await
}
