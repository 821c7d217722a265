//! A service request's page: its facts, history and the moves open to the viewer, each a small
//! form; and the printed notices of Appendix A (受理回执, 一次性告知书, 不予受理告知书, 办结通知).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum_extra::extract::CookieJar;
use linli_domain::window::Material;
use linli_store::StoreError;
use linli_store::acting::display_name;
use linli_store::window::{MoveInput, RequestDetail};

use super::{due_day, when, word};
use crate::api::id_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

pub struct Step {
    pub at: String,
    pub action: String,
    pub to: String,
    pub by: String,
    pub reason: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "window/request.html")]
struct RequestPage {
    page: PageCtx,
    d: RequestDetail,
    state: String,
    source: String,
    mode: String,
    created: String,
    accepted: String,
    due: String,
    closed: String,
    transfer_due: String,
    urgency_label: String,
    steps: Vec<Step>,
    /// (action, label, needs a reason).
    moves: Vec<(&'static str, String, bool)>,
    materials: Vec<Material>,
    staff: Vec<(String, String)>,
    errors: FormErrors,
    failed: String,
    form: MoveForm,
    applicant: bool,
    notices: Vec<(&'static str, String)>,
    files: Vec<FileLine>,
    can_upload: bool,
    /// The rating: (level's word, comment, channel's word, rectification id).
    rating: Option<(String, String, String, Option<String>)>,
    can_rate: bool,
    levels: Vec<(&'static str, &'static str)>,
}

pub struct FileLine {
    pub id: String,
    pub name: String,
    pub size: String,
    pub by: String,
    pub at: String,
}

/// A move as posted by one of the page's forms.
#[derive(Debug, Default, Clone)]
pub struct MoveForm {
    pub action: String,
    pub reason: String,
    pub office: String,
    pub office_days: String,
    pub to_user: String,
    pub version: String,
    pub missing: Vec<String>,
}

impl MoveForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = MoveForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "action" => f.action = v.clone(),
                "reason" => f.reason = v.clone(),
                "office" => f.office = v.clone(),
                "office_days" => f.office_days = v.clone(),
                "to_user" => f.to_user = v.clone(),
                "version" => f.version = v.clone(),
                "missing" => f.missing.push(v.clone()),
                _ => {}
            }
        }
        f
    }

    fn input(&self) -> MoveInput {
        MoveInput {
            action: self.action.clone(),
            reason: self.reason.clone(),
            missing: self.missing.clone(),
            office: self.office.clone(),
            office_days: self.office_days.clone(),
            to_user: self.to_user.clone(),
            version: self.version.trim().parse().ok(),
        }
    }
}

/// The notices that can be printed in the request's state.
fn notices(ctx: &Ctx, d: &RequestDetail) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    let history = |a: &str| d.history.iter().any(|e| e.action == a);
    if d.work.accepted_at.is_some() {
        v.push(("receipt", ctx.t("window.notice.receipt").to_owned()));
    }
    if !d.missing.is_empty() || history("request_materials") {
        v.push(("materials", ctx.t("window.notice.materials").to_owned()));
    }
    if d.work.state == "declined" {
        v.push(("decline", ctx.t("window.notice.decline").to_owned()));
    }
    if history("complete") {
        v.push(("completion", ctx.t("window.notice.completion").to_owned()));
    }
    v
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    id: uuid::Uuid,
    errors: FormErrors,
    form: MoveForm,
) -> Result<RequestPage, AppError> {
    let acting = state.store.acting(&me.actor);
    let d = acting.request(id).await?;
    let community = linli_domain::DivisionCode::parse(&d.work.community_code).map_err(|_| AppError::NotFound)?;
    let applicant = d.applicant_user_id.is_some() && d.applicant_user_id == me.actor.user_id();
    let (materials, staff) = if applicant {
        (Vec::new(), Vec::new())
    } else {
        let item = acting.service_item(community, d.item_id).await.ok();
        let staff = if d.moves.contains(&"hand_over") {
            super::colleagues(&acting, &d.work.community_code, d.work.owner_id).await?
        } else {
            Vec::new()
        };
        (item.map(|i| i.materials).unwrap_or_default(), staff)
    };
    let steps = d
        .history
        .iter()
        .map(|e| Step {
            at: when(Some(e.at)),
            action: word(ctx.lang, "action", &e.action),
            to: if e.to_state == e.from_state { String::new() } else { word(ctx.lang, "state", &e.to_state) },
            by: display_name(&e.actor_name).to_owned(),
            reason: e.reason.clone(),
            details: details(ctx, &e.details),
        })
        .collect();
    let moves = d.moves.iter().map(|a| (*a, word(ctx.lang, "action", a), d.needs_reason.contains(a))).collect();
    let failed = if errors.is_empty() { String::new() } else { form.action.clone() };
    let files = acting
        .attachments(id)
        .await?
        .into_iter()
        .map(|a| FileLine {
            id: a.id.to_string(),
            name: a.name,
            size: if a.size >= 1024 * 1024 {
                format!("{:.1} MB", a.size as f64 / 1048576.0)
            } else {
                format!("{} KB", (a.size + 1023) / 1024)
            },
            by: display_name(&a.uploaded_by).to_owned(),
            at: when(Some(a.at)),
        })
        .collect();
    let can_upload =
        linli_domain::window::flow::OPEN.contains(&d.work.state.as_str()) && (applicant || !d.moves.is_empty());
    let rating = acting.rating(id).await?.map(|r| {
        (
            crate::pages::oversight::level_word(ctx.lang, &r.level),
            r.comment,
            ctx.t(&format!("rating.channel.{}", r.channel)).to_owned(),
            r.rectification_id.map(|x| x.to_string()),
        )
    });
    let finished = matches!(d.work.state.as_str(), "completed" | "archived");
    let may_rate = applicant
        || me
            .actor
            .principal
            .check(linli_domain::Resource::Oversight, linli_domain::Action::Create, &community)
            .is_ok();
    let can_rate = finished && rating.is_none() && may_rate;
    Ok(RequestPage {
        page: PageCtx::new(ctx, "window.request_title"),
        state: word(ctx.lang, "state", &d.work.state),
        source: word(ctx.lang, "source", &d.source),
        mode: word(ctx.lang, "mode", &d.mode),
        created: when(Some(d.work.created_at)),
        accepted: when(d.work.accepted_at),
        due: due_day(d.work.due_at),
        closed: when(d.work.closed_at),
        transfer_due: due_day(d.transfer_due_at),
        urgency_label: d.urgency.map(|u| word(ctx.lang, "urgency", u.as_str())).unwrap_or_default(),
        notices: notices(ctx, &d),
        steps,
        moves,
        materials,
        staff,
        errors,
        failed,
        form,
        applicant,
        files,
        can_upload,
        rating,
        can_rate,
        levels: crate::pages::oversight::levels(ctx.lang),
        d,
    })
}

/// What a history row's details say, in words (missing materials, the receiving office …).
fn details(ctx: &Ctx, v: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    if let Some(list) = v.get("missing").and_then(|m| m.as_array()).filter(|l| !l.is_empty()) {
        let names: Vec<&str> = list.iter().filter_map(|n| n.as_str()).collect();
        parts.push(format!("{}：{}", ctx.t("window.missing"), names.join("、")));
    }
    if let Some(o) = v.get("office").and_then(|o| o.as_str()) {
        parts.push(format!("{}：{o}", ctx.t("window.office")));
    }
    if let (Some(from), Some(to)) = (v.get("from").and_then(|o| o.as_str()), v.get("to").and_then(|o| o.as_str())) {
        parts.push(format!("{} → {to}", display_name(from)));
    }
    parts.join("；")
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let page = show(&state, &ctx, &me, id_param(&id)?, FormErrors::default(), MoveForm::default()).await?;
    render(&page)
}

pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let form = MoveForm::from_pairs(&pairs);
    match state.store.acting(&me.actor).move_request(id, &form.input()).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.request_moved", &format!("/requests/{id}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            let page = show(&state, &ctx, &me, id, errors, form).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "window/notice.html")]
struct NoticePage {
    page: PageCtx,
    kind: &'static str,
    d: RequestDetail,
    community: String,
    window: String,
    phone: String,
    hours: String,
    accepted: String,
    due: String,
    closed: String,
    today: String,
    materials: Vec<Material>,
    reason: String,
    handler: String,
}

/// `/requests/{id}/print/{kind}`: one notice, for the printer (A4, black on white).
pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let kind =
        ["receipt", "materials", "decline", "completion"].into_iter().find(|k| *k == kind).ok_or(AppError::NotFound)?;
    let acting = state.store.acting(&me.actor);
    let d = acting.request(id_param(&id)?).await?;
    if !notices(&ctx, &d).iter().any(|(k, _)| *k == kind) {
        return Err(AppError::NotFound);
    }
    let code = linli_domain::DivisionCode::parse(&d.work.community_code).map_err(|_| AppError::NotFound)?;
    let contacts = state.store.public_contacts(code).await?;
    let item = acting.service_item(code, d.item_id).await.ok();
    let last = |action: &str| {
        d.history.iter().rev().find(|e| e.action == action).map(|e| e.reason.clone()).unwrap_or_default()
    };
    let reason = match kind {
        "decline" => last("decline"),
        "completion" => last("complete"),
        "materials" => last("request_materials"),
        _ => String::new(),
    };
    let materials = d.missing.clone();
    let page = NoticePage {
        page: PageCtx::new(&ctx, &format!("window.notice.{kind}")),
        kind,
        community: contacts.name,
        window: item.as_ref().map(|i| i.service_window.clone()).unwrap_or_default(),
        phone: contacts.phone,
        hours: contacts.service_hours,
        accepted: when(d.work.accepted_at),
        due: due_day(d.work.due_at),
        closed: when(d.work.closed_at),
        today: linli_store::today().to_string(),
        materials,
        reason,
        handler: display_name(&d.work.owner_name).to_owned(),
        d,
    };
    render(&page)
}

/// A file of up to 5 MB plus the multipart envelope.
pub const UPLOAD_LIMIT: usize = linli_store::window::MAX_ATTACHMENT_BYTES + 64 * 1024;

/// `POST /requests/{id}/files`: a scan or photo of a material, from the applicant or the window.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let result = match crate::pages::read_upload(&ctx, form).await {
        Ok((name, bytes)) => state.store.acting(&me.actor).attach(id, &name, &bytes).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(done(jar, &ctx, "flash.file_added", &format!("/requests/{id}"))),
        Err(e @ AppError::Invalid(_)) => {
            let errors = FormErrors::from_error(&e, ctx.lang);
            let page = show(&state, &ctx, &me, id, errors, MoveForm::default()).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// `GET /requests/{id}/files/{file}`: always a download, never shown inline.
pub async fn download(
    State(state): State<AppState>,
    me: Me,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (a, bytes) = state.store.acting(&me.actor).attachment(id_param(&id)?, id_param(&file)?).await?;
    let ext = match a.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    Ok(crate::download::file(bytes, &a.content_type, &format!("file.{ext}"), &a.name))
}
