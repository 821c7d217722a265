//! 投诉: taken at the window, by phone, online or anonymously; investigated, handled and
//! answered within the limit; the complainant's verdict closes it or sends it, like a late
//! reply, to the street office (escalation is automatic once the reply is overdue).

use crate::acting::display_name;
use linli_domain::oversight::{COMPLAINT, ComplaintInput};
use linli_domain::rights::Rights;
use linli_domain::window::flow::STAY;
use linli_domain::workflow::{CHINA, Limit, Party, Urgency, due_at, urgency};
use linli_domain::{Action, DivisionCode, FieldError, Invalid, Level, Resource};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acting::{Acting, Actor};
use crate::audit::Entry;
use crate::node::stored_code;
use crate::privacy::Field;
use crate::window::MoveInput;
use crate::window::workitem::{NewItem, Outcome, WorkEvent, WorkItem, WorkTx, work_item_columns};
use crate::{Store, StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, Serialize)]
pub struct ComplaintDetail {
    pub work: WorkItem,
    pub channel: String,
    pub anonymous: bool,
    pub complainant_name: String,
    pub phone_masked: String,
    pub subject: String,
    pub content: String,
    pub request: Option<(Uuid, String)>,
    pub escalated_to: Option<String>,
    pub urgency: Option<Urgency>,
    pub history: Vec<WorkEvent>,
    pub moves: Vec<&'static str>,
    pub needs_reason: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ComplaintRow {
    pub id: Uuid,
    pub community_code: String,
    pub number: String,
    pub state: String,
    pub subject: String,
    pub channel: String,
    pub owner_name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct Facts {
    channel: String,
    anonymous: bool,
    complainant_name: String,
    phone_enc: Vec<u8>,
    user_id: Option<Uuid>,
    subject: String,
    content: String,
    request_id: Option<Uuid>,
    escalated_to: Option<String>,
}

const OPEN: [&str; 5] = ["accepted", "investigating", "handling", "replied", "escalated"];

impl Acting<'_> {
    /// Takes a complaint: staff at the window or by phone (anonymous ones too), or a resident
    /// online for themselves. The reply is due within five working days.
    pub async fn take_complaint(&self, community: DivisionCode, input: &ComplaintInput) -> StoreResult<(Uuid, String)> {
        let resident = self.is_resident();
        let mut input = input.clone();
        if resident {
            self.check(Resource::Application, Action::Create, &community)?;
            input.channel = "online".into();
        } else {
            self.community_for(Resource::Oversight, Action::Create, community).await?;
            if input.channel == "online" {
                return Err(StoreError::Invalid(Invalid::one("channel", "choice")));
            }
        }
        let f = input.validate()?;
        let request = match &f.request_number {
            None => None,
            Some(n) => {
                let found: Option<Uuid> = on_db!(self.store, |pool| {
                    sqlx::query_scalar(
                    "SELECT id FROM work_item WHERE number = $1 AND community_code = $2 AND kind = 'service_request'"
                )
                .bind(n)
                .bind(community.as_str())
                .fetch_optional(pool)
                .await
                })?;
                Some(found.ok_or_else(|| Invalid::one("request_number", "request_number_unknown"))?)
            }
        };
        let id = Uuid::now_v7();
        let at = now();
        let cal = self.store.calendar().await?;
        let limits = self.store.complaint_limits(community).await?;
        let reply_due = due_at(&cal, at, limits.limit("accepted").unwrap_or(Limit::WorkingDays(limits.reply_days)));
        let owner = if resident { None } else { self.actor.user_id().map(|u| (u, self.actor.name.clone())) };
        let title = format!("投诉 · {}", f.subject);
        let new = NewItem {
            id,
            community: community.as_str(),
            kind: COMPLAINT.kind,
            title: &title,
            state: "accepted",
            owner,
            accepted_at: Some(at),
            due_at: Some(reply_due),
            day: at.to_offset(CHINA).date(),
        };
        let keys = self.store.keys()?;
        let phone = f.phone.as_ref().map_or("", |p| p.as_str());
        let phone_enc = keys.encrypt(Field::Phone, &id, phone);
        let user = if resident { self.actor.user_id() } else { None };
        let entry = Entry::new(
            community.to_string(),
            "complaint.create",
            "complaint",
            id.to_string(),
            json!({ "channel": f.channel, "anonymous": f.anonymous, "request": f.request_number }),
        );
        let mut number = String::new();
        let done: Result<(), sqlx::Error> = on_db!(self.store, |pool| {
            async {
            use crate::audit::AuditTx as _;
            use crate::tx::WritePool as _;
            let mut tx = pool.begin_write().await?;
            number = tx.insert_work_item(&new, self.actor, "", &json!({ "channel": f.channel })).await?;
            sqlx::query(
                "INSERT INTO complaint (work_item_id, community_code, channel, anonymous, complainant_name, phone_enc, user_id, \
                 subject, content, request_id, reply_due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(f.channel)
            .bind(f.anonymous)
            .bind(&f.complainant_name)
            .bind(&phone_enc)
            .bind(user)
            .bind(&f.subject)
            .bind(&f.content)
            .bind(request)
            .bind(Ts(reply_due))
            .execute(&mut *tx)
            .await?;
            if !phone.is_empty() {
                let body = format!(
                    "【邻里社区服务】您的投诉已受理（编号 {number}），我们将在 {} 个工作日内答复。",
                    limits.reply_days
                );
                tx.enqueue(community.as_str(), id, &keys.encrypt(Field::Phone, &id, phone), &body).await?;
            }
            tx.append_audit(self.actor, &entry).await?;
            tx.commit().await
        }
        .await
        });
        done?;
        Ok((id, number))
    }

    async fn load_complaint(&self, id: Uuid) -> StoreResult<(WorkItem, Facts, Party)> {
        let work: Option<WorkItem> = on_db!(self.store, |pool| sqlx::query_as(concat!(
            "SELECT ",
            work_item_columns!(),
            " FROM work_item w WHERE w.id = $1 AND w.kind = 'complaint'"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        let work = work.ok_or(StoreError::NotFound("complaint"))?;
        let facts: Facts = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT channel, anonymous, complainant_name, phone_enc, user_id, subject, content, request_id, escalated_to \
             FROM complaint WHERE work_item_id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await
        })?;
        let community = stored_code(&work.community_code)?;
        let party = if self.is_resident() {
            self.check(Resource::Application, Action::Read, &community)?;
            if facts.user_id.is_none() || facts.user_id != self.actor.user_id() {
                return Err(StoreError::NotFound("complaint"));
            }
            Party::Applicant
        } else {
            self.check(Resource::Oversight, Action::Read, &community)?;
            let above = self.actor.principal.node.is_none_or(|n| n.level() != Level::Community);
            if facts.escalated_to.is_some() {
                // Once escalated the street office owns it in every state, not the community it
                // is about.
                if above && work.owner_id.is_none_or(|o| Some(o) == self.actor.user_id())
                    || matches!(self.actor.principal.rights, Rights::System)
                {
                    Party::Owner
                } else {
                    Party::Staff
                }
            } else {
                self.staff_party(&work)
            }
        };
        Ok((work, facts, party))
    }

    pub async fn complaint(&self, id: Uuid) -> StoreResult<ComplaintDetail> {
        let (work, f, party) = self.load_complaint(id).await?;
        let keys = self.store.keys()?;
        let phone = keys.decrypt(Field::Phone, &id, &f.phone_enc)?;
        let may = match party {
            Party::Applicant => true,
            _ => self.actor.principal.may(Resource::Oversight, Action::Update),
        };
        let open_moves = if may { COMPLAINT.moves_from(&work.state, party) } else { Vec::new() };
        let request = match f.request_id {
            Some(r) => {
                let n: String =
                    on_db!(self.store, |pool| sqlx::query_scalar("SELECT number FROM work_item WHERE id = $1")
                        .bind(r)
                        .fetch_one(pool)
                        .await)?;
                Some((r, n))
            }
            None => None,
        };
        let cal = self.store.calendar().await?;
        let open = OPEN.contains(&work.state.as_str());
        let mut history = self.store.work_history(id).await?;
        let mut work = work;
        if party == Party::Applicant {
            work.owner_name = display_name(&work.owner_name).to_owned();
            history.retain(|e| e.action != "hand_over");
            for e in &mut history {
                e.actor_name = display_name(&e.actor_name).to_owned();
            }
        }
        Ok(ComplaintDetail {
            urgency: work.due_at.filter(|_| open).map(|d| urgency(&cal, now(), d)),
            moves: open_moves.iter().map(|m| m.action).collect(),
            needs_reason: open_moves.iter().filter(|m| m.needs_reason).map(|m| m.action).collect(),
            channel: f.channel,
            anonymous: f.anonymous,
            complainant_name: f.complainant_name,
            phone_masked: linli_domain::ids::mask_phone(&phone),
            subject: f.subject,
            content: f.content,
            request,
            escalated_to: f.escalated_to,
            history,
            work,
        })
    }

    /// Moves a complaint; entering a state with a limit starts its clock, escalation hands it
    /// to the street office, a reply tells the complainant.
    pub async fn move_complaint(&self, id: Uuid, m: &MoveInput) -> StoreResult<String> {
        let (work, f, party) = self.load_complaint(id).await?;
        let community = stored_code(&work.community_code)?;
        match party {
            Party::Applicant => self.check(Resource::Application, Action::Update, &community)?,
            _ => self.check(Resource::Oversight, Action::Update, &community)?,
        }
        let mv = COMPLAINT
            .check(&work.state, m.action.trim(), party, &m.reason)
            .map_err(|e| StoreError::Invalid(Invalid(vec![FieldError::new("action", e.code())])))?;
        if m.version.is_some_and(|v| v != work.version) {
            return Err(StoreError::Conflict { what: "complaint", field: "version" });
        }
        if mv.action == "close" && work.due_at.is_some_and(|d| now() <= d) {
            return Err(StoreError::Invalid(Invalid::one("action", "complaint_close_early")));
        }
        let reason = linli_domain::validation::multiline(&m.reason, 2000).map_err(|e| e.at("reason"))?;
        self.apply_complaint_move(&work, &f, community, mv.action, mv.to, party, &reason, &m.to_user).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn apply_complaint_move(
        &self,
        work: &WorkItem,
        f: &Facts,
        community: DivisionCode,
        action: &'static str,
        to: &'static str,
        party: Party,
        reason: &str,
        to_user: &str,
    ) -> StoreResult<String> {
        let id = work.id;
        let at = now();
        let to = if to == STAY { work.state.as_str() } else { to };
        let me = self.actor.user_id().map(|u| (u, self.actor.name.clone()));
        let mut owner = if work.owner_id.is_none() && party == Party::Owner { me } else { None };
        let mut details = json!({});
        if action == "hand_over" {
            // While escalated, only to someone at the street office that took it over.
            let street = f.escalated_to.as_deref().map(DivisionCode::parse);
            let place = |n: &DivisionCode| match &street {
                Some(s) => s.as_ref().is_ok_and(|s| s.contains(n)) && n.level() != Level::Community,
                None => n.contains(&community),
            };
            let (to, d) = self.hand_over_to(work, to_user, Resource::Oversight, place).await?;
            owner = Some(to);
            details = d;
        }
        let escalate_to = (to == "escalated" && work.state != "escalated").then(|| community.parent()).flatten();
        let cal = self.store.calendar().await?;
        let limits = self.store.complaint_limits(community).await?;
        let due = (to != work.state).then(|| limits.limit(to).map(|l| due_at(&cal, at, l))).flatten();
        let outcome = Outcome {
            before: work,
            cal: &cal,
            action,
            to,
            reason,
            details: &details,
            owner,
            accepted_at: None,
            due_at: due,
            closed_at: (to == "closed").then_some(at),
        };
        let entry = Entry::new(
            community.to_string(),
            "complaint.move",
            "complaint",
            id.to_string(),
            json!({ "number": work.number, "action": action, "from": work.state, "to": to }),
        );
        let keys = self.store.keys()?;
        let phone = keys.decrypt(Field::Phone, &id, &f.phone_enc)?;
        let body = match action {
            "reply" => {
                Some(format!("【邻里社区服务】您的投诉（{}）已答复：{reason}。请登录或来电告知是否满意。", work.number))
            }
            "escalate" | "reject_reply" => Some(format!("【邻里社区服务】您的投诉（{}）已移交街道办理。", work.number)),
            _ => None,
        }
        .filter(|_| !phone.is_empty());
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
            if let Some(street) = &escalate_to {
                // The street office owns it from here: whoever there acts first.
                sqlx::query("UPDATE complaint SET escalated_to = $2, escalated_at = $3 WHERE work_item_id = $1")
                    .bind(id)
                    .bind(street.as_str())
                    .bind(Ts(at))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE work_item SET owner_id = NULL, owner_name = '' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(b) = &body {
                tx.enqueue(community.as_str(), id, &keys.encrypt(Field::Phone, &id, &phone), b).await?;
            }
            tx.append_audit(self.actor, &entry).await?;
            tx.commit().await?;
            Ok(true)
        }
        .await);
        if done? { Ok(to.to_owned()) } else { Err(StoreError::Conflict { what: "complaint", field: "version" }) }
    }

    /// Complaints in the actor's reach under `node` (a community, or a street's escalated ones),
    /// open first by deadline.
    pub async fn complaints(&self, node: DivisionCode, open_only: bool) -> StoreResult<Vec<ComplaintRow>> {
        self.check(Resource::Oversight, Action::Read, &node)?;
        let community_level = node.level() == Level::Community;
        // A community's own list binds its code as an equality, which the queue index serves; a
        // street's or district's escalated ones match the subtree's prefix.
        let (scope, bound) = if community_level {
            ("w.community_code = $1", node.to_string())
        } else {
            ("w.community_code LIKE $1", format!("{}%", node.subtree_prefix()))
        };
        let sql = format!(
            "SELECT w.id, w.community_code, w.number, w.state, c.subject, c.channel, w.owner_name, w.due_at, w.created_at \
             FROM work_item w JOIN complaint c ON c.work_item_id = w.id AND c.community_code = w.community_code \
             WHERE {scope} AND w.kind = 'complaint' AND ($2 = 0 OR w.state <> 'closed') \
             AND ($3 = 1 OR c.escalated_to IS NOT NULL) \
             ORDER BY w.state = 'closed', w.due_at, w.created_at DESC LIMIT 500"
        );
        Ok(on_db!(self.store, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&bound)
                .bind(i64::from(open_only))
                .bind(i64::from(community_level))
                .fetch_all(pool)
                .await
        })?)
    }

    /// The signed-in resident's own complaints.
    pub async fn my_complaints(&self) -> StoreResult<Vec<ComplaintRow>> {
        self.check_right(Resource::Application, Action::Read)?;
        let Some(me) = self.actor.user_id() else { return Err(StoreError::Forbidden) };
        Ok(on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT w.id, w.community_code, w.number, w.state, c.subject, c.channel, w.owner_name, w.due_at, w.created_at \
             FROM work_item w JOIN complaint c ON c.work_item_id = w.id AND c.community_code = w.community_code WHERE c.user_id = $1 ORDER BY w.created_at DESC LIMIT 100"
        )
        .bind(me)
        .fetch_all(pool)
        .await
        })?)
    }
}

impl Store {
    /// Escalates every complaint whose reply is overdue to its street office (run by the
    /// server's housekeeping every minute). Returns how many were escalated.
    pub async fn escalate_overdue_complaints(&self) -> StoreResult<usize> {
        let due: Vec<Uuid> = on_db!(self, |pool| {
            sqlx::query_scalar(
            "SELECT id FROM work_item WHERE kind = 'complaint' AND state IN ('accepted', 'investigating', 'handling') \
             AND due_at < $1 ORDER BY due_at LIMIT 200"
        )
        .bind(Ts(now()))
        .fetch_all(pool)
        .await
        })?;
        let actor = Actor::system("超期自动升级");
        let acting = self.acting(&actor);
        let mut n = 0;
        for id in due {
            let Ok((work, f, _)) = acting.load_complaint(id).await else {
                tracing::warn!(complaint = %id, "could not read an overdue complaint; will retry");
                continue;
            };
            let community = stored_code(&work.community_code)?;
            match acting
                .apply_complaint_move(
                    &work,
                    &f,
                    community,
                    "escalate",
                    "escalated",
                    Party::Owner,
                    "答复超期，自动移交街道",
                    "",
                )
                .await
            {
                Ok(_) => n += 1,
                // Someone moved it meanwhile: nothing to do.
                Err(StoreError::Conflict { .. }) => {}
                // One bad row must not stop the others.
                Err(e) => {
                    tracing::warn!(complaint = %id, error = %e, "could not escalate an overdue complaint; will retry")
                }
            }
        }
        Ok(n)
    }

    /// For tests and the demo: pretend a work item was received and accepted at `accepted`
    /// with deadline `due` (a complaint's reply deadline too).
    pub async fn backdate_item(&self, id: Uuid, accepted: OffsetDateTime, due: OffsetDateTime) -> StoreResult<()> {
        exec_db!(self, |pool| sqlx::query(
            "UPDATE work_item SET created_at = $2, accepted_at = $2, due_at = $3 WHERE id = $1"
        )
        .bind(id)
        .bind(Ts(accepted))
        .bind(Ts(due))
        .execute(pool)
        .await)?;
        exec_db!(self, |pool| sqlx::query("UPDATE complaint SET reply_due_at = $2 WHERE work_item_id = $1")
            .bind(id)
            .bind(Ts(due))
            .execute(pool)
            .await)?;
        let community: String =
            on_db!(self, |pool| sqlx::query_scalar("SELECT community_code FROM work_item WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await)?;
        // It now counts on another day.
        self.rebuild_figures(&community).await
    }
}
