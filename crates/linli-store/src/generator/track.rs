//! A generated work item and its history, moved only by the moves its flow declares: each
//! step goes through [`Flow::check`] exactly as the app's moves do, so every state and history
//! row the generator writes is one the app could have written.

use linli_domain::window::flow::STAY;
use linli_domain::workflow::{Flow, MoveError, Party};
use time::OffsetDateTime;
use uuid::Uuid;

use super::write::{Rows, Val};
use crate::Ts;

/// Someone who acts: an account (id, "王芳 (username)") or the system ("超期自动升级").
#[derive(Debug, Clone)]
pub(crate) struct Who {
    pub id: Option<Uuid>,
    pub name: String,
}

pub(crate) struct Event {
    id: Uuid,
    action: &'static str,
    from: String,
    to: String,
    actor: Who,
    at: OffsetDateTime,
    reason: String,
    details: String,
}

pub(crate) struct Track {
    flow: &'static Flow,
    pub id: Uuid,
    pub community: String,
    pub number: String,
    pub state: String,
    pub title: String,
    pub owner: Option<(Uuid, String)>,
    pub created: OffsetDateTime,
    pub accepted: Option<OffsetDateTime>,
    pub due: Option<OffsetDateTime>,
    pub closed: Option<OffsetDateTime>,
    pub updated: OffsetDateTime,
    version: i32,
    events: Vec<Event>,
}

/// What a new item starts with.
pub(crate) struct Start<'a> {
    pub id: Uuid,
    pub event_id: Uuid,
    pub community: &'a str,
    pub number: String,
    pub title: String,
    pub state: &'static str,
    pub at: OffsetDateTime,
    pub by: &'a Who,
    pub owner: Option<&'a Who>,
    pub due: Option<OffsetDateTime>,
    pub details: String,
}

impl Track {
    pub fn new(flow: &'static Flow, s: Start<'_>) -> Result<Track, MoveError> {
        if flow.state(s.state).is_none() {
            return Err(MoveError::NotFrom { action: "create", from: s.state.to_owned() });
        }
        let accepted = flow.state(s.state).filter(|st| st.clock != linli_domain::workflow::Clock::NotStarted);
        let event = Event {
            id: s.event_id,
            action: "create",
            from: String::new(),
            to: s.state.to_owned(),
            actor: s.by.clone(),
            at: s.at,
            reason: String::new(),
            details: s.details,
        };
        Ok(Track {
            flow,
            id: s.id,
            community: s.community.to_owned(),
            number: s.number,
            state: s.state.to_owned(),
            title: s.title,
            owner: s.owner.and_then(|o| o.id.map(|id| (id, o.name.clone()))),
            created: s.at,
            accepted: accepted.map(|_| s.at),
            due: s.due,
            closed: None,
            updated: s.at,
            version: 1,
            events: vec![event],
        })
    }

    /// Makes one move as the app would: checked against the flow; the first staff member to
    /// act as owner on an unowned item becomes its owner (首问负责). Returns the new state.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        event_id: Uuid,
        action: &str,
        party: Party,
        by: &Who,
        at: OffsetDateTime,
        reason: &str,
        details: String,
    ) -> Result<&'static str, MoveError> {
        let m = self.flow.check(&self.state, action, party, reason)?;
        let from = std::mem::take(&mut self.state);
        let to = if m.to == STAY { from.clone() } else { m.to.to_owned() };
        if self.owner.is_none() && party == Party::Owner {
            self.owner = by.id.map(|id| (id, by.name.clone()));
        }
        self.events.push(Event {
            id: event_id,
            action: m.action,
            from,
            to: to.clone(),
            actor: by.clone(),
            at,
            reason: reason.to_owned(),
            details,
        });
        self.state = to;
        self.version += 1;
        self.updated = at;
        Ok(m.action)
    }

    pub fn events(&self) -> usize {
        self.events.len()
    }

    /// The item's row and its history rows.
    pub fn rows(&self, items: &mut Rows, events: &mut Rows) {
        let (owner_id, owner_name) = self.owner.clone().map_or((None, String::new()), |(i, n)| (Some(i), n));
        items.push([
            Val::Id(self.id),
            Val::Text(self.community.clone()),
            Val::Str(self.flow.kind),
            Val::Text(self.number.clone()),
            Val::Text(self.state.clone()),
            Val::Text(self.title.clone()),
            Val::OptId(owner_id),
            Val::Text(owner_name),
            Val::At(Ts(self.created)),
            Val::OptAt(self.accepted.map(Ts)),
            Val::OptAt(self.due.map(Ts)),
            Val::OptAt(self.closed.map(Ts)),
            Val::At(Ts(self.updated)),
            Val::Int(self.version),
        ]);
        for e in &self.events {
            events.push([
                Val::Id(e.id),
                Val::Text(self.community.clone()),
                Val::Id(self.id),
                Val::Str(e.action),
                Val::Text(e.from.clone()),
                Val::Text(e.to.clone()),
                Val::OptId(e.actor.id),
                Val::Text(e.actor.name.clone()),
                Val::At(Ts(e.at)),
                Val::Text(e.reason.clone()),
                Val::Text(e.details.clone()),
            ]);
        }
    }

    /// A digest of what the item is, for the run's checksum (ids and times left out: ids are
    /// random per run in other tables, times move with the day of the run).
    pub fn digest(&self) -> String {
        let steps: Vec<&str> = self.events.iter().map(|e| e.action).collect();
        format!("{}|{}|{}|{}", self.number, self.state, self.title, steps.join(","))
    }
}

pub(crate) const WORK_ITEM: &str = "INSERT INTO work_item (id, community_code, kind, number, state, title, owner_id, \
     owner_name, created_at, accepted_at, due_at, closed_at, updated_at, version) ";
pub(crate) const WORK_ITEM_EVENT: &str = "INSERT INTO work_item_event (id, community_code, work_item_id, action, \
     from_state, to_state, actor_id, actor_name, at, reason, details) ";
