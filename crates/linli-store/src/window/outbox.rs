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
    /// The oldest unsent messages, decrypted for the sender.
    pub async fn pending_messages(&self, limit: i64) -> StoreResult<Vec<Outgoing>> {
        type Row = (Uuid, Option<Uuid>, String, Vec<u8>, String, i32);
        let rows: Vec<Row> = on_db!(self, |pool| sqlx::query_as(
            "SELECT id, work_item_id, channel, recipient_enc, body, attempts FROM outbox \
             WHERE sent_at IS NULL AND attempts < $1 ORDER BY created_at LIMIT $2"
        )
        .bind(MAX_ATTEMPTS)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        let keys = self.keys()?;
        rows.into_iter()
            .map(|(id, item, channel, enc, body, attempts)| {
                let recipient = keys.decrypt(Field::Phone, &item.unwrap_or(id), &enc)?;
                Ok(Outgoing { id, channel, recipient, body, attempts })
            })
            .collect()
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
