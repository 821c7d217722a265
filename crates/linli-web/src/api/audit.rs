//! The audit log: read (filtered, paged) and exported as CSV for inspection.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use linli_domain::calendar::parse_date;
use linli_store::audit::{AuditFilter, Record};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use utoipa::IntoParams;

use super::Page;
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::i18n::{CST, local_time};
use crate::spreadsheet::neutralise;
use crate::state::AppState;

#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(default)]
pub struct AuditQuery {
    /// Part of the actor's name or username.
    pub actor: Option<String>,
    /// Part of the action, e.g. `user.` or `reveal`.
    pub action: Option<String>,
    /// Part of the target's type or id.
    pub target: Option<String>,
    /// First day (`YYYY-MM-DD`, China time).
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`, China time).
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn day_start(s: &str, field: &str) -> Result<OffsetDateTime, AppError> {
    let d = parse_date(s).ok_or_else(|| AppError::Invalid(linli_domain::Invalid::one(field, "calendar_date")))?;
    Ok(d.midnight().assume_offset(CST))
}

impl AuditQuery {
    pub fn filter(&self) -> Result<AuditFilter, AppError> {
        let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        let from = nonempty(&self.from).map(|s| day_start(&s, "from")).transpose()?;
        let to = nonempty(&self.to).map(|s| day_start(&s, "to").map(|t| t + Duration::days(1))).transpose()?;
        Ok(AuditFilter {
            actor: nonempty(&self.actor),
            action: nonempty(&self.action),
            target: nonempty(&self.target),
            from,
            to,
        })
    }
}

/// Audit entries the caller may read, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<serde_json::Value>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    api: ApiActor,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Page<serde_json::Value>>, AppError> {
    let (limit, offset) = super::Paging { limit: q.limit, offset: q.offset }.get();
    let (rows, total) = state.store.acting(&api.actor).audit_entries(&q.filter()?, limit, offset).await?;
    let items =
        rows.into_iter().map(|r| serde_json::to_value(r).map_err(AppError::internal)).collect::<Result<_, _>>()?;
    Ok(Json(Page { items, total, limit, offset }))
}

/// The matching entries as CSV (UTF-8 with BOM, opens in Excel), at most 50,000 rows; the
/// export itself is recorded.
#[utoipa::path(get, path = "/audit/export", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", description = "CSV"), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    api: ApiActor,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    api.require_recent_auth()?;
    let rows = state.store.acting(&api.actor).audit_export(&q.filter()?, 50_000).await?;
    csv_response(&rows)
}

pub fn csv_response(rows: &[Record]) -> Result<Response, AppError> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let header = ["时间", "操作人", "类型", "操作", "对象类型", "对象", "内容", "来源地址", "节点", "序号"];
    w.write_record(header).map_err(AppError::internal)?;
    for r in rows {
        let row = [
            local_time(r.at),
            r.actor_name.clone(),
            r.actor_kind.clone(),
            r.action.clone(),
            r.target_type.clone(),
            r.target_id.clone(),
            r.summary.clone(),
            r.ip.clone().unwrap_or_default(),
            r.chain.clone(),
            r.seq.to_string(),
        ];
        w.write_record(row.iter().map(|c| neutralise(c))).map_err(AppError::internal)?;
    }
    let bytes = w.into_inner().map_err(AppError::internal)?;
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    resp.headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"linli-audit.csv\""));
    Ok(resp)
}
