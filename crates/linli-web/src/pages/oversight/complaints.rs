//! 投诉 pages: the community's (or the street office's escalated) complaints, taking one at the
//! window or by phone, a resident's own online form, and each complaint's steps.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use linli_domain::oversight::ComplaintInput;
use linli_domain::{Action, Resource};
use linli_store::StoreError;
use linli_store::acting::display_name;
use linli_store::oversight::{ComplaintDetail, ComplaintRow};
use serde::Deserialize;

use crate::api::{code_param, id_param};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::pages::layout::PageCtx;
use crate::pages::window::{due_day, when};
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

fn word(lang: Lang, group: &str, code: &str) -> String {
    let key = format!("complaint.{group}.{code}");
    if i18n::has(&key) { i18n::t(lang, &key).to_owned() } else { code.to_owned() }
}

pub struct Line {
    pub id: String,
    pub number: String,
    pub subject: String,
    pub state: String,
    pub channel: String,
    pub due: String,
    pub owner: String,
    pub community: String,
}

fn line(lang: Lang, r: ComplaintRow) -> Line {
    Line {
        id: r.id.to_string(),
        number: r.number,
        subject: r.subject,
        state: word(lang, "state", &r.state),
        channel: word(lang, "channel", &r.channel),
        due: due_day(r.due_at),
        owner: display_name(&r.owner_name).to_owned(),
        community: r.community_code,
    }
}

#[derive(Template)]
#[template(path = "oversight/complaints.html")]
struct ListPage {
    page: PageCtx,
    code: String,
    name: String,
    lines: Vec<Line>,
    all: bool,
    community: bool,
    can_take: bool,
    f: ComplaintInput,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    all: String,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    code: &str,
    all: bool,
    f: ComplaintInput,
    errors: FormErrors,
) -> Result<ListPage, AppError> {
    let node = code_param(code)?;
    let n = state.store.node(node).await.map_err(|_| AppError::NotFound)?;
    let rows = state.store.acting(&me.actor).complaints(node, !all).await?;
    let community = node.level() == linli_domain::Level::Community;
    Ok(ListPage {
        page: PageCtx::new(ctx, if community { "complaint.list_title" } else { "complaint.escalated_title" }),
        code: node.to_string(),
        name: n.name,
        lines: rows.into_iter().map(|r| line(ctx.lang, r)).collect(),
        all,
        can_take: community && me.actor.principal.check(Resource::Oversight, Action::Create, &node).is_ok(),
        community,
        f,
        errors,
    })
}

/// `/complaints`: the user's own node's list (a community's, or a street's escalated ones).
pub async fn start(me: Me) -> Result<Response, AppError> {
    if !me.actor.principal.may(Resource::Oversight, Action::Read) {
        return Err(AppError::Forbidden);
    }
    let node = me.actor.principal.node.ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/complaints/at/{node}")).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let f = ComplaintInput { channel: "window".into(), ..ComplaintInput::default() };
    render(&list_page(&state, &ctx, &me, &code, q.all == "1", f, FormErrors::default()).await?)
}

pub async fn take(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<ComplaintInput>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    match state.store.acting(&me.actor).take_complaint(community, &f).await {
        Ok((id, _)) => Ok(done(jar, &ctx, "flash.complaint_taken", &format!("/complaints/{id}"))),
        Err(StoreError::Invalid(inv)) => {
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &list_page(&state, &ctx, &me, &code, false, f, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "oversight/complain.html")]
struct ResidentForm {
    page: PageCtx,
    f: ComplaintInput,
    errors: FormErrors,
    mine: Vec<Line>,
}

/// `/complain`: a resident's own complaint, online.
pub async fn resident_form(State(state): State<AppState>, ctx: Ctx, me: Me) -> Result<Html<String>, AppError> {
    let mine = state.store.acting(&me.actor).my_complaints().await?.into_iter().map(|r| line(ctx.lang, r)).collect();
    let f = ComplaintInput { complainant_name: me.signed_in.user.display_name.clone(), ..ComplaintInput::default() };
    render(&ResidentForm { page: PageCtx::new(&ctx, "complaint.new_title"), f, errors: FormErrors::default(), mine })
}

pub async fn resident_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Form(f): Form<ComplaintInput>,
) -> Result<Response, AppError> {
    let community = me.signed_in.user.node_code;
    let acting = state.store.acting(&me.actor);
    match acting.take_complaint(community, &f).await {
        Ok((id, _)) => Ok(done(jar, &ctx, "flash.complaint_taken", &format!("/complaints/{id}"))),
        Err(StoreError::Invalid(inv)) => {
            let mine = acting.my_complaints().await?.into_iter().map(|r| line(ctx.lang, r)).collect();
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            let page = ResidentForm { page: PageCtx::new(&ctx, "complaint.new_title"), f, errors, mine };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "oversight/complaint.html")]
struct DetailPage {
    page: PageCtx,
    d: ComplaintDetail,
    state: String,
    channel: String,
    due: String,
    steps: Vec<(String, String, String, String)>,
    moves: Vec<(&'static str, String, bool)>,
    /// Colleagues a complaint can be handed to (community stage only).
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
    let d = acting.complaint(id).await?;
    // Before escalation a complaint can go to a colleague in the community; after it, the
    // street office hands over through the API.
    let staff = if d.moves.contains(&"hand_over") && d.escalated_to.is_none() {
        crate::pages::window::colleagues(&acting, &d.work.community_code, d.work.owner_id).await?
    } else {
        Vec::new()
    };
    Ok(DetailPage {
        staff,
        page: PageCtx::new(ctx, "complaint.title"),
        state: word(ctx.lang, "state", &d.work.state),
        channel: word(ctx.lang, "channel", &d.channel),
        due: due_day(d.work.due_at),
        steps: d
            .history
            .iter()
            .map(|e| {
                (
                    when(Some(e.at)),
                    word(ctx.lang, "action", &e.action),
                    display_name(&e.actor_name).to_owned(),
                    e.reason.clone(),
                )
            })
            .collect(),
        moves: d
            .moves
            .iter()
            .filter(|a| **a != "hand_over" || d.escalated_to.is_none())
            .map(|a| (*a, word(ctx.lang, "action", a), d.needs_reason.contains(a)))
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

pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<super::MoveForm>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    match state.store.acting(&me.actor).move_complaint(id, &f.input()).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.request_moved", &format!("/complaints/{id}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &detail_page(&state, &ctx, &me, id, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}
