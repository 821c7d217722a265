//! What Open311 GeoReport v2 reads: requests as the public may see them, by community.
//!
//! Reads need no key (the spec has it so), so only requests that were themselves posted through
//! Open311 are listed, and without names, phones or addresses: a window or online request
//! (低保, 残疾人证 …) is nobody's business, and a public list of its numbers would turn the
//! look-up by number and phone into a way to learn who applied.

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
    /// When given, these requests and nothing else (the spec: it overrides the other filters).
    pub numbers: Vec<String>,
    /// Service codes, any of them (empty: all).
    pub item_codes: Vec<String>,
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
    /// `open` or `closed`, or empty for both.
    pub status: String,
    pub limit: i64,
}

const COLUMNS: &str = "w.number, w.state, i.code AS item_code, r.item_name, r.source, \
     r.description, '' AS address, \
     w.created_at, w.updated_at, w.due_at, r.token \
     FROM work_item w JOIN service_request r ON r.work_item_id = w.id AND r.community_code = w.community_code JOIN service_item i ON i.id = r.item_id";

impl Store {
    /// A community's requests, newest first, filtered as GeoReport v2 allows.
    pub async fn public_requests(&self, community: DivisionCode, f: &PublicFilter) -> StoreResult<Vec<PublicRequest>> {
        let open = ["submitted", "awaiting_materials", "in_progress", "transferred"];
        let status = f.status.trim();
        // Fixed-size lists of placeholders (padded with values that match nothing) keep the SQL
        // text constant for the statement cache.
        let numbers: Vec<String> = (0..50).map(|i| f.numbers.get(i).cloned().unwrap_or_default()).collect();
        let codes: Vec<String> =
            (0..20).map(|i| f.item_codes.get(i).map(|c| c.trim().to_ascii_uppercase()).unwrap_or_default()).collect();
        let number_slots: Vec<String> = (0..50).map(|i| format!("${}", i + 8)).collect();
        let code_slots: Vec<String> = (0..20).map(|i| format!("${}", i + 58)).collect();
        let by_number = !f.numbers.is_empty();
        let sql = format!(
            "SELECT {COLUMNS} WHERE w.community_code = $1 AND r.source = 'open311' \
             AND ($6 = 1 OR (($2 = 0 OR i.code IN ({codes})) AND ($3 IS NULL OR w.created_at >= $3) \
                 AND ($4 IS NULL OR w.created_at <= $4) AND ($5 = '' OR ($5 = 'open') = (w.state IN ('{open}'))))) \
             AND ($6 = 0 OR w.number IN ({numbers})) \
             ORDER BY w.created_at DESC LIMIT $7",
            codes = code_slots.join(", "),
            open = open.join("', '"),
            numbers = number_slots.join(", ")
        );
        let rows: Vec<PublicRequest> = on_db!(self, |pool| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(community.as_str())
                .bind(f.item_codes.len() as i64)
                .bind(f.start.map(Ts))
                .bind(f.end.map(Ts))
                .bind(status)
                .bind(i64::from(by_number))
                .bind(f.limit.clamp(1, 1000));
            for n in &numbers {
                q = q.bind(n.clone());
            }
            for c in &codes {
                q = q.bind(c.clone());
            }
            q.fetch_all(pool).await
        })?;
        Ok(rows)
    }

    /// The request an Open311 token stands for.
    pub async fn request_by_token(&self, community: DivisionCode, token: &str) -> StoreResult<Option<PublicRequest>> {
        let sql = format!("SELECT {COLUMNS} WHERE w.community_code = $1 AND r.source = 'open311' AND r.token = $2");
        Ok(on_db!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(community.as_str())
            .bind(token)
            .fetch_optional(pool)
            .await)?)
    }
}
