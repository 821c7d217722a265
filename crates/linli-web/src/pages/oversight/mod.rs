//! 监督评价 pages: rating a finished request (from its page, or by the code on the completion
//! notice without an account), and the rectifications bad ratings open.

pub mod complaints;
pub mod ledgers;
pub mod notes;
pub mod surveys;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum_extra::extract::CookieJar;
use linli_domain::oversight::Level;
use linli_store::StoreError;
use linli_store::acting::display_name;
use linli_store::oversight::{RatingInput, RectificationDetail, Span};
use linli_store::window::MoveInput;
use serde::Deserialize;

use super::window::desk::community;
use super::window::{due_day, when};
use crate::api::id_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

/// The five levels as radio buttons: (code, label).
pub fn levels(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Level::ALL.iter().map(|l| (l.as_str(), i18n::t(lang, &format!("rating.level.{}", l.as_str())))).collect()
}

pub fn level_word(lang: Lang, code: &str) -> String {
    let key = format!("rating.level.{code}");
    if i18n::has(&key) { i18n::t(lang, &key).to_owned() } else { code.to_owned() }
}

/// `POST /requests/{id}/rating`: the applicant rates, or staff record what the resident said.
pub async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<RatingInput>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    match state.store.acting(&me.actor).rate(id, &f).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.rated", &format!("/requests/{id}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let page = Message {
                page: PageCtx::new(&ctx, "rating.failed"),
                messages: FormErrors::from_error(&AppError::from(e), ctx.lang).all().map(str::to_owned).collect(),
                back: format!("/requests/{id}"),
            };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "window/problem.html")]
struct Message {
    page: PageCtx,
    messages: Vec<String>,
    back: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

#[derive(Template)]
#[template(path = "oversight/rate.html")]
struct RatePage {
    page: PageCtx,
    code: String,
    target: Option<linli_store::oversight::RatingTarget>,
    not_found: bool,
    levels: Vec<(&'static str, &'static str)>,
    thanks: bool,
    errors: FormErrors,
}

/// `/rate?code=…`: the public rating page for the code on a completion notice.
pub async fn rate_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    let code = q.code.trim().to_owned();
    let (target, not_found) = if code.is_empty() {
        (None, false)
    } else {
        state.limits.lookup(ctx.ip.as_deref(), &code)?;
        match state.store.rating_target(&code).await {
            Ok(t) => (Some(t), false),
            Err(StoreError::NotFound(_)) => (None, true),
            Err(e) => return Err(e.into()),
        }
    };
    let status = if not_found { StatusCode::NOT_FOUND } else { StatusCode::OK };
    let page = RatePage {
        page: PageCtx::new(&ctx, "rating.title"),
        code,
        target,
        not_found,
        levels: levels(ctx.lang),
        thanks: false,
        errors: FormErrors::default(),
    };
    render_with(status, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeRating {
    code: String,
    level: String,
    comment: String,
}

pub async fn rate_by_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CodeRating>,
) -> Result<Response, AppError> {
    state.limits.lookup(ctx.ip.as_deref(), &f.code)?;
    let input = RatingInput { level: f.level.clone(), comment: f.comment.clone() };
    let (thanks, errors, status) = match state.store.rate_by_code(&f.code, &input).await {
        Ok(_) => (true, FormErrors::default(), StatusCode::OK),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            (false, FormErrors::from_error(&AppError::from(e), ctx.lang), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(StoreError::NotFound(_)) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let target = state.store.rating_target(&f.code).await.ok();
    let page = RatePage {
        page: PageCtx::new(&ctx, "rating.title"),
        code: f.code,
        target,
        not_found: false,
        levels: levels(ctx.lang),
        thanks,
        errors,
    };
    render_with(status, &page)
}

pub struct RectLine {
    pub id: String,
    pub number: String,
    pub title: String,
    pub state: String,
    pub level: String,
    pub due: String,
    pub owner: String,
}

#[derive(Template)]
#[template(path = "oversight/rectifications.html")]
struct ListPage {
    page: PageCtx,
    code: String,
    name: String,
    lines: Vec<RectLine>,
    all: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    all: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let (community, name) = community(&state, &code).await?;
    let all = q.all == "1";
    let rows = state.store.acting(&me.actor).rectifications(community, !all).await?;
    let page = ListPage {
        page: PageCtx::new(&ctx, "rectification.list_title"),
        code: community.to_string(),
        name,
        lines: rows
            .into_iter()
            .map(|r| RectLine {
                id: r.id.to_string(),
                number: r.number,
                title: r.title,
                state: i18n::t(ctx.lang, &format!("rectification.state.{}", r.state)).to_owned(),
                level: level_word(ctx.lang, &r.level),
                due: due_day(r.due_at),
                owner: display_name(&r.owner_name).to_owned(),
            })
            .collect(),
        all,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "oversight/rectification.html")]
struct DetailPage {
    page: PageCtx,
    d: RectificationDetail,
    state: String,
    level: String,
    due: String,
    steps: Vec<(String, String, String, String)>,
    moves: Vec<(&'static str, String)>,
    staff: Vec<(String, String)>,
    errors: FormErrors,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    id: uuid::Uuid,
    errors: FormErrors,
) -> Result<DetailPage, AppError> {
    let acting = state.store.acting(&me.actor);
    let d = acting.rectification(id).await?;
    let staff = if d.moves.contains(&"hand_over") {
        crate::pages::window::colleagues(&acting, &d.work.community_code, d.work.owner_id).await?
    } else {
        Vec::new()
    };
    Ok(DetailPage {
        staff,
        page: PageCtx::new(ctx, "rectification.title"),
        state: i18n::t(ctx.lang, &format!("rectification.state.{}", d.work.state)).to_owned(),
        level: level_word(ctx.lang, &d.rating.level),
        due: due_day(d.work.due_at),
        steps: d
            .history
            .iter()
            .map(|e| {
                (
                    when(Some(e.at)),
                    i18n::t(ctx.lang, &format!("rectification.action.{}", e.action)).to_owned(),
                    display_name(&e.actor_name).to_owned(),
                    e.reason.clone(),
                )
            })
            .collect(),
        moves: d
            .moves
            .iter()
            .map(|a| (*a, i18n::t(ctx.lang, &format!("rectification.action.{a}")).to_owned()))
            .collect(),
        errors,
        d,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    render(&detail_page(&state, &ctx, &me, id_param(&id)?, FormErrors::default()).await?)
}

/// A step as posted by a rectification's or a complaint's page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    action: String,
    reason: String,
    version: String,
    to_user: String,
}

impl MoveForm {
    pub fn input(self) -> MoveInput {
        MoveInput {
            action: self.action,
            reason: self.reason,
            version: self.version.trim().parse().ok(),
            to_user: self.to_user,
            ..MoveInput::default()
        }
    }
}

pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    match state.store.acting(&me.actor).move_rectification(id, &f.input()).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.request_moved", &format!("/rectifications/{id}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &detail_page(&state, &ctx, &me, id, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// One month's column of the dashboard chart: (label, received bar, finished bar) in SVG units.
pub struct Bar {
    pub label: String,
    pub x: u32,
    pub received_h: u32,
    pub finished_h: u32,
    pub received: i64,
    pub finished: i64,
}

#[derive(Template)]
#[template(path = "oversight/figures.html")]
struct FiguresPage {
    page: PageCtx,
    code: String,
    name: String,
    months: Vec<linli_store::oversight::MonthFigures>,
    bars: Vec<Bar>,
    chart_w: u32,
    weekly: bool,
    open_notes: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FiguresQuery {
    /// `week` for the last twelve weeks.
    by: String,
}

/// Open follow-ups on `node` the viewer may see (none shown when they may not).
async fn open_follow_ups(state: &AppState, me: &Me, node: linli_domain::DivisionCode) -> i64 {
    state.store.acting(&me.actor).open_note_count(node).await.unwrap_or(0)
}

const CHART_H: u32 = 160;

/// `/oversight/{code}`: the community's service figures for the last twelve months.
pub async fn figures(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<FiguresQuery>,
) -> Result<Html<String>, AppError> {
    let (community, name) = community(&state, &code).await?;
    let weekly = q.by == "week";
    let span = if weekly { Span::Weeks(12) } else { Span::Months(12) };
    let months = state.store.acting(&me.actor).figures_by(community, span).await?;
    let max = months.iter().map(|m| m.received.max(m.finished)).max().unwrap_or(0).max(1);
    let scale = |n: i64| ((n.max(0) as f64 / max as f64) * f64::from(CHART_H - 30)).round() as u32;
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, m)| Bar {
            label: m.month.get(5..).unwrap_or(&m.month).to_owned(),
            x: 10 + i as u32 * 50,
            received_h: scale(m.received),
            finished_h: scale(m.finished),
            received: m.received,
            finished: m.finished,
        })
        .collect::<Vec<_>>();
    let page = FiguresPage {
        page: PageCtx::new(&ctx, "figures.title"),
        code: community.to_string(),
        name,
        chart_w: 20 + bars.len() as u32 * 50,
        bars,
        months,
        weekly,
        open_notes: open_follow_ups(&state, &me, community).await,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "oversight/disclosure.html")]
struct DisclosurePage {
    page: PageCtx,
    code: String,
    contacts: linli_store::profile::PublicContacts,
    months: Vec<linli_store::oversight::MonthFigures>,
    items: usize,
}

/// `/public/{code}`: 居务公开 — the office, its services and its monthly service figures and
/// satisfaction, with nothing personal; no sign-in.
pub async fn disclosure(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let community = crate::api::code_param(&code)?;
    let contacts = state.store.public_contacts(community).await.map_err(|_| AppError::NotFound)?;
    let months = state.store.public_figures(community).await?;
    let items = state.store.service_guide(community, "").await?.len();
    render(&DisclosurePage {
        page: PageCtx::new(&ctx, "disclosure.title"),
        code: community.to_string(),
        contacts,
        months,
        items,
    })
}

#[derive(Template)]
#[template(path = "oversight/compare.html")]
struct ComparePage {
    page: PageCtx,
    name: String,
    code: String,
    rows: Vec<linli_store::oversight::CommunityFigures>,
    /// (code, bar width) for the on-time chart.
    bars: Vec<(String, String, u32)>,
    open_notes: i64,
}

/// `/oversight/compare/{node}`: a street's or district's communities side by side over the
/// last twelve months, ranked by on-time rate, each linking to its own figures.
pub async fn compare(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let node = crate::api::code_param(&code)?;
    let n = state.store.node(node).await.map_err(|_| AppError::NotFound)?;
    let rows = state.store.acting(&me.actor).compare_communities(node, 12).await?;
    let bars = rows
        .iter()
        .map(|r| (r.code.clone(), r.name.clone(), (r.totals.on_time_rate.unwrap_or(0.0) * 3.0).round() as u32))
        .collect();
    render(&ComparePage {
        page: PageCtx::new(&ctx, "figures.compare_title"),
        name: n.name,
        code: node.to_string(),
        rows,
        bars,
        open_notes: open_follow_ups(&state, &me, node).await,
    })
}

/// `/oversight`: the figures of the user's own community, or the comparison of those below.
pub async fn start(me: Me) -> Result<Response, AppError> {
    use axum::response::{IntoResponse, Redirect};
    if !me.actor.principal.may(linli_domain::Resource::Oversight, linli_domain::Action::Read) {
        return Err(AppError::Forbidden);
    }
    let node = me.actor.principal.node.ok_or(AppError::NotFound)?;
    let to = if node.level() == linli_domain::Level::Community {
        format!("/oversight/{node}")
    } else {
        format!("/oversight/compare/{node}")
    };
    Ok(Redirect::to(&to).into_response())
}
