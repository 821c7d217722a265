//! The register's workbooks over HTTP: the template, imports (checked whole before anything
//! is written) and exports of a filtered list.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use linli_domain::{FieldError, Invalid};
use linli_store::register::{ImportOutcome, ImportPlan, RowProblem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::code_param;
use super::register::ResidentSearch;
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::register_sheet;
use crate::state::AppState;

/// The most rows one export writes; a larger list is refused with a hint to filter it.
pub const EXPORT_MAX: i64 = 100_000;

/// The import template (.xlsx, Chinese headers, two example rows).
#[utoipa::path(get, path = "/register/template", tag = "register",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The workbook")),
    security(("session" = []), ("token" = []))
)]
pub async fn template(_api: ApiActor) -> Result<Response, AppError> {
    let bytes = register_sheet::template().map_err(AppError::internal)?;
    Ok(register_sheet::download(bytes, "人口台账导入模板.xlsx"))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ImportQuery {
    /// `true` writes a clean file; otherwise the file is only checked.
    pub commit: bool,
    /// The file name, for the audit log.
    pub filename: Option<String>,
}

/// What a checked file would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportPreview {
    pub rows: usize,
    pub creates: usize,
    pub updates: usize,
    pub new_households: usize,
    /// Headers that match no column and are ignored.
    pub ignored_columns: Vec<String>,
    /// The outcome, when `commit=true`.
    #[schema(value_type = Option<Object>)]
    pub imported: Option<ImportOutcome>,
}

/// Row problems as field errors named `rows.<line>.<field>`.
pub fn row_errors(problems: &[RowProblem]) -> Invalid {
    Invalid(
        problems
            .iter()
            .flat_map(|p| {
                p.errors.iter().map(move |e| {
                    let mut fe = e.clone();
                    fe.field = if e.field.is_empty() {
                        format!("rows.{}", p.line)
                    } else {
                        format!("rows.{}.{}", p.line, e.field)
                    };
                    fe
                })
            })
            .collect(),
    )
}

fn preview(plan: &ImportPlan, ignored: Vec<String>) -> ImportPreview {
    ImportPreview {
        rows: plan.rows(),
        creates: plan.creates,
        updates: plan.updates,
        new_households: plan.new_households,
        ignored_columns: ignored,
        imported: None,
    }
}

/// Check (and with `commit=true`, import) a filled-in template: the file as the body (.xlsx,
/// .xls, or .csv in UTF-8 or GBK). A file with any bad row writes nothing; every problem is
/// listed as `rows.<line>.<field>` with the row number Excel shows.
#[utoipa::path(post, path = "/communities/{code}/register/import", tag = "register", params(("code" = String, Path), ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The workbook or CSV file"),
    responses((status = 200, body = ImportPreview), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn import(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(q): Query<ImportQuery>,
    body: Body,
) -> Result<Json<ImportPreview>, AppError> {
    let community = code_param(&code)?;
    // The raw body, so the upload limit applies rather than the one for JSON bodies.
    let body = axum::body::to_bytes(body, crate::app::UPLOAD_MAX).await.map_err(|_| AppError::PayloadTooLarge)?;
    let acting = state.store.acting(&api.actor);
    let (file, plan) = register_sheet::plan(&acting, community, &body).await?;
    if !plan.is_clean() {
        return Err(AppError::Invalid(row_errors(&plan.problems)));
    }
    let mut out = preview(&plan, file.ignored);
    if q.commit {
        let name = q.filename.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("api upload");
        out.imported = Some(acting.commit_import(community, plan, name, &|_| {}).await?);
    }
    Ok(Json(out))
}

/// A filtered list of residents as .xlsx (ID and phone numbers masked; recorded in the audit
/// log; needs the password entered within 15 minutes).
#[utoipa::path(get, path = "/communities/{code}/residents/export", tag = "register", params(("code" = String, Path), ResidentSearch),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The workbook"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    api: ApiActor,
    Path(code): Path<String>,
    Query(s): Query<ResidentSearch>,
) -> Result<Response, AppError> {
    api.require_recent_auth()?;
    let community = code_param(&code)?;
    export_workbook(&state, &api.actor, community, &s, crate::i18n::Lang::Zh).await
}

/// The export both surfaces serve.
pub async fn export_workbook(
    state: &AppState,
    actor: &linli_store::Actor,
    community: linli_domain::DivisionCode,
    s: &ResidentSearch,
    lang: crate::i18n::Lang,
) -> Result<Response, AppError> {
    let acting = state.store.acting(actor);
    // Counted first, so a refused export is neither read nor logged as done.
    let (_, matching) = acting.residents(&s.query(community, 0, 0)?).await?;
    if matching > EXPORT_MAX {
        return Err(AppError::Invalid(Invalid(vec![FieldError::new("q", "export_too_large").with("max", EXPORT_MAX)])));
    }
    let (rows, _) = acting.register_export(&s.query(community, EXPORT_MAX, 0)?).await?;
    let bytes = register_sheet::export(lang, &rows).map_err(AppError::internal)?;
    let day = linli_store::today();
    Ok(register_sheet::download(bytes, &format!("人口台账-{community}-{day}.xlsx")))
}
