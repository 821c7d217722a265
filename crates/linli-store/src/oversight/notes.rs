//! 点评 and 督办: a supervisor's comment on a community's figures, or a follow-up with a
//! deadline that the community answers and the supervisor closes or sends back
//! ([`FOLLOW_UP`]). Every move is kept with what was said.

use linli_domain::oversight::{FOLLOW_UP, NoteInput};
use linli_domain::workflow::{CHINA, Limit, Party, due_at, end_of_day};
use linli_domain::{Action, DivisionCode, FieldError, Invalid, Resource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::stored_code;
use crate::{StoreError, StoreResult, Ts, now};

/// Working days a follow-up has when the supervisor sets no date, and again when reopened.
const FOLLOW_UP_DAYS: u32 = 5;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Note {
    pub id: Uuid,
    pub community_code: String,
    pub community_name: String,
    pub period: String,
    pub body: String,
    pub author_name: String,
    pub author_node: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// `None` for a comment; `open`, `answered` or `closed` for a follow-up.
    pub state: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub answer: String,
    pub answered_by: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    pub version: i64,
    /// An open follow-up past its deadline.
    #[sqlx(skip)]
    pub overdue: bool,
    #[sqlx(skip)]
    pub history: Vec<NoteEvent>,
    /// The steps the viewer may take now (`answer`, `close`, `reopen`, `withdraw`).
    #[sqlx(skip)]
    pub moves: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct NoteEvent {
    pub action: String,
    pub text: String,
    pub actor_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NoteMove {
    pub action: String,
    pub reason: String,
    pub version: Option<i64>,
}

const NOTE_SELECT: &str = "SELECT s.id, s.community_code, n.name AS community_name, s.period, s.body, s.author_name, \
     s.author_node, s.created_at, s.state, s.due_at, s.answer, s.answered_by, s.answered_at, s.version \
     FROM supervision_note s JOIN node n ON n.code = s.community_code";

impl Acting<'_> {
    /// A supervisor comments on, or assigns a follow-up to, a community below them.
    pub async fn add_note(&self, community: DivisionCode, input: &NoteInput) -> StoreResult<Uuid> {
        self.community_for(Resource::FollowUp, Action::Create, community).await?;
        // Written from above: a community does not supervise itself.
        if self.actor.principal.node == Some(community) {
            return Err(StoreError::Forbidden);
        }
        let f = input.validate(crate::today())?;
        let id = Uuid::now_v7();
        let at = now();
        let due = match (f.follow_up, f.due_on) {
            (false, _) => None,
            (true, Some(d)) => Some(end_of_day(d)),
            (true, None) => Some(due_at(&self.store.calendar().await?, at, Limit::WorkingDays(FOLLOW_UP_DAYS))),
        };
        let author_node = self.actor.principal.node.map(|n| n.to_string()).unwrap_or_else(|| community.to_string());
        let entry = Entry::new(
            community.to_string(),
            if f.follow_up { "follow_up.create" } else { "comment.create" },
            "supervision_note",
            id.to_string(),
            json!({ "period": f.period, "due": due.map(|d| d.to_offset(CHINA).date().to_string()) }),
        );
        audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO supervision_note (id, community_code, period, body, author_id, author_name, author_node, \
                 created_at, state, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(&f.period)
            .bind(&f.body)
            .bind(self.actor.user_id())
            .bind(&self.actor.name)
            .bind(&author_node)
            .bind(Ts(at))
            .bind(f.follow_up.then_some("open"))
            .bind(due.map(Ts))
            .execute(&mut *tx)
            .await?;
        })?;
        Ok(id)
    }

    /// Comments and follow-ups on the communities under `node` (or on one community), newest
    /// first; `open_only` keeps follow-ups still waiting for an answer or a verdict.
    pub async fn notes(
        &self,
        node: DivisionCode,
        open_only: bool,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Note>, i64)> {
        self.check(Resource::FollowUp, Action::Read, &node)?;
        let prefix = format!("{}%", node.subtree_prefix());
        let filter = "WHERE s.community_code LIKE $1 AND ($2 = 0 OR s.state IN ('open', 'answered'))";
        let list = format!("{NOTE_SELECT} {filter} ORDER BY s.created_at DESC LIMIT $3 OFFSET $4");
        let open = i64::from(open_only);
        let mut notes: Vec<Note> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(list.as_str()))
            .bind(&prefix)
            .bind(open)
            .bind(limit.clamp(1, 200))
            .bind(offset.max(0))
            .fetch_all(pool)
            .await)?;
        let count = format!("SELECT count(*) FROM supervision_note s {filter}");
        let total: i64 = on_db!(self.store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str()))
            .bind(&prefix)
            .bind(open)
            .fetch_one(pool)
            .await)?;
        for n in &mut notes {
            self.fill(n).await?;
        }
        Ok((notes, total))
    }

    /// Follow-ups under `node` still waiting for an answer or a verdict (the dashboards' badge).
    pub async fn open_note_count(&self, node: DivisionCode) -> StoreResult<i64> {
        self.check(Resource::FollowUp, Action::Read, &node)?;
        Ok(on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT count(*) FROM supervision_note WHERE community_code LIKE $1 AND state IN ('open', 'answered')"
        )
        .bind(format!("{}%", node.subtree_prefix()))
        .fetch_one(pool)
        .await)?)
    }

    pub async fn note(&self, id: Uuid) -> StoreResult<Note> {
        let sql = format!("{NOTE_SELECT} WHERE s.id = $1");
        let note: Option<Note> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        let mut note = note.ok_or(StoreError::NotFound("follow_up"))?;
        self.check(Resource::FollowUp, Action::Read, &stored_code(&note.community_code)?)?;
        self.fill(&mut note).await?;
        Ok(note)
    }

    async fn fill(&self, n: &mut Note) -> StoreResult<()> {
        n.overdue = n.state.as_deref() == Some("open") && n.due_at.is_some_and(|d| d < now());
        n.moves = match (&n.state, stored_code(&n.community_code)) {
            (Some(state), Ok(community)) if self.may_move(n, &community).is_ok() => {
                FOLLOW_UP.moves_from(state, self.note_party(&community)).into_iter().map(|m| m.action).collect()
            }
            _ => Vec::new(),
        };
        if n.state.is_some() {
            n.history = on_db!(self.store, |pool| sqlx::query_as(
                "SELECT action, text, actor_name, at FROM supervision_note_event WHERE note_id = $1 ORDER BY at, id"
            )
            .bind(n.id)
            .fetch_all(pool)
            .await)?;
        }
        Ok(())
    }

    /// The rights behind moving a follow-up at all: the community's staff answer it; closing
    /// and sending back belong to those who may assign follow-ups, at or above the office that
    /// assigned this one (a street does not close the district's 督办).
    fn may_move(&self, note: &Note, community: &DivisionCode) -> StoreResult<()> {
        self.check(Resource::FollowUp, Action::Update, community)?;
        if self.note_party(community) == Party::Applicant {
            self.check(Resource::FollowUp, Action::Create, community)?;
            if !self.may_judge(note) {
                return Err(StoreError::Invalid(Invalid::one("action", "follow_up_not_yours")));
            }
        }
        Ok(())
    }

    /// Whether the actor sits at or above the office that wrote the note (who may close it).
    fn may_judge(&self, note: &Note) -> bool {
        match (self.actor.principal.node, DivisionCode::parse(&note.author_node)) {
            (None, _) => true,
            (Some(mine), Ok(author)) => mine.contains(&author),
            (Some(_), Err(_)) => false,
        }
    }

    /// Which side of a follow-up the actor is on: the community's own staff answer it, those
    /// above the community (who assigned it) close it or send it back.
    fn note_party(&self, community: &DivisionCode) -> Party {
        match self.actor.principal.node {
            Some(n) if n == *community => Party::Owner,
            _ => Party::Applicant,
        }
    }

    /// Answers, closes, reopens or withdraws a follow-up.
    pub async fn move_note(&self, id: Uuid, m: &NoteMove) -> StoreResult<String> {
        let note = self.note(id).await?;
        let community = stored_code(&note.community_code)?;
        let party = self.note_party(&community);
        self.may_move(&note, &community)?;
        let Some(state) = note.state.as_deref() else {
            return Err(StoreError::Invalid(Invalid::one("action", "move_unknown")));
        };
        let mv = FOLLOW_UP.check(state, m.action.trim(), party, &m.reason).map_err(|e| {
            let code = match e {
                linli_domain::workflow::MoveError::NotYours(_) => "follow_up_not_yours",
                e => e.code(),
            };
            StoreError::Invalid(Invalid(vec![FieldError::new("action", code)]))
        })?;
        if m.version.is_some_and(|v| v != note.version) {
            return Err(StoreError::Conflict { what: "follow_up", field: "version" });
        }
        let reason = linli_domain::validation::multiline(&m.reason, 2000).map_err(|e| e.at("reason"))?;
        let at = now();
        let due = match mv.action {
            "reopen" => Some(due_at(&self.store.calendar().await?, at, Limit::WorkingDays(FOLLOW_UP_DAYS))),
            _ => note.due_at,
        };
        let entry = Entry::new(
            community.to_string(),
            "follow_up.move",
            "supervision_note",
            id.to_string(),
            json!({ "action": mv.action, "from": state, "to": mv.to }),
        );
        let answering = mv.action == "answer";
        let mut stale = false;
        audited!(self, &entry, |tx| {
            let done = sqlx::query(
                "UPDATE supervision_note SET state = $2, due_at = $3, \
                 answer = CASE WHEN $4 = 1 THEN $5 ELSE answer END, \
                 answered_by = CASE WHEN $4 = 1 THEN $6 ELSE answered_by END, \
                 answered_at = CASE WHEN $4 = 1 THEN $7 ELSE answered_at END, \
                 closed_at = $8, version = version + 1 WHERE id = $1 AND version = $9",
            )
            .bind(id)
            .bind(mv.to)
            .bind(due.map(Ts))
            .bind(i64::from(answering))
            .bind(&reason)
            .bind(&self.actor.name)
            .bind(Ts(at))
            .bind((mv.to == "closed").then_some(Ts(at)))
            .bind(note.version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                stale = true;
                return Err(sqlx::Error::RowNotFound);
            }
            sqlx::query(
                "INSERT INTO supervision_note_event (id, note_id, community_code, action, text, actor_name, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(Uuid::now_v7())
            .bind(id)
            .bind(community.as_str())
            .bind(mv.action)
            .bind(&reason)
            .bind(&self.actor.name)
            .bind(Ts(at))
            .execute(&mut *tx)
            .await?;
        })
        .map_err(|e| if stale { StoreError::Conflict { what: "follow_up", field: "version" } } else { e.into() })?;
        Ok(mv.to.to_owned())
    }
}
