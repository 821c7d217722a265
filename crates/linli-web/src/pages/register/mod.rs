//! 居民台账 pages: search and export, residents and households, buildings and grids,
//! population charts, visit coverage, and workbook imports.

pub mod coverage;
pub mod household;
pub mod import;
pub mod places;
pub mod population;
pub mod resident;
pub mod search;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use linli_domain::register::{DISABILITY_KINDS, ETHNICITIES, Employment, Relation, ResidenceType, Tag};
use linli_domain::{Action, DivisionCode, Level, Resource};

use super::layout::Choice;
use crate::auth::Me;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::state::AppState;

/// The community pages of the register share these tabs.
pub struct Tabs {
    pub code: String,
    pub name: String,
    pub current: &'static str,
    pub can_import: bool,
    pub can_places: bool,
}

impl Tabs {
    pub async fn new(state: &AppState, me: &Me, code: DivisionCode, current: &'static str) -> Result<Tabs, AppError> {
        let node = state.store.node(code).await.map_err(|_| AppError::NotFound)?;
        if node.level != Level::Community {
            return Err(AppError::NotFound);
        }
        let p = &me.actor.principal;
        Ok(Tabs {
            code: code.to_string(),
            name: node.name,
            current,
            can_import: p.may(Resource::Register, Action::Create) && p.may(Resource::Register, Action::Update),
            can_places: p.may(Resource::Grid, Action::Read),
        })
    }

    /// (href, label key, is current) of each tab this user may open.
    pub fn items(&self) -> Vec<(String, &'static str, bool)> {
        let mut v = vec![
            (format!("/register/{}", self.code), "register.tab_residents", self.current == "residents"),
            (format!("/register/{}/population", self.code), "register.tab_population", self.current == "population"),
            (format!("/register/{}/coverage", self.code), "register.tab_coverage", self.current == "coverage"),
        ];
        if self.can_places {
            v.push((format!("/register/{}/places", self.code), "register.tab_places", self.current == "places"));
        }
        if self.can_import {
            v.push((format!("/register/{}/import", self.code), "register.tab_import", self.current == "import"));
        }
        v
    }
}

/// `/register`: the user's own community, or a choice of the communities below them.
pub async fn start(State(state): State<AppState>, me: Me) -> Result<Response, AppError> {
    if !me.actor.principal.may(Resource::Register, Action::Read) {
        return Err(AppError::Forbidden);
    }
    let node = me.actor.principal.node.ok_or(AppError::NotFound)?;
    if node.level() == Level::Community {
        return Ok(Redirect::to(&format!("/register/{node}")).into_response());
    }
    // Above a community: the community list shows where to go.
    let _ = state;
    Ok(Redirect::to("/community").into_response())
}

/// `/grid`: the grid worker's start page is the coverage view of their community.
pub async fn grid_start(me: Me) -> Result<Response, AppError> {
    if !me.actor.principal.may(Resource::Visit, Action::Read) {
        return Err(AppError::Forbidden);
    }
    let node = me.actor.principal.node.ok_or(AppError::NotFound)?;
    if node.level() == Level::Community {
        return Ok(Redirect::to(&format!("/register/{node}/coverage")).into_response());
    }
    Ok(Redirect::to("/community").into_response())
}

/// Options for the vocabularies of a resident form.
pub fn relation_choices(lang: Lang, current: &str) -> Vec<Choice> {
    vocab(lang, "relation", Relation::ALL.iter().map(|r| r.as_str()), current)
}

pub fn residence_choices(lang: Lang, current: &str) -> Vec<Choice> {
    vocab(lang, "residence", ResidenceType::ALL.iter().map(|r| r.as_str()), current)
}

pub fn employment_choices(lang: Lang, current: &str) -> Vec<Choice> {
    vocab(lang, "employment", Employment::ALL.iter().map(|r| r.as_str()), current)
}

pub fn document_choices(lang: Lang, current: &str) -> Vec<Choice> {
    vocab(lang, "document_kind", linli_domain::register::DocumentKind::ALL.iter().map(|r| r.as_str()), current)
}

pub fn gender_choices(lang: Lang, current: &str) -> Vec<Choice> {
    vocab(lang, "gender", ["male", "female"].into_iter(), current)
}

/// Recorded categories as checkboxes: (code, label, checked).
pub fn tag_checks(lang: Lang, chosen: &[String]) -> Vec<Choice> {
    Tag::ALL
        .iter()
        .map(|t| Choice {
            value: t.as_str(),
            label: i18n::t(lang, &format!("tag.{}", t.as_str())),
            selected: chosen.iter().any(|c| c == t.as_str()),
        })
        .collect()
}

pub fn ethnicity_choices(current: &str) -> Vec<Choice> {
    ETHNICITIES.iter().map(|e| Choice { value: e, label: e, selected: *e == current }).collect()
}

pub fn disability_choices(current: &str) -> Vec<Choice> {
    DISABILITY_KINDS.iter().map(|e| Choice { value: e, label: e, selected: *e == current }).collect()
}

fn vocab<'a>(lang: Lang, group: &str, codes: impl Iterator<Item = &'static str> + 'a, current: &str) -> Vec<Choice> {
    codes.map(|c| Choice { value: c, label: i18n::t(lang, &format!("{group}.{c}")), selected: c == current }).collect()
}

/// A code's name in a vocabulary (`relation.head` → 户主), or the code itself.
pub fn word(lang: Lang, group: &str, code: &str) -> String {
    let key = format!("{group}.{code}");
    if i18n::has(&key) { i18n::t(lang, &key).to_owned() } else { code.to_owned() }
}
