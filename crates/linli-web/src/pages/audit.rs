//! 审计日志: who did what, filtered and paged, exported as CSV; and whether the chains hold.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use linli_domain::{Action, Resource};
use linli_store::audit::Record;

use super::layout::PageCtx;
use super::render_with;
use crate::api::audit::{AuditQuery, csv_response};
use crate::auth::Me;
use crate::context::Ctx;
use crate::error::AppError;
use crate::i18n::{self, local_time};
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;

pub struct Row {
    /// What changed, readable (see [`readable`]).
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_name: &'static str,
    pub target: String,
    pub summary: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    page: PageCtx,
    q: AuditQuery,
    rows: Vec<Row>,
    total: i64,
    offset: i64,
    base: String,
    can_export: bool,
    errors: Vec<String>,
}

impl AuditPage {
    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    fn prev(&self) -> Option<i64> {
        (self.offset > 0).then(|| (self.offset - PAGE_SIZE).max(0))
    }
    fn next(&self) -> Option<i64> {
        (self.offset + PAGE_SIZE < self.total).then_some(self.offset + PAGE_SIZE)
    }
    fn showing(&self) -> String {
        let from = if self.total == 0 { 0 } else { self.offset + 1 };
        let to = (self.offset + PAGE_SIZE).min(self.total);
        i18n::tf(
            self.page.lang,
            "common.showing",
            &[("from", from.to_string()), ("to", to.to_string()), ("total", self.total.to_string())],
        )
    }
}

fn row(lang: i18n::Lang, r: Record) -> Row {
    let key = format!("audit_action.{}", r.action.replace('.', "_"));
    Row {
        at: local_time(r.at),
        actor: r.actor_name,
        action_name: if i18n::has(&key) { i18n::t(lang, &key) } else { "" },
        action: r.action,
        target: if r.target_id.is_empty() { r.target_type } else { format!("{} {}", r.target_type, r.target_id) },
        summary: readable(&r.summary),
        ip: r.ip.unwrap_or_default(),
    }
}

/// A summary as people read it: `field: before → after` per changed field, `key: value`
/// otherwise. The stored JSON stays as it is (it is what the hash covers).
fn readable(summary: &str) -> String {
    fn show(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "—".into(),
            other => other.to_string(),
        }
    }
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(summary) else {
        return summary.to_owned();
    };
    if let (Some(serde_json::Value::Object(before)), Some(serde_json::Value::Object(after))) =
        (map.get("before"), map.get("after"))
    {
        return after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, v)| format!("{k}: {} → {}", before.get(k).map(show).unwrap_or_else(|| "—".into()), show(v)))
            .collect::<Vec<_>>()
            .join("；");
    }
    map.iter()
        .map(|(k, v)| match v {
            serde_json::Value::Object(change) if change.contains_key("before") => {
                format!(
                    "{k}: {} → {}",
                    change.get("before").map(show).unwrap_or_default(),
                    change.get("after").map(show).unwrap_or_default()
                )
            }
            other => format!("{k}: {}", show(other)),
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// The query string for the pager and export links (filters kept, `offset` dropped).
fn base_query(q: &AuditQuery) -> String {
    let pairs: Vec<(&str, &str)> =
        [("actor", &q.actor), ("action", &q.action), ("target", &q.target), ("from", &q.from), ("to", &q.to)]
            .into_iter()
            .filter_map(|(k, v)| v.as_deref().filter(|s| !s.is_empty()).map(|s| (k, s)))
            .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let offset = q.offset.unwrap_or(0).max(0);
    let mut errors = Vec::new();
    let (rows, total) = match q.filter() {
        Ok(f) => state.store.acting(&me.actor).audit_entries(&f, PAGE_SIZE, offset).await?,
        Err(e) => {
            errors = e.field_errors(ctx.lang).into_iter().map(|m| format!("{}：{}", m.field, m.message)).collect();
            (Vec::new(), 0)
        }
    };
    let page = AuditPage {
        page: PageCtx::new(&ctx, "audit.title"),
        base: base_query(&q),
        q,
        rows: rows.into_iter().map(|r| row(ctx.lang, r)).collect(),
        total,
        offset,
        can_export: me.actor.principal.may(Resource::Audit, Action::Export),
        errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(status, &page)
}

pub async fn export(State(state): State<AppState>, me: Me, Query(q): Query<AuditQuery>) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    let rows = state.store.acting(&me.actor).audit_export(&q.filter()?, 50_000).await?;
    csv_response(&rows)
}

#[cfg(test)]
mod tests {
    use super::readable;

    #[test]
    fn summaries_read_as_changes() {
        assert_eq!(
            readable(r#"{"before":{"name":"甲","role":"x"},"after":{"name":"乙","role":"x"}}"#),
            "name: 甲 → 乙"
        );
        assert_eq!(readable(r#"{"address":{"before":"","after":"新地址"}}"#), "address:  → 新地址");
        assert_eq!(readable(r#"{"failures":3}"#), "failures: 3");
        assert_eq!(readable("not json"), "not json");
    }
}
