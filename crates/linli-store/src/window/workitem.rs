//! The work-item engine's storage: numbering, items, their moves and history, for any flow.
//!
//! A flow module (service requests now; grid events and complaints later) decides *which*
//! move is allowed with [`linli_domain::workflow::Flow::check`]; this module writes the
//! outcome the same way for every flow: the item's new state, owner and clock, one history
//! row, under an optimistic version check so two workers cannot both move the same item.

use serde::Serialize;
use serde_json::Value;
use sqlx::{Postgres, Sqlite};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::acting::Actor;
use crate::batch::{Batch, RunBatch as _};
use crate::oversight::TallyTx as _;
use crate::{Ts, now};

/// A work item as every flow shares it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WorkItem {
    pub id: Uuid,
    pub community_code: String,
    pub kind: String,
    pub number: String,
    pub state: String,
    pub title: String,
    pub owner_id: Option<Uuid>,
    pub owner_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: i32,
}

/// The columns [`WorkItem`] reads, for `w` = work_item.
macro_rules! work_item_columns {
    () => {
        "w.id, w.community_code, w.kind, w.number, w.state, w.title, w.owner_id, w.owner_name, w.created_at, \
         w.accepted_at, w.due_at, w.closed_at, w.updated_at, w.version"
    };
}
pub(crate) use work_item_columns;

/// One line of an item's history.
#[derive(Debug, Clone, Serialize)]
pub struct WorkEvent {
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub actor_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reason: String,
    pub details: Value,
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    action: String,
    from_state: String,
    to_state: String,
    actor_name: String,
    at: OffsetDateTime,
    reason: String,
    details: String,
}

impl From<EventRow> for WorkEvent {
    fn from(r: EventRow) -> Self {
        WorkEvent {
            details: serde_json::from_str(&r.details).unwrap_or(Value::Null),
            action: r.action,
            from_state: r.from_state,
            to_state: r.to_state,
            actor_name: r.actor_name,
            at: r.at,
            reason: r.reason,
        }
    }
}

/// A new item, as a flow creates it.
pub(crate) struct NewItem<'a> {
    pub id: Uuid,
    pub community: &'a str,
    pub kind: &'static str,
    pub title: &'a str,
    pub state: &'a str,
    pub owner: Option<(Uuid, String)>,
    pub accepted_at: Option<OffsetDateTime>,
    pub due_at: Option<OffsetDateTime>,
    pub day: Date,
}

/// A move's outcome, as a flow decided it.
pub(crate) struct Outcome<'a> {
    /// The item as it was read, whose version the move expects.
    pub before: &'a WorkItem,
    /// For what the move changes in the figures (working days taken).
    pub cal: &'a linli_domain::Calendar,
    pub action: &'a str,
    pub to: &'a str,
    pub reason: &'a str,
    pub details: &'a Value,
    pub owner: Option<(Uuid, String)>,
    pub accepted_at: Option<OffsetDateTime>,
    pub due_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
}

/// The next number of a community's day, with the head of the community's audit chain.
const NUMBER: &str = "INSERT INTO work_item_sequence (community_code, day, last) VALUES ($1, $2, 1) \
     ON CONFLICT (community_code, day) DO UPDATE SET last = work_item_sequence.last + 1 \
     RETURNING last, (SELECT h.seq FROM audit_head h WHERE h.chain = $1), \
     (SELECT h.hash FROM audit_head h WHERE h.chain = $1)";

/// The engine's writes inside an open transaction.
pub(crate) trait WorkTx {
    /// Takes the next number of the item's community and day and reads the head of the
    /// community's audit chain, in one round trip. On PostgreSQL it first takes the community's
    /// lock, which the day counts and the chain both need for the rest of the transaction.
    /// Returns the number's sequence and the head, for [`push_new_item`] and
    /// [`crate::audit::stamp`].
    async fn number_item(&mut self, item: &NewItem<'_>) -> Result<(i64, crate::audit::Head), sqlx::Error>;
    /// Creates the item with its human-readable number and first history row; returns the number.
    async fn insert_work_item(
        &mut self,
        item: &NewItem<'_>,
        actor: &Actor,
        reason: &str,
        details: &Value,
    ) -> Result<String, sqlx::Error>;
    /// Applies a move if nobody moved the item since `version` was read; false when someone did.
    /// The item's row changes at once; its history row and day count join `b`, for the caller
    /// to send with the rest of the move's rows.
    async fn apply_move(&mut self, o: &Outcome<'_>, actor: &Actor, b: &mut Batch) -> Result<bool, sqlx::Error>;
    /// Queues a notification to the item's applicant (the phone encrypted with the item's id).
    async fn enqueue(
        &mut self,
        community: &str,
        item: Uuid,
        recipient_enc: &[u8],
        body: &str,
    ) -> Result<(), sqlx::Error>;
}

macro_rules! impl_work_tx {
    ($db:ty) => {
        impl WorkTx for crate::tx::WriteTx<$db> {
            async fn number_item(&mut self, item: &NewItem<'_>) -> Result<(i64, crate::audit::Head), sqlx::Error> {
                self.lock_community(item.community).await?;
                let (seq, head_seq, head_hash): (i64, Option<i64>, Option<Vec<u8>>) = sqlx::query_as(NUMBER)
                    .bind(item.community)
                    .bind(item.day.to_string())
                    .fetch_one(&mut **self)
                    .await?;
                Ok((seq, head_seq.zip(head_hash)))
            }

            async fn insert_work_item(
                &mut self,
                item: &NewItem<'_>,
                actor: &Actor,
                reason: &str,
                details: &Value,
            ) -> Result<String, sqlx::Error> {
                let (seq, _) = self.number_item(item).await?;
                let mut b = Batch::new();
                let number = push_new_item(&mut b, item, seq, actor, reason, details)?;
                self.run(b).await?;
                Ok(number)
            }

            async fn apply_move(&mut self, o: &Outcome<'_>, actor: &Actor, b: &mut Batch) -> Result<bool, sqlx::Error> {
                let at = now();
                let (owner_id, owner_name) = o.owner.clone().map_or((None, None), |(i, n)| (Some(i), Some(n)));
                let done = sqlx::query(
                    "UPDATE work_item SET state = $3, owner_id = COALESCE($4, owner_id), \
                     owner_name = COALESCE($5, owner_name), accepted_at = COALESCE($6, accepted_at), \
                     due_at = COALESCE($7, due_at), closed_at = COALESCE($8, closed_at), updated_at = $9, \
                     version = version + 1 WHERE id = $1 AND version = $2",
                )
                .bind(o.before.id)
                .bind(o.before.version)
                .bind(o.to)
                .bind(owner_id)
                .bind(owner_name)
                .bind(o.accepted_at.map(Ts))
                .bind(o.due_at.map(Ts))
                .bind(o.closed_at.map(Ts))
                .bind(Ts(at))
                .execute(&mut **self)
                .await?
                .rows_affected();
                if done == 0 {
                    return Ok(false);
                }
                // Before the event is written: a complaint's first reply is the one with none before it.
                self.tally_move(o, at, b).await?;
                let w = o.before;
                push_event(b, &w.community_code, w.id, o.action, &w.state, o.to, actor, o.reason, o.details, at);
                Ok(true)
            }

            async fn enqueue(
                &mut self,
                community: &str,
                item: Uuid,
                recipient_enc: &[u8],
                body: &str,
            ) -> Result<(), sqlx::Error> {
                let mut b = Batch::new();
                push_outbox(&mut b, community, item, recipient_enc, body);
                self.run(b).await
            }
        }
    };
}

impl_work_tx!(Sqlite);
impl_work_tx!(Postgres);

/// A new item's row, numbered by `seq` (see [`WorkTx::number_item`]), its first history row
/// and its day count; returns the item's number. Fails only on a community code that is not one.
pub(crate) fn push_new_item(
    b: &mut Batch,
    item: &NewItem<'_>,
    seq: i64,
    actor: &Actor,
    reason: &str,
    details: &Value,
) -> Result<String, sqlx::Error> {
    let code = linli_domain::DivisionCode::parse(item.community)
        .map_err(|_| sqlx::Error::Protocol(format!("bad community code {}", item.community)))?;
    let number = linli_domain::window::request::request_number(&code, item.day, seq);
    let at = now();
    let (owner_id, owner_name) = item.owner.clone().map_or((None, String::new()), |(i, n)| (Some(i), n));
    b.push(
        "INSERT INTO work_item (id, community_code, kind, number, state, title, owner_id, owner_name, \
         created_at, accepted_at, due_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9, 1)",
    )
    .bind(item.id)
    .bind(item.community)
    .bind(item.kind)
    .bind(&number)
    .bind(item.state)
    .bind(item.title)
    .bind(owner_id)
    .bind(owner_name)
    .bind(Ts(at))
    .bind(item.accepted_at.map(Ts))
    .bind(item.due_at.map(Ts));
    push_event(b, item.community, item.id, "create", "", item.state, actor, reason, details, at);
    crate::oversight::push_new(b, item, at);
    Ok(number)
}

/// One history row.
#[allow(clippy::too_many_arguments)]
pub(crate) fn push_event(
    b: &mut Batch,
    community: &str,
    item: Uuid,
    action: &str,
    from: &str,
    to: &str,
    actor: &Actor,
    reason: &str,
    details: &Value,
    at: OffsetDateTime,
) {
    b.push(
        "INSERT INTO work_item_event (id, community_code, work_item_id, action, from_state, to_state, \
         actor_id, actor_name, at, reason, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(Uuid::now_v7())
    .bind(community)
    .bind(item)
    .bind(action)
    .bind(from)
    .bind(to)
    .bind(actor.user_id())
    .bind(&actor.name)
    .bind(Ts(at))
    .bind(reason)
    .bind(details.to_string());
}

/// A text message to a resident, sent by the outbox job (the phone encrypted with `item`'s id).
pub(crate) fn push_outbox(b: &mut Batch, community: &str, item: Uuid, recipient_enc: &[u8], body: &str) {
    b.push(
        "INSERT INTO outbox (id, community_code, work_item_id, channel, recipient_enc, body, created_at) \
         VALUES ($1, $2, $3, 'sms', $4, $5, $6)",
    )
    .bind(Uuid::now_v7())
    .bind(community)
    .bind(item)
    .bind(recipient_enc)
    .bind(body)
    .bind(Ts(now()));
}

impl crate::Store {
    /// An item's history, oldest first.
    pub(crate) async fn work_history(&self, item: Uuid) -> crate::StoreResult<Vec<WorkEvent>> {
        let rows: Vec<EventRow> = on_db!(self, |pool| sqlx::query_as(
            "SELECT action, from_state, to_state, actor_name, at, reason, details FROM work_item_event \
             WHERE work_item_id = $1 ORDER BY at, id"
        )
        .bind(item)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(WorkEvent::from).collect())
    }
}

impl crate::Acting<'_> {
    /// A staff member's part in a work item (首问负责): its owner — or anyone while nobody owns
    /// it, or a community head or administrator acting for the owner — else other staff.
    pub(crate) fn staff_party(&self, work: &WorkItem) -> linli_domain::workflow::Party {
        use linli_domain::rights::Rights;
        use linli_domain::{Role, workflow::Party};
        let manager =
            matches!(self.actor.principal.rights, Rights::System | Rights::Role(Role::Admin | Role::CommunityHead));
        if work.owner_id.is_none() || work.owner_id == self.actor.user_id() || manager {
            Party::Owner
        } else {
            Party::Staff
        }
    }

    /// Checks a hand-over's receiver — an active account holding `right`, placed where `place`
    /// allows, not the present owner — and returns the new owner and the history's details.
    pub(crate) async fn hand_over_to(
        &self,
        work: &WorkItem,
        to_user: &str,
        right: linli_domain::Resource,
        place: impl Fn(&linli_domain::DivisionCode) -> bool,
    ) -> crate::StoreResult<((Uuid, String), Value)> {
        use linli_domain::{Action, Invalid};
        let to_user = Uuid::parse_str(to_user.trim()).map_err(|_| Invalid::one("to_user", "choice"))?;
        let u = self.store.user(to_user).await.map_err(|_| Invalid::one("to_user", "choice"))?;
        let ok = linli_domain::rights::role_allows(u.role, right, Action::Update)
            && place(&u.node_code)
            && u.disabled_at.is_none()
            && Some(u.id) != work.owner_id;
        if !ok {
            return Err(crate::StoreError::Invalid(Invalid::one("to_user", "hand_over_to")));
        }
        let details = serde_json::json!({ "from": work.owner_name, "to": u.display_name });
        Ok(((u.id, format!("{} ({})", u.display_name, u.username)), details))
    }
}
