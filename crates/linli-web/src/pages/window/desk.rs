//! The window's desk: today's figures and the queue, and taking a request (choose the item,
//! then its form with the materials checklist).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum_extra::extract::CookieJar;
use linli_domain::window::Category;
use linli_domain::window::request::{RequestInput, Source};
use linli_domain::{Action, DivisionCode, Level, Resource};
use linli_store::StoreError;
use linli_store::acting::display_name;
use linli_store::window::{QueueQuery, QueueRow, ServiceItem, WindowSummary};
use serde::Deserialize;

use super::{due_day, when, word};
use crate::api::{code_param, id_param};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

const PAGE: i64 = 30;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    state: String,
    mine: String,
    q: String,
    page: Option<i64>,
}

pub struct Line {
    pub id: String,
    pub number: String,
    pub state: String,
    pub state_code: String,
    pub item: String,
    pub applicant: String,
    pub owner: String,
    pub source: String,
    pub created: String,
    pub due: String,
    pub urgency: &'static str,
    pub urgency_label: String,
}

pub fn line(lang: Lang, r: QueueRow) -> Line {
    let urgency = r.urgency.map_or("", |u| u.as_str());
    Line {
        id: r.id.to_string(),
        number: r.number,
        state: word(lang, "state", &r.state),
        state_code: r.state,
        item: r.item_name,
        applicant: r.applicant_name,
        owner: display_name(&r.owner_name).to_owned(),
        source: word(lang, "source", &r.source),
        created: when(Some(r.created_at)),
        due: due_day(r.due_at),
        urgency,
        urgency_label: if urgency.is_empty() { String::new() } else { word(lang, "urgency", urgency) },
    }
}

#[derive(Template)]
#[template(path = "window/desk.html")]
struct DeskPage {
    page: PageCtx,
    code: String,
    name: String,
    summary: WindowSummary,
    lines: Vec<Line>,
    total: i64,
    q: DeskQuery,
    states: Vec<(String, String, bool)>,
    prev: Option<String>,
    next: Option<String>,
    can_take: bool,
}

/// The community a window page is about (404 for a street or an unknown code).
pub async fn community(state: &AppState, code: &str) -> Result<(DivisionCode, String), AppError> {
    let community = code_param(code)?;
    let node = state.store.node(community).await.map_err(|_| AppError::NotFound)?;
    if node.level != Level::Community {
        return Err(AppError::NotFound);
    }
    Ok((community, node.name))
}

fn link(code: &str, q: &DeskQuery, page: i64) -> String {
    let query = serde_urlencoded::to_string([
        ("state", q.state.as_str()),
        ("mine", q.mine.as_str()),
        ("q", q.q.as_str()),
        ("page", &page.to_string()),
    ])
    .unwrap_or_default();
    format!("/window/{code}?{query}")
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<DeskQuery>,
) -> Result<Html<String>, AppError> {
    let (community, name) = community(&state, &code).await?;
    let acting = state.store.acting(&me.actor);
    let summary = acting.window_summary(community).await?;
    let page_no = q.page.unwrap_or(1).max(1);
    let query = QueueQuery {
        state: q.state.clone(),
        mine: q.mine == "1",
        q: q.q.clone(),
        limit: PAGE,
        offset: (page_no - 1) * PAGE,
    };
    let (rows, total) = acting.window_queue(community, &query).await?;
    let mut states = vec![
        ("open".to_owned(), ctx.t("window.filter_open").to_owned(), q.state.is_empty() || q.state == "open"),
        ("all".to_owned(), ctx.t("window.filter_all").to_owned(), q.state == "all"),
    ];
    for s in linli_domain::window::SERVICE_REQUEST.states {
        states.push((s.name.to_owned(), word(ctx.lang, "state", s.name), q.state == s.name));
    }
    let page = DeskPage {
        page: PageCtx::new(&ctx, "window.desk_title"),
        prev: (page_no > 1).then(|| link(&code, &q, page_no - 1)),
        next: (page_no * PAGE < total).then(|| link(&code, &q, page_no + 1)),
        code: community.to_string(),
        name,
        summary,
        lines: rows.into_iter().map(|r| line(ctx.lang, r)).collect(),
        total,
        q,
        states,
        can_take: me.actor.principal.may(Resource::ServiceRequest, Action::Create),
    };
    render(&page)
}

pub struct ItemChoice {
    pub id: String,
    pub code: String,
    pub name: String,
    pub days: u32,
    pub window: String,
}

#[derive(Template)]
#[template(path = "window/pick.html")]
struct PickPage {
    page: PageCtx,
    code: String,
    name: String,
    q: String,
    groups: Vec<(String, Vec<ItemChoice>)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PickQuery {
    q: String,
}

/// Items grouped by the standard's four categories, in force today.
pub fn grouped(lang: Lang, items: Vec<ServiceItem>, q: &str) -> Vec<(String, Vec<ItemChoice>)> {
    let q = q.trim().to_lowercase();
    let today = linli_store::today();
    Category::ALL
        .iter()
        .map(|c| {
            let list: Vec<ItemChoice> = items
                .iter()
                .filter(|i| i.category == *c && i.adopted && i.in_force(today))
                .filter(|i| {
                    q.is_empty() || i.name.contains(&q) || i.code.to_lowercase().contains(&q) || {
                        let (p, ini) = linli_domain::register::pinyin_of(&i.name);
                        p.contains(&q) || ini.contains(&q)
                    }
                })
                .map(|i| ItemChoice {
                    id: i.id.to_string(),
                    code: i.code.clone(),
                    name: i.name.clone(),
                    days: i.time_limit_days,
                    window: i.service_window.clone(),
                })
                .collect();
            (word(lang, "category", c.as_str()), list)
        })
        .filter(|(_, l)| !l.is_empty())
        .collect()
}

pub async fn pick(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<PickQuery>,
) -> Result<Html<String>, AppError> {
    let (community, name) = community(&state, &code).await?;
    if !me.actor.principal.may(Resource::ServiceRequest, Action::Create) {
        return Err(AppError::Forbidden);
    }
    let items = state.store.acting(&me.actor).catalogue(community).await?;
    let page = PickPage {
        page: PageCtx::new(&ctx, "window.pick_title"),
        code: community.to_string(),
        name,
        groups: grouped(ctx.lang, items, &q.q),
        q: q.q,
    };
    render(&page)
}

/// The intake form as posted: the request's own fields plus `f1` … and `received`.
#[derive(Debug, Default, Clone)]
pub struct IntakeForm {
    pub applicant_name: String,
    pub applicant_phone: String,
    pub address: String,
    pub description: String,
    pub mode: String,
    pub source: String,
    /// The item's fields by key, and `received.N` for each material handed in.
    pub rest: std::collections::BTreeMap<String, String>,
}

impl IntakeForm {
    /// Parses the posted pairs (`received` repeats, one per checked material).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = IntakeForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "applicant_name" => f.applicant_name = v.clone(),
                "applicant_phone" => f.applicant_phone = v.clone(),
                "address" => f.address = v.clone(),
                "description" => f.description = v.clone(),
                "mode" => f.mode = v.clone(),
                "source" => f.source = v.clone(),
                "received" => {
                    let n = f.rest.keys().filter(|k| k.starts_with("received.")).count();
                    f.rest.insert(format!("received.{n}"), v.clone());
                }
                k if k.starts_with('f') && k[1..].chars().all(|c| c.is_ascii_digit()) => {
                    f.rest.insert(k.to_owned(), v.clone());
                }
                _ => {}
            }
        }
        f
    }

    pub fn input(&self) -> RequestInput {
        RequestInput {
            applicant_name: self.applicant_name.clone(),
            applicant_phone: self.applicant_phone.clone(),
            address: self.address.clone(),
            description: self.description.clone(),
            mode: self.mode.clone(),
            fields: self
                .rest
                .iter()
                .filter(|(k, _)| !k.starts_with("received."))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            received: self.rest.iter().filter(|(k, _)| k.starts_with("received.")).map(|(_, v)| v.clone()).collect(),
        }
    }

    pub fn value(&self, key: &str) -> &str {
        self.rest.get(key).map_or("", String::as_str)
    }

    pub fn received(&self, index: usize) -> bool {
        let i = index.to_string();
        self.rest.iter().any(|(k, v)| k.starts_with("received.") && *v == i)
    }
}

#[derive(Template)]
#[template(path = "window/intake.html")]
pub struct IntakePage {
    pub page: PageCtx,
    pub action: String,
    pub back: String,
    pub item: ServiceItem,
    pub f: IntakeForm,
    pub errors: FormErrors,
    /// Staff see the materials checklist, the mode and the source; residents do not.
    pub staff: bool,
}

impl IntakePage {
    pub fn kind_word(&self, kind: &linli_domain::window::FieldKind) -> &'static str {
        match kind {
            linli_domain::window::FieldKind::Number => "number",
            linli_domain::window::FieldKind::Date => "date",
            _ => "text",
        }
    }

    pub fn field_error(&self, key: &str) -> Option<&str> {
        self.errors.get(&format!("fields.{key}"))
    }
}

pub async fn intake_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path((code, item)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let (community, _) = community(&state, &code).await?;
    if !me.actor.principal.may(Resource::ServiceRequest, Action::Create) {
        return Err(AppError::Forbidden);
    }
    let item = state.store.acting(&me.actor).service_item(community, id_param(&item)?).await?;
    let page = IntakePage {
        page: PageCtx::new(&ctx, "window.intake_title"),
        action: format!("/window/{community}/new/{}", item.id),
        back: format!("/window/{community}/new"),
        item,
        f: IntakeForm::default(),
        errors: FormErrors::default(),
        staff: true,
    };
    render(&page)
}

pub async fn take(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((code, item)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (community, _) = community(&state, &code).await?;
    let item = id_param(&item)?;
    let f = IntakeForm::from_pairs(&pairs);
    let source = if f.source == "phone" { Source::Phone } else { Source::Window };
    let acting = state.store.acting(&me.actor);
    match acting.take_request(community, item, &f.input(), source).await {
        Ok(taken) => {
            let key =
                if taken.state == "awaiting_materials" { "flash.request_materials" } else { "flash.request_taken" };
            Ok(done(jar, &ctx, key, &format!("/requests/{}", taken.id)))
        }
        Err(StoreError::Invalid(inv)) => {
            let item = acting.service_item(community, item).await?;
            let page = IntakePage {
                page: PageCtx::new(&ctx, "window.intake_title"),
                action: format!("/window/{community}/new/{}", item.id),
                back: format!("/window/{community}/new"),
                item,
                errors: FormErrors::from_error(&AppError::Invalid(inv), ctx.lang),
                f,
                staff: true,
            };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
