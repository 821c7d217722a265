//! 整改 work items: the community verifies a bad rating, puts it right and visits the resident
//! again, each step within its limit; the resident sees where it stands on their request.

use crate::acting::display_name;
use linli_domain::oversight::{RECTIFICATION, rectification_limit};
use linli_domain::rights::Rights;
use linli_domain::window::flow::STAY;
use linli_domain::workflow::{Party, Urgency, due_at, urgency};
use linli_domain::{Action, DivisionCode, FieldError, Invalid, Resource, Role};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ratings::Rating;
use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::stored_code;
use crate::privacy::Field;
use crate::window::MoveInput;
use crate::window::workitem::{Outcome, WorkEvent, WorkItem, WorkTx, work_item_columns};
use crate::{StoreError, StoreResult, now};

#[derive(Debug, Clone, Serialize)]
pub struct RectificationDetail {
    pub work: WorkItem,
    pub rating: Rating,
    pub request_id: Uuid,
    pub request_number: String,
    pub item_name: String,
    pub urgency: Option<Urgency>,
    pub history: Vec<WorkEvent>,
    pub moves: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RectificationRow {
    pub id: Uuid,
    pub number: String,
    pub state: String,
    pub title: String,
    pub owner_name: String,
    pub level: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Acting<'_> {
    /// Loads a rectification: staff of its community, or the resident whose request it is about.
    async fn load_rectification(&self, id: Uuid) -> StoreResult<(WorkItem, Uuid, Party)> {
        let work: Option<WorkItem> = on_db!(self.store, |pool| sqlx::query_as(concat!(
            "SELECT ",
            work_item_columns!(),
            " FROM work_item w WHERE w.id = $1 AND w.kind = 'rectification'"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        let work = work.ok_or(StoreError::NotFound("rectification"))?;
        let request: Uuid = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT request_id FROM rectification WHERE work_item_id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await)?;
        let community = stored_code(&work.community_code)?;
        let party = match self.actor.principal.rights {
            Rights::Role(Role::Resident | Role::Volunteer) => {
                // The request's own check says whether this resident applied for it.
                self.load_request(request).await.map_err(|_| StoreError::NotFound("rectification"))?;
                Party::Applicant
            }
            _ => {
                self.check(Resource::Oversight, Action::Read, &community)?;
                self.staff_party(&work)
            }
        };
        Ok((work, request, party))
    }

    pub async fn rectification(&self, id: Uuid) -> StoreResult<RectificationDetail> {
        let (work, request, party) = self.load_rectification(id).await?;
        let rating: Rating = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT g.id, g.work_item_id, g.level, g.comment, g.channel, g.recorded_by, g.created_at, \
             x.work_item_id AS rectification_id FROM rectification x JOIN rating g ON g.id = x.rating_id \
             WHERE x.work_item_id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await)?;
        let (request_number, item_name): (String, String) = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT w.number, r.item_name FROM work_item w JOIN service_request r ON r.work_item_id = w.id AND r.community_code = w.community_code WHERE w.id = $1"
        )
        .bind(request)
        .fetch_one(pool)
        .await
        })?;
        let cal = self.store.calendar().await?;
        let open = !RECTIFICATION.state(&work.state).is_some_and(|s| s.terminal);
        let may = party != Party::Applicant && self.actor.principal.may(Resource::Oversight, Action::Update);
        let moves = if may {
            RECTIFICATION.moves_from(&work.state, party).iter().map(|m| m.action).collect()
        } else {
            Vec::new()
        };
        let mut history = self.store.work_history(id).await?;
        let mut work = work;
        let mut rating = rating;
        if party == Party::Applicant {
            rating.recorded_by = display_name(&rating.recorded_by).to_owned();
            work.owner_name = display_name(&work.owner_name).to_owned();
            history.retain(|e| e.action != "hand_over");
            for e in &mut history {
                e.actor_name = display_name(&e.actor_name).to_owned();
            }
        }
        Ok(RectificationDetail {
            urgency: work.due_at.filter(|_| open).map(|d| urgency(&cal, now(), d)),
            work,
            rating,
            request_id: request,
            request_number,
            item_name,
            history,
            moves,
        })
    }

    /// Moves a rectification; each step gets its own deadline, and closing it tells the resident.
    pub async fn move_rectification(&self, id: Uuid, m: &MoveInput) -> StoreResult<String> {
        let (work, request, party) = self.load_rectification(id).await?;
        let community = stored_code(&work.community_code)?;
        if party == Party::Applicant {
            return Err(StoreError::Forbidden);
        }
        self.check(Resource::Oversight, Action::Update, &community)?;
        let mv = RECTIFICATION
            .check(&work.state, m.action.trim(), party, &m.reason)
            .map_err(|e| StoreError::Invalid(Invalid(vec![FieldError::new("action", e.code())])))?;
        if m.version.is_some_and(|v| v != work.version) {
            return Err(StoreError::Conflict { what: "rectification", field: "version" });
        }
        let reason = linli_domain::validation::multiline(&m.reason, 1000).map_err(|e| e.at("reason"))?;
        let at = now();
        let to = if mv.to == STAY { work.state.as_str() } else { mv.to };
        let mut owner =
            if work.owner_id.is_none() { self.actor.user_id().map(|u| (u, self.actor.name.clone())) } else { None };
        let mut details = json!({});
        if mv.action == "hand_over" {
            let (to, d) = self.hand_over_to(&work, &m.to_user, Resource::Oversight, |n| n.contains(&community)).await?;
            owner = Some(to);
            details = d;
        }
        let cal = self.store.calendar().await?;
        let due = (to != work.state).then(|| rectification_limit(to).map(|l| due_at(&cal, at, l))).flatten();
        let closed_at = (to == "closed").then_some(at);
        let outcome = Outcome {
            before: &work,
            cal: &cal,
            action: mv.action,
            to,
            reason: &reason,
            details: &details,
            owner,
            accepted_at: None,
            due_at: due,
            closed_at,
        };
        let entry = Entry::new(
            community.to_string(),
            "rectification.move",
            "rectification",
            id.to_string(),
            json!({ "number": work.number, "action": mv.action, "from": work.state, "to": to }),
        );
        let keys = self.store.keys()?;
        let notice = if to == "closed" {
            let enc: Vec<u8> = on_db!(self.store, |pool| sqlx::query_scalar(
                "SELECT phone_enc FROM service_request WHERE work_item_id = $1"
            )
            .bind(request)
            .fetch_one(pool)
            .await)?;
            let phone = keys.decrypt(Field::Phone, &request, &enc)?;
            (!phone.is_empty()).then(|| {
                (keys.encrypt(Field::Phone, &id, &phone), format!("【邻里社区服务】您的评价已核实处理并回访：{reason}"))
            })
        } else {
            None
        };
        let done: Result<bool, sqlx::Error> = on_db!(self.store, |pool| async {
            use crate::audit::AuditTx as _;
            use crate::batch::RunBatch as _;
            use crate::tx::WritePool as _;
            let mut tx = pool.begin_write().await?;
            let mut moved = crate::batch::Batch::new();
            if !tx.apply_move(&outcome, self.actor, &mut moved).await? {
                return Ok(false);
            }
            tx.run(moved).await?;
            if let Some((enc, body)) = &notice {
                tx.enqueue(community.as_str(), id, enc, body).await?;
            }
            tx.append_audit(self.actor, &entry).await?;
            tx.commit().await?;
            Ok(true)
        }
        .await);
        if done? { Ok(to.to_owned()) } else { Err(StoreError::Conflict { what: "rectification", field: "version" }) }
    }

    /// A community's rectifications, open first by deadline.
    pub async fn rectifications(&self, community: DivisionCode, open_only: bool) -> StoreResult<Vec<RectificationRow>> {
        self.community_for(Resource::Oversight, Action::Read, community).await?;
        Ok(on_db!(self.store, |pool| sqlx::query_as(
            "SELECT w.id, w.number, w.state, w.title, w.owner_name, g.level, w.due_at, w.created_at \
             FROM work_item w JOIN rectification x ON x.work_item_id = w.id JOIN rating g ON g.id = x.rating_id \
             WHERE w.community_code = $1 AND w.kind = 'rectification' AND ($2 = 0 OR w.state <> 'closed') \
             ORDER BY w.state = 'closed', w.due_at, w.created_at DESC LIMIT 500"
        )
        .bind(community.as_str())
        .bind(i64::from(open_only))
        .fetch_all(pool)
        .await)?)
    }
}
