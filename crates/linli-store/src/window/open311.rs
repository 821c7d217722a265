//! What Open311 GeoReport v2 reads: requests as the public may see them, by community.
//!
//! Reads need no key (the spec has it so), so nothing personal leaves here: no names, no phones;
//! description and address only for requests that were themselves posted through Open311 by a
//! public app, never for what residents told the window.

use linli_domain::DivisionCode;
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Store, StoreResult, Ts};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PublicRequest {
    pub number: String,
    pub state: String,
    pub item_code: String,
    pub item_name: String,
    pub source: String,
    pub description: String,
    pub address: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub due_at: Option<OffsetDateTime>,
    pub token: Option<String>,
}

/// The filters of `GET requests`.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    pub numbers: Vec<String>,
    pub item_code: String,
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
    /// `open` or `closed`, or empty for both.
    pub status: String,
    pub limit: i64,
}

const COLUMNS: &str = "w.number, w.state, i.code AS item_code, r.item_name, r.source, \
     CASE WHEN r.source = 'open311' THEN r.description ELSE '' END AS description, \
     CASE WHEN r.source = 'open311' THEN r.address ELSE '' END AS address, \
     w.created_at, w.updated_at, w.due_at, r.token \
     FROM work_item w JOIN service_request r ON r.work_item_id = w.id JOIN service_item i ON i.id = r.item_id";

impl Store {
    /// A community's requests, newest first, filtered as GeoReport v2 allows.
    pub async fn public_requests(&self, community: DivisionCode, f: &PublicFilter) -> StoreResult<Vec<PublicRequest>> {
        let open = ["submitted", "awaiting_materials", "in_progress", "transferred"];
        let status = f.status.trim();
        let numbers: Vec<String> = (0..50).map(|i| f.numbers.get(i).cloned().unwrap_or_default()).collect();
        let placeholders: Vec<String> = (0..50).map(|i| format!("${}", i + 8)).collect();
        let sql = format!(
            "SELECT {COLUMNS} WHERE w.community_code = $1 \
             AND ($2 = '' OR i.code = $2) AND ($3 IS NULL OR w.created_at >= $3) AND ($4 IS NULL OR w.created_at <= $4) \
             AND ($5 = '' OR ($5 = 'open') = (w.state IN ('{}'))) \
             AND ($6 = 0 OR w.number IN ({})) \
             ORDER BY w.created_at DESC LIMIT $7",
            open.join("', '"),
            placeholders.join(", ")
        );
        let rows: Vec<PublicRequest> = on_db!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(community.as_str())
                .bind(f.item_code.trim().to_ascii_uppercase())
                .bind(f.start.map(Ts))
                .bind(f.end.map(Ts))
                .bind(status)
                .bind(f.numbers.len() as i64)
                .bind(f.limit.clamp(1, 1000));
            for n in &numbers {
                q = q.bind(n.clone());
            }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// The request an Open311 token stands for.
    pub async fn request_by_token(&self, community: DivisionCode, token: &str) -> StoreResult<Option<PublicRequest>> {
        let sql = format!("SELECT {COLUMNS} WHERE w.community_code = $1 AND r.token = $2");
        Ok(on_db!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(community.as_str())
            .bind(token)
            .fetch_optional(pool)
            .await)?)
    }
}
