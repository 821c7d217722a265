//! The public side of the window: the service guide (服务指南) of each community with a printable
//! one-page guide per item, residents' online applications and their own list, and the look-up
//! of a request by its number and phone. The guide and the look-up need no sign-in.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use linli_domain::{Action, Level, Resource};
use linli_store::StoreError;
use linli_store::profile::PublicContacts;
use linli_store::window::{PublicStatus, ServiceItem};
use serde::Deserialize;

use super::desk::{IntakeForm, IntakePage, ItemChoice, Line, grouped, line};
use super::{due_day, when, word};
use crate::api::{code_param, id_param};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "window/guide_start.html")]
struct StartPage {
    page: PageCtx,
    communities: Vec<(String, String)>,
}

/// `/guide`: the visitor's own community, or every community to choose from.
pub async fn start(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    if let Some(u) = &ctx.user
        && u.user.node_code.level() == Level::Community
    {
        return Ok(Redirect::to(&format!("/guide/{}", u.user.node_code)).into_response());
    }
    let mut communities = Vec::new();
    for root in state.store.root_nodes().await? {
        for n in state.store.nodes_under(root.code).await? {
            if n.level == Level::Community && n.retired_at.is_none() {
                communities.push((n.code.to_string(), n.name));
            }
        }
    }
    let page = StartPage { page: PageCtx::new(&ctx, "window.guide_title"), communities };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "window/guide.html")]
struct GuidePage {
    page: PageCtx,
    code: String,
    contacts: PublicContacts,
    q: String,
    groups: Vec<(String, Vec<ItemChoice>)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GuideQuery {
    q: String,
}

async fn contacts(state: &AppState, code: &str) -> Result<(linli_domain::DivisionCode, PublicContacts), AppError> {
    let community = code_param(code)?;
    let c = state.store.public_contacts(community).await.map_err(|_| AppError::NotFound)?;
    Ok((community, c))
}

pub async fn guide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<GuideQuery>,
) -> Result<Html<String>, AppError> {
    let (community, contacts) = contacts(&state, &code).await?;
    let items = state.store.service_guide(community, "").await?;
    let page = GuidePage {
        page: PageCtx::new(&ctx, "window.guide_title"),
        code: community.to_string(),
        contacts,
        groups: grouped(ctx.lang, items, &q.q),
        q: q.q,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "window/guide_item.html")]
struct ItemPage {
    page: PageCtx,
    code: String,
    contacts: PublicContacts,
    item: ServiceItem,
    category: String,
    channels: String,
    limit: String,
    can_apply: bool,
    print: bool,
}

async fn item_page(state: &AppState, ctx: &Ctx, code: &str, item: &str, print: bool) -> Result<Html<String>, AppError> {
    let (community, contacts) = contacts(state, code).await?;
    let item = state.store.guide_item(community, id_param(item)?).await?;
    let can_apply = item.accepts(linli_domain::window::Channel::Online)
        && ctx.user.as_ref().is_none_or(|u| !u.user.role.is_staff() && u.user.node_code == community);
    let page = ItemPage {
        page: PageCtx::new(ctx, "window.guide_item_title"),
        code: community.to_string(),
        category: word(ctx.lang, "category", item.category.as_str()),
        channels: item.channels.iter().map(|c| word(ctx.lang, "channel", c.as_str())).collect::<Vec<_>>().join("、"),
        limit: if item.time_limit_days == 0 {
            ctx.t("window.same_day").to_owned()
        } else {
            crate::i18n::tf(ctx.lang, "window.working_days", &[("days", item.time_limit_days.to_string())])
        },
        contacts,
        item,
        can_apply,
        print,
    };
    render(&page)
}

pub async fn guide_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, item)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    item_page(&state, &ctx, &code, &item, false).await
}

pub async fn guide_print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, item)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    item_page(&state, &ctx, &code, &item, true).await
}

/// The online application form: the item's own form without the desk's checklist.
pub async fn apply_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path((code, item)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let community = code_param(&code)?;
    if !me.actor.principal.may(Resource::Application, Action::Create) {
        return Err(AppError::Forbidden);
    }
    let item = state.store.guide_item(community, id_param(&item)?).await?;
    let f = IntakeForm { applicant_name: me.signed_in.user.display_name.clone(), ..IntakeForm::default() };
    let page = IntakePage {
        page: PageCtx::new(&ctx, "window.apply_title"),
        action: format!("/guide/{community}/{}/apply", item.id),
        back: format!("/guide/{community}/{}", item.id),
        item,
        f,
        errors: FormErrors::default(),
        staff: false,
    };
    render(&page)
}

pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((code, item)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let item = id_param(&item)?;
    let f = IntakeForm::from_pairs(&pairs);
    match state.store.acting(&me.actor).apply_online(community, item, &f.input()).await {
        Ok(taken) => Ok(done(jar, &ctx, "flash.applied", &format!("/requests/{}", taken.id))),
        Err(StoreError::Invalid(inv)) => {
            let item = state.store.guide_item(community, item).await?;
            let page = IntakePage {
                page: PageCtx::new(&ctx, "window.apply_title"),
                action: format!("/guide/{community}/{}/apply", item.id),
                back: format!("/guide/{community}/{}", item.id),
                item,
                errors: FormErrors::from_error(&AppError::Invalid(inv), ctx.lang),
                f,
                staff: false,
            };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "window/mine.html")]
struct MinePage {
    page: PageCtx,
    lines: Vec<Line>,
    bookings: Vec<super::appointments::BookingLine>,
    guide: String,
    book: String,
}

/// `/my/requests`: the signed-in resident's own requests.
pub async fn mine(State(state): State<AppState>, ctx: Ctx, me: Me) -> Result<Html<String>, AppError> {
    let rows = state.store.acting(&me.actor).my_requests().await?;
    let page = MinePage {
        page: PageCtx::new(&ctx, "window.mine_title"),
        lines: rows.into_iter().map(|r| line(ctx.lang, r)).collect(),
        bookings: super::appointments::my_bookings(&state, &me, ctx.lang).await?,
        guide: format!("/guide/{}", me.signed_in.user.node_code),
        book: format!("/guide/{}/book", me.signed_in.user.node_code),
    };
    render(&page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LookupForm {
    number: String,
    phone: String,
}

pub struct StatusView {
    pub s: PublicStatus,
    pub state: String,
    pub created: String,
    pub due: String,
    pub closed: String,
    pub steps: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "window/lookup.html")]
struct LookupPage {
    page: PageCtx,
    f: LookupForm,
    found: Option<StatusView>,
    not_found: bool,
}

pub async fn lookup_form(ctx: Ctx) -> Result<Html<String>, AppError> {
    render(&LookupPage {
        page: PageCtx::new(&ctx, "window.lookup_title"),
        f: LookupForm::default(),
        found: None,
        not_found: false,
    })
}

/// Posted, not a GET: the phone number stays out of URLs and logs.
pub async fn lookup(State(state): State<AppState>, ctx: Ctx, Form(f): Form<LookupForm>) -> Result<Response, AppError> {
    state.limits.lookup(ctx.ip.as_deref(), &f.number)?;
    let found = match state.store.lookup_request(&f.number, &f.phone).await {
        Ok(s) => Some(StatusView {
            state: word(ctx.lang, "state", &s.state),
            created: when(Some(s.created_at)),
            due: due_day(s.due_at),
            closed: when(s.closed_at),
            steps: s.steps.iter().map(|(a, at)| (when(Some(*at)), word(ctx.lang, "action", a))).collect(),
            s,
        }),
        Err(StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let status = if found.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    let not_found = found.is_none();
    let page = LookupPage { page: PageCtx::new(&ctx, "window.lookup_title"), f, found, not_found };
    render_with(status, &page)
}
