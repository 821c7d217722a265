//! 点评 and 督办 pages: the comments and follow-ups on the communities under a node, the
//! supervisor's form to add one, the community's answer and the supervisor's verdict; and a
//! community's own complaint time limits.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum_extra::extract::CookieJar;
use linli_domain::oversight::{ComplaintLimits, FOLLOW_UP, NoteInput};
use linli_domain::{Action, Level, Resource};
use linli_store::StoreError;
use linli_store::acting::display_name;
use linli_store::oversight::{Note, NoteMove};
use serde::Deserialize;

use super::super::window::{due_day, when};
use crate::api::{code_param, id_param};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

const PER_PAGE: i64 = 20;

pub struct NoteView {
    pub n: Note,
    pub state: String,
    pub created: String,
    pub due: String,
    pub author: String,
    /// (action, label, needs a reason) open to the viewer.
    pub moves: Vec<(&'static str, &'static str, bool)>,
    /// (when, step, by, text).
    pub steps: Vec<(String, &'static str, String, String)>,
}

fn view(lang: Lang, n: Note) -> NoteView {
    // The store says which steps are the viewer's; the flow says which need a reason.
    let moves = n
        .moves
        .iter()
        .map(|a| {
            let needs = FOLLOW_UP.moves.iter().any(|m| m.action == *a && m.needs_reason);
            (*a, i18n::t(lang, &format!("follow_up.action.{a}")), needs)
        })
        .collect();
    NoteView {
        state: match &n.state {
            Some(s) => i18n::t(lang, &format!("follow_up.state.{s}")).to_owned(),
            None => i18n::t(lang, "follow_up.comment").to_owned(),
        },
        created: when(Some(n.created_at)),
        due: due_day(n.due_at),
        author: display_name(&n.author_name).to_owned(),
        steps: n
            .history
            .iter()
            .map(|e| {
                (
                    when(Some(e.at)),
                    i18n::t(lang, &format!("follow_up.action.{}", e.action)),
                    display_name(&e.actor_name).to_owned(),
                    e.text.clone(),
                )
            })
            .collect(),
        moves,
        n,
    }
}

#[derive(Template)]
#[template(path = "oversight/notes.html")]
struct ListPage {
    page: PageCtx,
    code: String,
    name: String,
    community: bool,
    notes: Vec<NoteView>,
    open_only: bool,
    total: i64,
    prev: Option<i64>,
    next: Option<i64>,
    can_add: bool,
    f: NoteInput,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    open: String,
    page: i64,
}

#[allow(clippy::too_many_arguments)]
async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    code: &str,
    q: &ListQuery,
    f: NoteInput,
    errors: FormErrors,
) -> Result<ListPage, AppError> {
    let node = code_param(code)?;
    let n = state.store.node(node).await.map_err(|_| AppError::NotFound)?;
    let page = q.page.max(0);
    let open_only = q.open == "1";
    let (notes, total) = state.store.acting(&me.actor).notes(node, open_only, PER_PAGE, page * PER_PAGE).await?;
    let community = n.level == Level::Community;
    Ok(ListPage {
        page: PageCtx::new(ctx, "follow_up.title"),
        code: node.to_string(),
        name: n.name,
        can_add: community
            && me.actor.principal.check(Resource::FollowUp, Action::Create, &node).is_ok()
            && me.actor.principal.node != Some(node),
        community,
        notes: notes.into_iter().map(|x| view(ctx.lang, x)).collect(),
        open_only,
        total,
        prev: (page > 0).then(|| page - 1),
        next: ((page + 1) * PER_PAGE < total).then_some(page + 1),
        f,
        errors,
    })
}

/// `/follow-ups/{node}`: comments and follow-ups on a community, or on every community under a
/// street or district.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let f = NoteInput { kind: "follow_up".into(), ..NoteInput::default() };
    render(&list_page(&state, &ctx, &me, &code, &q, f, FormErrors::default()).await?)
}

pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<NoteInput>,
) -> Result<Response, AppError> {
    let node = code_param(&code)?;
    match state.store.acting(&me.actor).add_note(node, &f).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.note_added", &format!("/follow-ups/{node}"))),
        Err(e @ StoreError::Invalid(_)) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            let page = list_page(&state, &ctx, &me, &code, &ListQuery::default(), f, errors).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    action: String,
    reason: String,
    version: String,
    /// The list the form was on, to go back to.
    back: String,
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
    let acting = state.store.acting(&me.actor);
    // The list the form came from; the note's own community when the form did not say.
    let back = match code_param(&f.back) {
        Ok(c) => c.to_string(),
        Err(_) => acting.note(id).await?.community_code,
    };
    let m = NoteMove { action: f.action, reason: f.reason, version: f.version.trim().parse().ok() };
    match acting.move_note(id, &m).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.request_moved", &format!("/follow-ups/{back}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            let page = list_page(&state, &ctx, &me, &back, &ListQuery::default(), NoteInput::default(), errors).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "oversight/limits.html")]
struct LimitsPage {
    page: PageCtx,
    code: String,
    name: String,
    reply_days: String,
    verdict_days: String,
    escalated_days: String,
    can_edit: bool,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LimitsForm {
    reply_days: String,
    verdict_days: String,
    escalated_days: String,
}

async fn limits_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    code: &str,
    sent: Option<LimitsForm>,
    errors: FormErrors,
) -> Result<LimitsPage, AppError> {
    let (community, name) = super::super::window::desk::community(state, code).await?;
    let l = state.store.acting(&me.actor).complaint_limits(community).await?;
    let f = sent.unwrap_or(LimitsForm {
        reply_days: l.reply_days.to_string(),
        verdict_days: l.verdict_days.to_string(),
        escalated_days: l.escalated_days.to_string(),
    });
    Ok(LimitsPage {
        page: PageCtx::new(ctx, "complaint.limits_title"),
        code: community.to_string(),
        name,
        reply_days: f.reply_days,
        verdict_days: f.verdict_days,
        escalated_days: f.escalated_days,
        can_edit: me.actor.principal.check(Resource::Community, Action::Update, &community).is_ok(),
        errors,
    })
}

/// `/complaints/limits/{code}`: the community's complaint time limits.
pub async fn limits_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    render(&limits_page(&state, &ctx, &me, &code, None, FormErrors::default()).await?)
}

pub async fn set_limits(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<LimitsForm>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let result = match ComplaintLimits::parse(&f.reply_days, &f.verdict_days, &f.escalated_days) {
        Ok(l) => state.store.acting(&me.actor).set_complaint_limits(community, l).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/complaints/limits/{community}"))),
        Err(e @ StoreError::Invalid(_)) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &limits_page(&state, &ctx, &me, &code, Some(f), errors).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
