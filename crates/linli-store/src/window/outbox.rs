//! The notification outbox: messages written with the change they tell of, delivered later
//! by whichever sender is configured (a log by default; SMS or WeChat gateways plug in).

use uuid::Uuid;

use crate::privacy::Field;
use crate::{Store, StoreResult, Ts, now};

/// A message ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub body: String,
    pub attempts: i32,
}

/// Messages that failed this many times are left for an operator to look at.
pub const MAX_ATTEMPTS: i32 = 5;

impl Store {
    /// Claims the oldest unsent messages for a minute and returns them decrypted: a second
    /// server draining the same outbox skips them, and a sender that dies lets them go again.
    /// A message that cannot be decrypted is set aside with its error instead of blocking the rest.
    pub async fn pending_messages(&self, limit: i64) -> StoreResult<Vec<Outgoing>> {
        let lock = match self.engine() {
            crate::Engine::Sqlite => "",
            crate::Engine::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_until = $1 WHERE id IN (SELECT id FROM outbox \
             WHERE sent_at IS NULL AND attempts < $2 AND (claimed_until IS NULL OR claimed_until < $3) \
             ORDER BY created_at LIMIT $4 {lock}) \
             RETURNING id, work_item_id, channel, recipient_enc, body, attempts"
        );
        let t = now();
        type Row = (Uuid, Option<Uuid>, String, Vec<u8>, String, i32);
        let rows: Vec<Row> = on_db!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(Ts(t + time::Duration::minutes(1)))
            .bind(MAX_ATTEMPTS)
            .bind(Ts(t))
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        let keys = self.keys()?;
        let mut out = Vec::new();
        for (id, item, channel, enc, body, attempts) in rows {
            match keys.decrypt(Field::Phone, &item.unwrap_or(id), &enc) {
                Ok(recipient) => out.push(Outgoing { id, channel, recipient, body, attempts }),
                Err(e) => {
                    tracing::warn!(%id, error = %e, "a notification's recipient cannot be decrypted; set aside");
                    exec_db!(self, |pool| sqlx::query(
                        "UPDATE outbox SET attempts = $2, last_error = $3 WHERE id = $1"
                    )
                    .bind(id)
                    .bind(MAX_ATTEMPTS)
                    .bind(e.to_string())
                    .execute(pool)
                    .await)?;
                }
            }
        }
        out.sort_by_key(|m| m.id);
        Ok(out)
    }

    /// Records a delivery (`error` = None) or a failed attempt.
    pub async fn message_done(&self, id: Uuid, error: Option<&str>) -> StoreResult<()> {
        match error {
            None => exec_db!(self, |pool| sqlx::query(
                "UPDATE outbox SET sent_at = $2, attempts = attempts + 1 WHERE id = $1"
            )
            .bind(id)
            .bind(Ts(now()))
            .execute(pool)
            .await)?,
            Some(e) => exec_db!(self, |pool| sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1"
            )
            .bind(id)
            .bind(e)
            .execute(pool)
            .await)?,
        };
        Ok(())
    }

    /// Messages for one work item, newest first (for tests and the request page).
    pub async fn messages_for(&self, item: Uuid) -> StoreResult<Vec<(String, bool)>> {
        let rows: Vec<(String, Option<time::OffsetDateTime>)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT body, sent_at FROM outbox WHERE work_item_id = $1 ORDER BY created_at DESC, id DESC"
        )
        .bind(item)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|(b, s)| (b, s.is_some())).collect())
    }
}
