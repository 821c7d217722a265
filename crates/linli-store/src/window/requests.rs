//! Service requests (服务申请) through the window flow: intake, moves, queues, look-up.

use linli_domain::ids::mask_phone;
use linli_domain::rights::Rights;
use linli_domain::window::flow::{OPEN, STAY};
use linli_domain::window::request::{RequestFields, RequestInput, Source};
use linli_domain::window::{Channel, Material, SERVICE_REQUEST};
use linli_domain::workflow::{Limit, Party, Urgency, due_at, urgency};
use linli_domain::{Action, DivisionCode, FieldError, Invalid, Resource, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::catalogue::ServiceItem;
use super::group_commit::{Create, Rows};
use super::workitem::{NewItem, Outcome, WorkEvent, WorkItem, WorkTx, push_new_item, push_outbox, work_item_columns};
use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::stored_code;
use crate::privacy::Field;
use crate::{StoreError, StoreResult, Ts, now};

/// What a move carries besides its reason.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MoveInput {
    pub action: String,
    pub reason: String,
    /// `request_materials`: indexes (as text) of the item's materials that are missing.
    pub missing: Vec<String>,
    /// `transfer`: the receiving office and its limit in working days.
    pub office: String,
    pub office_days: String,
    /// `hand_over`: the staff member who takes the request over.
    pub to_user: String,
    /// The version the page showed, so a stale page cannot move the item again.
    pub version: Option<i32>,
}

/// A request as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RequestDetail {
    pub work: WorkItem,
    pub item_id: Uuid,
    pub item_name: String,
    pub time_limit_days: u32,
    pub source: String,
    pub mode: String,
    pub applicant_name: String,
    pub phone_masked: String,
    pub applicant_user_id: Option<Uuid>,
    pub address: String,
    pub description: String,
    /// (key, label, value).
    pub values: Vec<(String, String, String)>,
    pub missing: Vec<Material>,
    pub transfer_office: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub transfer_due_at: Option<OffsetDateTime>,
    pub urgency: Option<Urgency>,
    pub history: Vec<WorkEvent>,
    /// The actions the viewer may take now, in the flow's order.
    pub moves: Vec<&'static str>,
    /// Which of them need a written reason from this viewer.
    pub needs_reason: Vec<&'static str>,
    /// The Open311 token, for a request posted through the API.
    pub token: Option<String>,
    /// The code printed on the completion notice for rating it (once completed).
    pub rating_code: Option<String>,
}

/// A row of a window queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub id: Uuid,
    pub number: String,
    pub state: String,
    pub item_name: String,
    pub applicant_name: String,
    pub owner_name: String,
    pub source: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub urgency: Option<Urgency>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    /// A state code, `open` (the default: every open state) or `all`.
    pub state: String,
    /// Only the viewer's own requests.
    pub mine: bool,
    /// Number, applicant name or item name.
    pub q: String,
    pub limit: i64,
    pub offset: i64,
}

/// The window's home figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WindowSummary {
    pub overdue: i64,
    pub due_today: i64,
    pub due_soon: i64,
    pub awaiting_intake: i64,
    pub awaiting_materials: i64,
    pub in_progress: i64,
    pub completed_today: i64,
}

/// What the public look-up shows: no personal data beyond a masked name.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStatus {
    pub number: String,
    pub item_name: String,
    pub state: String,
    pub applicant_masked: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub missing: Vec<Material>,
    /// (action, at) of each step, without names or reasons.
    pub steps: Vec<(String, OffsetDateTime)>,
}

/// The request just taken.
#[derive(Debug, Clone, Serialize)]
pub struct Taken {
    pub id: Uuid,
    pub number: String,
    pub state: String,
    pub token: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RequestRow {
    item_id: Uuid,
    item_name: String,
    time_limit_days: i32,
    source: String,
    mode: String,
    applicant_name: String,
    phone_enc: Vec<u8>,
    pub(crate) applicant_user_id: Option<Uuid>,
    address: String,
    description: String,
    field_values: String,
    missing: String,
    transfer_office: String,
    transfer_due_at: Option<OffsetDateTime>,
    token: Option<String>,
    rating_code: Option<String>,
}

/// `王**` for the public look-up.
fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

/// The resident's notification for a move, or none.
fn notice(action: &str, number: &str, item: &str, reason: &str) -> Option<String> {
    let text = match action {
        "create_accepted" => format!("您的{item}申请已受理，受理编号 {number}。"),
        "create_submitted" => format!("您的{item}申请已提交，受理编号 {number}，社区将尽快审核。"),
        "accept" => format!("您的{item}申请（{number}）已受理，我们将在时限内办结。"),
        "request_materials" => format!("您的{item}申请（{number}）需补正材料：{reason}。材料齐全后即予受理。"),
        "decline" => format!("您的{item}申请（{number}）不予受理，原因：{reason}。"),
        "transfer" => format!("您的{item}申请（{number}）已转交{reason}办理。"),
        "complete" => format!("您的{item}申请（{number}）已办结：{reason}。欢迎对本次服务评价。"),
        "withdraw" => format!("您的{item}申请（{number}）已撤回。"),
        _ => return None,
    };
    Some(format!("【邻里社区服务】{text}"))
}

impl Acting<'_> {
    /// Takes a request at the window (or by phone): the taker owns it (首问负责). With every
    /// material handed in it is accepted at once and its clock starts; otherwise it waits in
    /// 补正 with the one-time notice of what is missing.
    pub async fn take_request(
        &self,
        community: DivisionCode,
        item: Uuid,
        input: &RequestInput,
        source: Source,
    ) -> StoreResult<Taken> {
        self.community_for(Resource::ServiceRequest, Action::Create, community).await?;
        let item = self.store.community_item(community, item).await?;
        if !item.in_force(crate::today()) {
            return Err(StoreError::Invalid(Invalid::one("item", "item_not_in_force")));
        }
        let f = input.validate(&item.fields, &item.materials)?;
        let owner = self.actor.user_id().map(|id| (id, self.actor.name.clone()));
        let (state, accepted_at, due) = if f.missing.is_empty() {
            let at = now();
            let cal = self.store.calendar().await?;
            ("in_progress", Some(at), Some(due_at(&cal, at, Limit::WorkingDays(item.time_limit_days))))
        } else {
            ("awaiting_materials", None, None)
        };
        self.insert_request(community, &item, &f, source, state, owner, accepted_at, due, None).await
    }

    /// A resident applies online for themselves: the request waits for a worker to take it.
    pub async fn apply_online(&self, community: DivisionCode, item: Uuid, input: &RequestInput) -> StoreResult<Taken> {
        self.check_right(Resource::Application, Action::Create)?;
        self.check(Resource::Application, Action::Create, &community)?;
        let item = self.store.community_item(community, item).await?;
        if !item.in_force(crate::today()) || !item.accepts(Channel::Online) {
            return Err(StoreError::Invalid(Invalid::one("item", "item_not_online")));
        }
        let f = input.validate(&item.fields, &item.materials)?;
        self.insert_request(community, &item, &f, Source::Online, "submitted", None, None, None, None).await
    }

    /// A request posted through Open311 by a token with the `open311` scope.
    pub async fn open311_request(
        &self,
        community: DivisionCode,
        item_code: &str,
        input: &RequestInput,
    ) -> StoreResult<Taken> {
        self.check(Resource::Open311, Action::Create, &community)?;
        self.community_for(Resource::Open311, Action::Create, community).await?;
        let item = self.store.item_by_code(community, item_code).await?;
        // Only what residents may apply for online is offered to public apps.
        if !item.in_force(crate::today()) || !item.accepts(Channel::Online) {
            return Err(StoreError::NotFound("service item"));
        }
        let f = input.validate_without_phone(&item.fields, &item.materials)?;
        let token = Uuid::now_v7().simple().to_string();
        self.insert_request(community, &item, &f, Source::Open311, "submitted", None, None, None, Some(token)).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_request(
        &self,
        community: DivisionCode,
        item: &ServiceItem,
        f: &RequestFields,
        source: Source,
        state: &str,
        owner: Option<(Uuid, String)>,
        accepted_at: Option<OffsetDateTime>,
        due: Option<OffsetDateTime>,
        token: Option<String>,
    ) -> StoreResult<Taken> {
        let keys = self.store.keys()?;
        let id = Uuid::now_v7();
        // No phone (an Open311 post without one) is stored as an encrypted empty value, whose
        // blind index no valid phone can match.
        let phone = f.applicant_phone.as_ref().map_or("", |p| p.as_str());
        let phone_enc = keys.encrypt(Field::Phone, &id, phone);
        let phone_idx = keys.blind_index(phone);
        let applicant_user = match self.actor.principal.rights {
            Rights::Role(Role::Resident | Role::Volunteer) => self.actor.user_id(),
            _ => None,
        };
        let values = serde_json::to_string(&f.values).unwrap_or_else(|_| "[]".into());
        // Only staff check materials: an online or Open311 application has nothing "missing"
        // until a worker takes it in and says so.
        let checked_missing: &[Material] = if state == "submitted" { &[] } else { &f.missing };
        let missing = serde_json::to_string(checked_missing).unwrap_or_else(|_| "[]".into());
        let title = format!("{} · {}", item.name, f.applicant_name);
        let details = json!({ "source": source.as_str(), "mode": f.mode.as_str(), "missing": checked_missing.iter().map(|m| &m.name).collect::<Vec<_>>() });
        let entry = Entry::new(
            community.to_string(),
            "service_request.create",
            "service_request",
            id.to_string(),
            json!({ "item": item.code, "state": state, "source": source.as_str() }),
        );
        let missing_names = checked_missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join("、");
        let outbox_kind = match state {
            "in_progress" => "create_accepted",
            "awaiting_materials" => "request_materials",
            _ => "create_submitted",
        };
        let day = now().to_offset(linli_domain::workflow::CHINA).date();
        let has_phone = !phone.is_empty();
        // What the rows need, owned: they are made by the task writing the group this create
        // joins (`group_commit.rs`), once it has the number.
        let (actor, state_owned, f) = (self.actor.clone(), state.to_owned(), f.clone());
        let (item_id, item_name, time_limit_days) = (item.id, item.name.clone(), item.time_limit_days as i32);
        let (code, token_row) = (community.to_string(), token.clone());
        let rows = move |seq: i64, head: crate::audit::Head| {
            use crate::batch::Batch;
            let new = NewItem {
                id,
                community: &code,
                kind: SERVICE_REQUEST.kind,
                title: &title,
                state: &state_owned,
                owner: owner.clone(),
                accepted_at,
                due_at: due,
                day,
            };
            let mut b = Batch::new();
            let number = push_new_item(&mut b, &new, seq, &actor, "", &details)?;
            b.push(
                "INSERT INTO service_request (work_item_id, community_code, item_id, item_name, time_limit_days, \
                 source, mode, applicant_name, phone_enc, phone_idx, applicant_user_id, address, description, \
                 field_values, missing, token) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(id)
            .bind(code.as_str())
            .bind(item_id)
            .bind(&item_name)
            .bind(time_limit_days)
            .bind(source.as_str())
            .bind(f.mode.as_str())
            .bind(&f.applicant_name)
            .bind(phone_enc.as_slice())
            .bind(phone_idx.as_slice())
            .bind(applicant_user)
            .bind(&f.address)
            .bind(&f.description)
            .bind(&values)
            .bind(&missing)
            .bind(token_row.as_deref());
            if let Some(body) = notice(outbox_kind, &number, &item_name, &missing_names).filter(|_| has_phone) {
                push_outbox(&mut b, &code, id, &phone_enc, &body);
            }
            let mut entry = entry.clone();
            entry.summary["number"] = json!(number);
            let record = crate::audit::stamp(&actor, &entry, head);
            crate::audit::push_record(&mut b, &record);
            Ok(Rows { batch: b, head: Some((record.seq, record.hash)), number })
        };
        let create = Create { community: community.to_string(), day, rows: Box::new(rows) };
        let number = self.store.creates.write(&self.store.db, create).await?;
        Ok(Taken { id, number, state: state.to_owned(), token })
    }

    /// Loads a request for the viewer: staff of its community, or the resident who applied.
    pub(crate) async fn load_request(&self, id: Uuid) -> StoreResult<(WorkItem, RequestRow, Party)> {
        let work: Option<WorkItem> = on_db!(self.store, |pool| sqlx::query_as(concat!(
            "SELECT ",
            work_item_columns!(),
            " FROM work_item w WHERE w.id = $1 AND w.kind = 'service_request'"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        let work = work.ok_or(StoreError::NotFound("service request"))?;
        let row: RequestRow = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT item_id, item_name, time_limit_days, source, mode, applicant_name, phone_enc, applicant_user_id, \
             address, description, field_values, missing, transfer_office, transfer_due_at, token, rating_code \
             FROM service_request WHERE work_item_id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await
        })
        .map_err(StoreError::not_found("service request"))?;
        let community = stored_code(&work.community_code)?;
        let party = match self.actor.principal.rights {
            Rights::Role(Role::Resident | Role::Volunteer) => {
                self.check(Resource::Application, Action::Read, &community)?;
                if row.applicant_user_id.is_none() || row.applicant_user_id != self.actor.user_id() {
                    return Err(StoreError::NotFound("service request"));
                }
                Party::Applicant
            }
            _ => {
                self.check(Resource::ServiceRequest, Action::Read, &community)?;
                self.staff_party(&work)
            }
        };
        Ok((work, row, party))
    }

    /// A request with its history and the moves open to the viewer.
    pub async fn request(&self, id: Uuid) -> StoreResult<RequestDetail> {
        let (work, row, party) = self.load_request(id).await?;
        let keys = self.store.keys()?;
        let phone = keys.decrypt(Field::Phone, &id, &row.phone_enc)?;
        let cal = self.store.calendar().await?;
        let open = OPEN.contains(&work.state.as_str()) && work.accepted_at.is_some();
        let urg = work.due_at.filter(|_| open).map(|d| urgency(&cal, now(), d));
        let may_move = match party {
            Party::Applicant => self.actor.principal.may(Resource::Application, Action::Update),
            _ => self.actor.principal.may(Resource::ServiceRequest, Action::Update),
        };
        let open_moves = if may_move { SERVICE_REQUEST.moves_from(&work.state, party) } else { Vec::new() };
        let moves = open_moves.iter().map(|m| m.action).collect();
        let needs_reason = open_moves.iter().filter(|m| m.needs_reason).map(|m| m.action).collect();
        let mut history = self.store.work_history(id).await?;
        let mut work = work;
        if party == Party::Applicant {
            // Residents see who handled what by name, not staff accounts, and not the office's
            // internal notes on hand-overs.
            work.owner_name = crate::acting::display_name(&work.owner_name).to_owned();
            for e in &mut history {
                e.actor_name = crate::acting::display_name(&e.actor_name).to_owned();
                if e.action == "hand_over" {
                    e.reason.clear();
                    e.details = json!({});
                }
            }
        }
        Ok(RequestDetail {
            history,
            item_id: row.item_id,
            item_name: row.item_name,
            time_limit_days: u32::try_from(row.time_limit_days).unwrap_or(0),
            source: row.source,
            mode: row.mode,
            applicant_name: row.applicant_name,
            phone_masked: mask_phone(&phone),
            applicant_user_id: row.applicant_user_id,
            address: row.address,
            description: row.description,
            values: serde_json::from_str(&row.field_values).unwrap_or_default(),
            missing: serde_json::from_str(&row.missing).unwrap_or_default(),
            transfer_office: row.transfer_office,
            transfer_due_at: row.transfer_due_at,
            urgency: urg,
            moves,
            needs_reason,
            token: row.token,
            rating_code: row.rating_code,
            work,
        })
    }

    /// Moves a request through the flow: checked against the declaration, the viewer's part
    /// in it and the version they saw; the resident is told through the outbox.
    pub async fn move_request(&self, id: Uuid, m: &MoveInput) -> StoreResult<String> {
        let (work, row, party) = self.load_request(id).await?;
        let community = stored_code(&work.community_code)?;
        match party {
            Party::Applicant => self.check(Resource::Application, Action::Update, &community)?,
            _ => self.check(Resource::ServiceRequest, Action::Update, &community)?,
        }
        let mv = SERVICE_REQUEST
            .check(&work.state, m.action.trim(), party, &m.reason)
            .map_err(|e| StoreError::Invalid(Invalid(vec![FieldError::new("action", e.code())])))?;
        if let Some(v) = m.version
            && v != work.version
        {
            return Err(StoreError::Conflict { what: "service request", field: "version" });
        }
        let reason = linli_domain::validation::multiline(&m.reason, 1000).map_err(|e| e.at("reason"))?;
        let at = now();
        let to = if mv.to == STAY { work.state.as_str() } else { mv.to };
        let me = self.actor.user_id().map(|u| (u, self.actor.name.clone()));
        let mut owner = if work.owner_id.is_none() && party == Party::Owner { me.clone() } else { None };
        let (mut accepted_at, mut due, mut closed_at) = (None, None, None);
        let mut details = json!({});
        let mut missing_update: Option<Vec<Material>> = None;
        let mut transfer: Option<(String, Option<OffsetDateTime>)> = None;
        let mut notice_reason = reason.clone();
        let cal = self.store.calendar().await?;
        match mv.action {
            "accept" => {
                accepted_at = Some(at);
                due = Some(due_at(&cal, at, Limit::WorkingDays(u32::try_from(row.time_limit_days).unwrap_or(0))));
                missing_update = Some(Vec::new());
            }
            "request_materials" => {
                // By id: the community may have stopped offering the item since intake.
                let item = self.store.item_by_id(row.item_id).await?;
                let mut missing = Vec::new();
                for s in &m.missing {
                    match s.trim().parse::<usize>().ok().and_then(|i| item.materials.get(i)) {
                        Some(mat) if !missing.contains(mat) => missing.push(mat.clone()),
                        Some(_) => {}
                        None => return Err(StoreError::Invalid(Invalid::one("missing", "choice"))),
                    }
                }
                if missing.is_empty() && reason.is_empty() {
                    return Err(StoreError::Invalid(Invalid::one("missing", "missing_required")));
                }
                let mut names: Vec<String> = missing.iter().map(|m| m.name.clone()).collect();
                if !reason.is_empty() {
                    names.push(reason.clone());
                }
                notice_reason = names.join("、");
                details = json!({ "missing": names });
                missing_update = Some(missing);
            }
            "transfer" => {
                let office = linli_domain::validation::text(&m.office, 60).map_err(|e| e.at("office"))?;
                let days = match m.office_days.trim() {
                    "" => None,
                    d => Some(
                        d.parse::<u32>()
                            .ok()
                            .filter(|d| (1..=60).contains(d))
                            .ok_or_else(|| Invalid::one("office_days", "office_days"))?,
                    ),
                };
                let office_due = days.map(|d| due_at(&cal, at, Limit::WorkingDays(d)));
                details = json!({ "office": office, "office_days": days });
                notice_reason = office.clone();
                transfer = Some((office, office_due));
            }
            "transfer_back" => transfer = Some((String::new(), None)),
            "complete" | "decline" | "withdraw" => closed_at = Some(at),
            "hand_over" => {
                let (to, d) =
                    self.hand_over_to(&work, &m.to_user, Resource::ServiceRequest, |n| n.contains(&community)).await?;
                owner = Some(to);
                details = d;
            }
            _ => {}
        }
        let outcome = Outcome {
            before: &work,
            cal: &cal,
            action: mv.action,
            to,
            reason: &reason,
            details: &details,
            owner,
            accepted_at,
            due_at: due,
            closed_at,
        };
        let entry = Entry::new(
            community.to_string(),
            action_name(mv.action),
            "service_request",
            id.to_string(),
            json!({ "number": work.number, "from": work.state, "to": to }),
        );
        let keys = self.store.keys()?;
        let body = notice(mv.action, &work.number, &row.item_name, &notice_reason);
        let recipient = body
            .as_ref()
            .map(|_| keys.decrypt(Field::Phone, &id, &row.phone_enc))
            .transpose()?
            .filter(|p| !p.is_empty());
        let done: Result<bool, sqlx::Error> = on_db!(self.store, |pool| async {
            use crate::audit::AuditTx as _;
            use crate::batch::{Batch, RunBatch as _};
            use crate::tx::WritePool as _;
            let mut tx = pool.begin_write().await?;
            // The item's row and the request's own columns at once; the history row, day count,
            // text message and audit entry then go in one batch (see `insert_request`).
            let mut b = Batch::new();
            if !tx.apply_move(&outcome, self.actor, &mut b).await? {
                return Ok(false);
            }
            if let Some(missing) = &missing_update {
                sqlx::query("UPDATE service_request SET missing = $2 WHERE work_item_id = $1")
                    .bind(id)
                    .bind(serde_json::to_string(missing).unwrap_or_else(|_| "[]".into()))
                    .execute(&mut *tx)
                    .await?;
            }
            if mv.action == "complete" {
                // The code printed on the completion notice, for rating without an account.
                sqlx::query("UPDATE service_request SET rating_code = $2 WHERE work_item_id = $1")
                    .bind(id)
                    .bind(crate::secret::short_code())
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some((office, office_due)) = &transfer {
                sqlx::query(
                    "UPDATE service_request SET transfer_office = $2, transfer_due_at = $3 WHERE work_item_id = $1",
                )
                .bind(id)
                .bind(office)
                .bind(office_due.map(Ts))
                .execute(&mut *tx)
                .await?;
            }
            if let (Some(body), Some(to)) = (&body, &recipient) {
                push_outbox(&mut b, community.as_str(), id, &keys.encrypt(Field::Phone, &id, to), body);
            }
            let head = tx.audit_head(&entry.chain).await?;
            crate::audit::push_record(&mut b, &crate::audit::stamp(self.actor, &entry, head));
            tx.finish(b).await?;
            Ok(true)
        }
        .await);
        if done? { Ok(to.to_owned()) } else { Err(StoreError::Conflict { what: "service request", field: "version" }) }
    }

    /// A community's queue, most pressing first: overdue, then by deadline, then oldest.
    pub async fn window_queue(&self, community: DivisionCode, q: &QueueQuery) -> StoreResult<(Vec<QueueRow>, i64)> {
        self.community_for(Resource::ServiceRequest, Action::Read, community).await?;
        let states: Vec<String> = match q.state.trim() {
            "" | "open" => OPEN.iter().map(|s| (*s).to_owned()).collect(),
            "all" => SERVICE_REQUEST.states.iter().map(|s| s.name.to_owned()).collect(),
            s if SERVICE_REQUEST.state(s).is_some() => vec![s.to_owned()],
            _ => return Err(StoreError::Invalid(Invalid::one("state", "choice"))),
        };
        let padded: Vec<String> = (0..8).map(|i| states.get(i).cloned().unwrap_or_default()).collect();
        let mine = if q.mine { self.actor.user_id() } else { None };
        let text = q.q.trim().to_lowercase();
        let pattern = format!("%{}%", crate::like_escape(&text));
        let limit = q.limit.clamp(1, 200);
        let offset = q.offset.max(0);
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            number: String,
            state: String,
            item_name: String,
            applicant_name: String,
            owner_name: String,
            source: String,
            created_at: OffsetDateTime,
            due_at: Option<OffsetDateTime>,
            accepted_at: Option<OffsetDateTime>,
            total: i64,
        }
        // Without a search word the page is chosen from work_item alone and only its twenty rows
        // are joined, and the total is an index-only count: a window function or a join over
        // every open request would read them all for each page.
        // As many placeholders as states: with one state the planners walk the queue-order index
        // and stop after a page; the unused ones up to $9 stay bound and are ignored.
        let placeholders: Vec<String> = (2..2 + states.len().clamp(1, 8)).map(|i| format!("${i}")).collect();
        let filter = format!(
            "w.community_code = $1 AND w.kind = 'service_request' AND w.state IN ({}) \
             AND ($10 IS NULL OR w.owner_id = $10)",
            placeholders.join(", ")
        );
        const COLUMNS: &str = "w.id, w.number, w.state, r.item_name, r.applicant_name, w.owner_name, r.source, \
             w.created_at, w.due_at, w.accepted_at";
        const ORDER: &str = "w.due_at IS NULL, w.due_at, w.created_at";
        const JOIN: &str = "JOIN service_request r ON r.work_item_id = w.id AND r.community_code = w.community_code";
        const MATCH: &str = "($11 = '' OR w.number LIKE $12 ESCAPE '\\' OR lower(r.applicant_name) LIKE $12 ESCAPE '\\' \
             OR lower(r.item_name) LIKE $12 ESCAPE '\\')";
        let count = if text.is_empty() {
            format!("SELECT count(*) FROM work_item w WHERE {filter} AND $11 = $12")
        } else {
            format!("SELECT count(*) FROM work_item w {JOIN} WHERE {filter} AND {MATCH}")
        };
        // The total rides on each row of the page as an uncorrelated subquery, which both engines
        // run once: one round trip for a page. Only an empty page asks for it separately.
        let page = if text.is_empty() {
            format!(
                "SELECT {COLUMNS}, ({count}) AS total FROM (SELECT * FROM work_item w WHERE {filter} AND $11 = $12 \
                 ORDER BY {ORDER} LIMIT $13 OFFSET $14) w {JOIN} ORDER BY {ORDER}"
            )
        } else {
            format!(
                "SELECT {COLUMNS}, ({count}) AS total FROM work_item w {JOIN} WHERE {filter} AND {MATCH} \
                 ORDER BY {ORDER} LIMIT $13 OFFSET $14"
            )
        };
        // Without a word, `$11 = $12` binds both as the same empty text so both engines see the
        // parameters used.
        let pattern = if text.is_empty() { String::new() } else { pattern };
        macro_rules! binds {
            ($query:expr) => {
                $query
                    .bind(community.as_str())
                    .bind(&padded[0])
                    .bind(&padded[1])
                    .bind(&padded[2])
                    .bind(&padded[3])
                    .bind(&padded[4])
                    .bind(&padded[5])
                    .bind(&padded[6])
                    .bind(&padded[7])
                    .bind(mine)
                    .bind(&text)
                    .bind(&pattern)
            };
        }
        let rows: Vec<Row> = on_db!(self.store, |pool| binds!(sqlx::query_as(sqlx::AssertSqlSafe(page.as_str())))
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)?;
        let total: i64 = match rows.first() {
            Some(r) => r.total,
            None => on_db!(self.store, |pool| binds!(sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str())))
                .fetch_one(pool)
                .await)?,
        };
        let cal = self.store.calendar().await?;
        let t = now();
        let out = rows
            .into_iter()
            .map(|r| {
                let open = OPEN.contains(&r.state.as_str()) && r.accepted_at.is_some();
                QueueRow {
                    urgency: r.due_at.filter(|_| open).map(|d| urgency(&cal, t, d)),
                    id: r.id,
                    number: r.number,
                    state: r.state,
                    item_name: r.item_name,
                    applicant_name: r.applicant_name,
                    owner_name: r.owner_name,
                    source: r.source,
                    created_at: r.created_at,
                    due_at: r.due_at,
                }
            })
            .collect();
        Ok((out, total))
    }

    /// Due today, due soon, overdue and waiting figures for the window's home page.
    pub async fn window_summary(&self, community: DivisionCode) -> StoreResult<WindowSummary> {
        self.community_for(Resource::ServiceRequest, Action::Read, community).await?;
        let rows: Vec<(String, Option<OffsetDateTime>)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT state, due_at FROM work_item WHERE community_code = $1 AND kind = 'service_request' \
             AND state IN ('submitted', 'awaiting_materials', 'in_progress', 'transferred')"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let cal = self.store.calendar().await?;
        let t = now();
        let mut s = WindowSummary::default();
        for (state, due) in rows {
            match state.as_str() {
                "submitted" => s.awaiting_intake += 1,
                "awaiting_materials" => s.awaiting_materials += 1,
                _ => s.in_progress += 1,
            }
            match due.map(|d| urgency(&cal, t, d)) {
                Some(Urgency::Overdue) => s.overdue += 1,
                Some(Urgency::DueToday) => s.due_today += 1,
                Some(Urgency::DueSoon) => s.due_soon += 1,
                _ => {}
            }
        }
        let start = linli_domain::workflow::end_of_day(crate::today() - time::Duration::days(1));
        s.completed_today = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT count(*) FROM work_item WHERE community_code = $1 AND kind = 'service_request' \
             AND state IN ('completed', 'archived') AND closed_at > $2"
        )
        .bind(community.as_str())
        .bind(Ts(start))
        .fetch_one(pool)
        .await)?;
        Ok(s)
    }

    /// The signed-in resident's own requests, newest first.
    pub async fn my_requests(&self) -> StoreResult<Vec<QueueRow>> {
        self.check_right(Resource::Application, Action::Read)?;
        let Some(me) = self.actor.user_id() else { return Err(StoreError::Forbidden) };
        type Row = (Uuid, String, String, String, String, String, OffsetDateTime, Option<OffsetDateTime>);
        let rows: Vec<Row> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT w.id, w.number, w.state, r.item_name, r.applicant_name, r.source, w.created_at, w.due_at \
                 FROM work_item w JOIN service_request r ON r.work_item_id = w.id AND r.community_code = w.community_code \
                 WHERE r.applicant_user_id = $1 ORDER BY w.created_at DESC LIMIT 200"
        )
        .bind(me)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, number, state, item_name, applicant_name, source, created_at, due_at)| QueueRow {
                id,
                number,
                state,
                item_name,
                applicant_name,
                owner_name: String::new(),
                source,
                created_at,
                due_at,
                urgency: None,
            })
            .collect())
    }

    /// Staff of the community who may take a request over (for the hand-over list).
    pub async fn request_staff(&self, community: DivisionCode) -> StoreResult<Vec<(Uuid, String)>> {
        self.community_for(Resource::ServiceRequest, Action::Read, community).await?;
        let rows: Vec<(Uuid, String, String, String)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, display_name, username, role FROM app_user WHERE node_code = $1 AND disabled_at IS NULL \
             ORDER BY display_name"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, _, role)| {
                Role::parse(role)
                    .is_some_and(|r| linli_domain::rights::role_allows(r, Resource::ServiceRequest, Action::Update))
            })
            .map(|(id, name, username, _)| (id, format!("{name} ({username})")))
            .collect())
    }
}

impl crate::Store {
    /// The public look-up by number and phone: both must match, and a wrong pair is told
    /// apart from nothing (no enumeration of numbers).
    pub async fn lookup_request(&self, number: &str, phone: &str) -> StoreResult<PublicStatus> {
        let phone = linli_domain::Phone::parse(phone).map_err(|_| StoreError::NotFound("service request"))?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            number: String,
            state: String,
            item_name: String,
            applicant_name: String,
            phone_idx: Vec<u8>,
            missing: String,
            created_at: OffsetDateTime,
            due_at: Option<OffsetDateTime>,
            closed_at: Option<OffsetDateTime>,
        }
        let row: Option<Row> = on_db!(self, |pool| {
            sqlx::query_as(
            "SELECT w.id, w.number, w.state, r.item_name, r.applicant_name, r.phone_idx, r.missing, w.created_at, \
             w.due_at, w.closed_at FROM work_item w JOIN service_request r ON r.work_item_id = w.id AND r.community_code = w.community_code WHERE w.number = $1"
        )
        .bind(number.trim())
        .fetch_optional(pool)
        .await
        })?;
        let row = row.ok_or(StoreError::NotFound("service request"))?;
        if self.keys()?.blind_index(phone.as_str()) != row.phone_idx {
            return Err(StoreError::NotFound("service request"));
        }
        let steps = self.work_history(row.id).await?.into_iter().map(|e| (e.action, e.at)).collect();
        Ok(PublicStatus {
            number: row.number,
            item_name: row.item_name,
            state: row.state,
            applicant_masked: mask_name(&row.applicant_name),
            created_at: row.created_at,
            due_at: row.due_at,
            closed_at: row.closed_at,
            missing: serde_json::from_str(&row.missing).unwrap_or_default(),
            steps,
        })
    }
}

/// The audit action of a move.
fn action_name(action: &str) -> &'static str {
    match action {
        "accept" => "service_request.accept",
        "request_materials" => "service_request.request_materials",
        "decline" => "service_request.decline",
        "transfer" => "service_request.transfer",
        "transfer_back" => "service_request.transfer_back",
        "complete" => "service_request.complete",
        "return_visit" => "service_request.return_visit",
        "archive" => "service_request.archive",
        "hand_over" => "service_request.hand_over",
        "supply_materials" => "service_request.supply_materials",
        "withdraw" => "service_request.withdraw",
        _ => "service_request.move",
    }
}

/// A value for templates and the API: the state's key in the message catalogue.
pub fn state_key(state: &str) -> String {
    format!("window.state.{state}")
}
