//! 咨询: enquiries at the window or by phone, logged with the answer given; one may become a
//! request, which is then linked to it.

use linli_domain::validation::{Checker, multiline, optional_text, text};
use linli_domain::{Action, DivisionCode, FieldError, Resource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acting::Acting;
use crate::audit::Entry;
use crate::{StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConsultationInput {
    pub topic: String,
    pub answer: String,
    pub asker_name: String,
    /// window, phone or online.
    pub channel: String,
    /// The catalogue item asked about, if any.
    pub item: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Consultation {
    pub id: Uuid,
    pub topic: String,
    pub answer: String,
    pub asker_name: String,
    pub channel: String,
    pub worker_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub item_id: Option<Uuid>,
    pub item_name: Option<String>,
}

impl Acting<'_> {
    pub async fn record_consultation(&self, community: DivisionCode, input: &ConsultationInput) -> StoreResult<Uuid> {
        self.community_for(Resource::ServiceRequest, Action::Create, community).await?;
        let mut c = Checker::new();
        let topic = c.take("topic", text(&input.topic, 200));
        let answer = c.take("answer", multiline(&input.answer, 2000));
        let asker = c.take("asker_name", optional_text(&input.asker_name, 40));
        let channel = match input.channel.trim() {
            "" | "window" => Some("window"),
            "phone" => Some("phone"),
            "online" => Some("online"),
            _ => {
                c.push(FieldError::new("channel", "choice"));
                None
            }
        };
        let item = match input.item.trim() {
            "" => Some(None),
            s => match Uuid::parse_str(s) {
                Ok(id) if self.store.community_item(community, id).await.is_ok() => Some(Some(id)),
                _ => {
                    c.push(FieldError::new("item", "choice"));
                    None
                }
            },
        };
        c.finish()?;
        let (Some(topic), Some(answer), Some(asker), Some(channel), Some(item)) = (topic, answer, asker, channel, item)
        else {
            return Err(StoreError::Invalid(linli_domain::Invalid::one("", "required")));
        };
        let id = Uuid::now_v7();
        let entry = Entry::new(
            community.to_string(),
            "consultation.record",
            "consultation",
            id.to_string(),
            json!({ "channel": channel }),
        );
        audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO consultation (id, community_code, item_id, topic, answer, asker_name, channel, worker_id, worker_name, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(item)
            .bind(&topic)
            .bind(&answer)
            .bind(&asker)
            .bind(channel)
            .bind(self.actor.user_id())
            .bind(&self.actor.name)
            .bind(Ts(now()))
            .execute(&mut *tx)
            .await?;
        })?;
        Ok(id)
    }

    /// A community's consultations, newest first, matched on topic and answer.
    pub async fn consultations(
        &self,
        community: DivisionCode,
        q: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Consultation>, i64)> {
        self.community_for(Resource::ServiceRequest, Action::Read, community).await?;
        let q = q.trim().to_lowercase();
        let pattern = format!("%{}%", crate::like_escape(&q));
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            c: Consultation,
            total: i64,
        }
        let rows: Vec<Row> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT c.id, c.topic, c.answer, c.asker_name, c.channel, c.worker_name, c.at, c.item_id, i.name AS item_name, \
             count(*) OVER () AS total FROM consultation c LEFT JOIN service_item i ON i.id = c.item_id \
             WHERE c.community_code = $1 AND ($2 = '' OR lower(c.topic) LIKE $3 ESCAPE '\\' OR lower(c.answer) LIKE $3 ESCAPE '\\') \
             ORDER BY c.at DESC LIMIT $4 OFFSET $5"
        )
        .bind(community.as_str())
        .bind(&q)
        .bind(&pattern)
        .bind(limit.clamp(1, 200))
        .bind(offset.max(0))
        .fetch_all(pool)
        .await
        })?;
        let total = rows.first().map_or(0, |r| r.total);
        Ok((rows.into_iter().map(|r| r.c).collect(), total))
    }
}
