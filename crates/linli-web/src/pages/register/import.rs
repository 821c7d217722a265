//! 导入人口台账: upload a workbook, see every problem (and download the file back with a
//! reason column) or a preview of what it will create and update, then import it while the
//! page shows the progress. Nothing is written until the whole file is clean.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use linli_domain::DivisionCode;
use linli_store::register::{ImportPlan, ImportRow};
use uuid::Uuid;

use super::{Tabs, word};
use crate::api::{code_param, id_param};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::layout::PageCtx;
use crate::pages::render_with;
use crate::register_sheet::{self, ReadFile, reason};
use crate::state::AppState;

/// Problem rows shown on the page; the error workbook has them all.
const SHOWN: usize = 200;

pub struct ProblemLine {
    pub line: usize,
    pub reason: String,
}

pub struct SampleLine {
    pub line: usize,
    pub name: String,
    pub address: String,
    pub relation: String,
}

#[derive(Template)]
#[template(path = "register/import.html")]
struct ImportPage {
    page: PageCtx,
    tabs: Tabs,
    /// Why the file could not be read at all.
    file_error: Option<String>,
    /// The checked upload (problems or preview).
    checked: Option<Checked>,
    columns: Vec<(&'static str, bool)>,
}

struct Checked {
    upload: Uuid,
    filename: String,
    rows: usize,
    creates: usize,
    updates: usize,
    new_households: usize,
    problem_count: usize,
    problems: Vec<ProblemLine>,
    ignored: Vec<String>,
    sample: Vec<SampleLine>,
}

impl ImportPage {
    async fn new(state: &AppState, ctx: &Ctx, me: &Me, community: DivisionCode) -> Result<ImportPage, AppError> {
        Ok(ImportPage {
            page: PageCtx::new(ctx, "register.import_title"),
            tabs: Tabs::new(state, me, community, "import").await?,
            file_error: None,
            checked: None,
            columns: register_sheet::template_columns_required(),
        })
    }
}

fn checked(lang: Lang, upload: Uuid, filename: &str, file: &ReadFile, plan: &ImportPlan) -> Checked {
    Checked {
        upload,
        filename: filename.to_owned(),
        rows: plan.rows(),
        creates: plan.creates,
        updates: plan.updates,
        new_households: plan.new_households,
        problem_count: plan.problems.len(),
        problems: plan
            .problems
            .iter()
            .take(SHOWN)
            .map(|p| ProblemLine { line: p.line, reason: reason(lang, &p.errors) })
            .collect(),
        ignored: file.ignored.clone(),
        sample: file.sample.iter().map(|r| sample(lang, r)).collect(),
    }
}

fn sample(lang: Lang, r: &ImportRow) -> SampleLine {
    let relation = linli_domain::register::Relation::parse(&r.resident.relation)
        .map_or_else(|| r.resident.relation.clone(), |x| word(lang, "relation", x.as_str()));
    SampleLine {
        line: r.line,
        name: r.resident.name.clone(),
        address: linli_store::register::address(&r.building, &r.unit, &r.room),
        relation,
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let page = ImportPage::new(&state, &ctx, &me, community).await?;
    if !page.tabs.can_import {
        return Err(AppError::Forbidden);
    }
    render_with(StatusCode::OK, &page)
}

/// The template workbook.
pub async fn template(_me: Me) -> Result<Response, AppError> {
    let bytes = register_sheet::template().map_err(AppError::internal)?;
    Ok(register_sheet::download(bytes, "人口台账导入模板.xlsx"))
}

/// Reads the multipart form by hand: the CSRF token and the file.
/// Checks an upload: problems, or the preview with the button that imports it.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    form: Multipart,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let mut page = ImportPage::new(&state, &ctx, &me, community).await?;
    let (filename, bytes) = match crate::pages::read_upload(&ctx, form).await {
        Ok(f) => f,
        Err(AppError::Invalid(inv)) => {
            page.file_error = Some(reason(ctx.lang, &inv.0));
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => return Err(e),
    };
    let acting = state.store.acting(&me.actor);
    let upload = acting.keep_upload(community, &filename, &bytes).await?;
    show_check(&state, &ctx, &me, page, community, upload, &filename, &bytes).await
}

#[allow(clippy::too_many_arguments)]
async fn show_check(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    mut page: ImportPage,
    community: DivisionCode,
    upload: Uuid,
    filename: &str,
    bytes: &[u8],
) -> Result<Response, AppError> {
    let acting = state.store.acting(&me.actor);
    match register_sheet::plan(&acting, community, bytes).await {
        Ok((file, plan)) => {
            let status = if plan.is_clean() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            page.checked = Some(checked(ctx.lang, upload, filename, &file, &plan));
            render_with(status, &page)
        }
        Err(AppError::Invalid(inv)) => {
            page.file_error = Some(reason(ctx.lang, &inv.0));
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// The upload back as a workbook with a reason column on every row that stops it.
pub async fn errors(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path((code, upload)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let upload = id_param(&upload)?;
    let acting = state.store.acting(&me.actor);
    let (filename, bytes) = acting.upload(upload, community).await?;
    let (file, plan) = register_sheet::plan(&acting, community, &bytes).await?;
    let book = register_sheet::error_workbook(ctx.lang, &file, &plan.problems).map_err(AppError::internal)?;
    let stem = filename.rsplit_once('.').map_or(filename.as_str(), |(s, _)| s);
    Ok(register_sheet::download(book, &format!("{stem}-待修改.xlsx")))
}

#[derive(serde::Deserialize)]
pub struct Empty {}

/// Imports a checked upload in the background and shows its progress.
pub async fn commit(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path((code, upload)): Path<(String, String)>,
    Form(_): Form<Empty>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let upload = id_param(&upload)?;
    let progress = format!("/register/{code}/import/{upload}/progress");
    if state.jobs.get(upload).is_some() {
        return Ok(Redirect::to(&progress).into_response());
    }
    let acting = state.store.acting(&me.actor);
    let (filename, bytes) = acting.upload(upload, community).await?;
    let (file, plan) = register_sheet::plan(&acting, community, &bytes).await?;
    if !plan.is_clean() {
        // The register changed since the preview (someone registered one of these people).
        let page = ImportPage::new(&state, &ctx, &me, community).await?;
        return show_check(&state, &ctx, &me, page, community, upload, &filename, &bytes).await;
    }
    drop(file);
    let user = me.actor.user_id().ok_or(AppError::Forbidden)?;
    let Some(job) = state.jobs.start(upload, user, &filename, plan.rows()) else {
        return Ok(Redirect::to(&progress).into_response());
    };
    let store = state.store.clone();
    let actor = me.actor.clone();
    tokio::spawn(async move {
        let acting = store.acting(&actor);
        let counter = &job.written;
        let tick = |n: usize| counter.store(n, std::sync::atomic::Ordering::Relaxed);
        let result = acting.commit_import(community, plan, &filename, &tick).await;
        if let Err(e) = &result {
            tracing::warn!(community = %community, file = %filename, error = %e, "register import failed; nothing was written");
        }
        job.finish(result.map_err(|e| e.to_string()));
    });
    Ok(Redirect::to(&progress).into_response())
}

#[derive(Template)]
#[template(path = "register/import_progress.html")]
struct ProgressPage {
    page: PageCtx,
    tabs: Tabs,
    filename: String,
    total: usize,
    written: usize,
    percent: usize,
    done: Option<linli_store::register::ImportOutcome>,
    failed: Option<String>,
}

pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path((code, upload)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let community = code_param(&code)?;
    let upload = id_param(&upload)?;
    let job = state.jobs.get(upload).ok_or(AppError::NotFound)?;
    if Some(job.user) != me.actor.user_id() {
        return Err(AppError::NotFound);
    }
    let written = job.written();
    let outcome = job.outcome();
    let (done, failed) = match outcome {
        Some(Ok(o)) => (Some(o), None),
        Some(Err(_)) => (None, Some(AppError::internal("import failed").detail(ctx.lang))),
        None => (None, None),
    };
    let page = ProgressPage {
        page: PageCtx::new(&ctx, "register.import_progress"),
        tabs: Tabs::new(&state, &me, community, "import").await?,
        filename: job.filename.clone(),
        total: job.total,
        written,
        percent: (written * 100).checked_div(job.total).unwrap_or(100),
        done,
        failed,
    };
    render_with(StatusCode::OK, &page)
}
