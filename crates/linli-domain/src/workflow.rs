//! The work-item engine: declared flows, checked moves, deadlines and urgency.
//!
//! Every time-limited flow of the standard (service requests now; grid events, complaints,
//! rectifications, cases and nonconformities later) is a [`Flow`]: a list of states and of the
//! moves between them. A flow is data, so a new one is a declaration, and the storage layer
//! applies any flow's moves the same way (history, owner, deadline, audit).

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

use crate::Calendar;

/// China's offset (Asia/Shanghai has had no daylight saving since 1991).
pub const CHINA: UtcOffset = time::macros::offset!(+8);

/// What a state does to the item's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// Not started: the item waits for intake.
    NotStarted,
    /// Counting towards the deadline.
    Running,
    /// Stopped for good: the item is finished or refused.
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub name: &'static str,
    pub clock: Clock,
    /// Nothing can happen any more.
    pub terminal: bool,
}

/// Who takes part in a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The staff member who owns the item (首问负责), or a manager acting for them.
    Owner,
    /// Any staff member of the community (taking over, adding a note).
    Staff,
    /// The resident the item belongs to (withdrawing, supplying materials).
    Applicant,
}

/// One permitted move: an action that takes an item from one of `from` to `to`.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    pub action: &'static str,
    pub from: &'static [&'static str],
    pub to: &'static str,
    /// The move needs a written reason (不予受理, 转办, 办结 result …).
    pub needs_reason: bool,
    pub by: &'static [Party],
}

/// A declared flow.
#[derive(Debug)]
pub struct Flow {
    /// The kind of work item, e.g. `service_request`; also the first part of audit actions.
    pub kind: &'static str,
    pub states: &'static [State],
    pub moves: &'static [Move],
}

/// Why a move was refused; each has a message in the catalogue (`error.move_<code>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("no action {0} in this flow")]
    UnknownAction(String),
    #[error("{action} is not possible from {from}")]
    NotFrom { action: &'static str, from: String },
    #[error("{0} needs a reason")]
    ReasonRequired(&'static str),
    #[error("{0} is for someone else to do")]
    NotYours(&'static str),
}

impl MoveError {
    /// The message code for the field error shown to the user.
    pub fn code(&self) -> &'static str {
        match self {
            MoveError::UnknownAction(_) => "move_unknown",
            MoveError::NotFrom { .. } => "move_not_from",
            MoveError::ReasonRequired(_) => "move_reason",
            MoveError::NotYours(_) => "move_not_yours",
        }
    }
}

impl Flow {
    pub fn state(&self, name: &str) -> Option<&'static State> {
        self.states.iter().find(|s| s.name == name)
    }

    /// The moves open from `state` to `party`, in declaration order (the order of the buttons).
    pub fn moves_from(&self, state: &str, party: Party) -> Vec<&'static Move> {
        let moves: &'static [Move] = self.moves;
        moves.iter().filter(|m| m.from.contains(&state) && m.by.contains(&party)).collect()
    }

    /// Checks one move: known, possible from `from`, allowed to `party`, with its reason.
    pub fn check(&self, from: &str, action: &str, party: Party, reason: &str) -> Result<&'static Move, MoveError> {
        let moves: &'static [Move] = self.moves;
        let candidates: Vec<&'static Move> = moves.iter().filter(|m| m.action == action).collect();
        let Some(first) = candidates.first() else {
            return Err(MoveError::UnknownAction(action.to_owned()));
        };
        let possible: Vec<&'static Move> = candidates.iter().copied().filter(|m| m.from.contains(&from)).collect();
        if possible.is_empty() {
            return Err(MoveError::NotFrom { action: first.action, from: from.to_owned() });
        }
        // One action may be declared once per party (a resident withdraws freely, staff give
        // a reason).
        let Some(m) = possible.into_iter().find(|m| m.by.contains(&party)) else {
            return Err(MoveError::NotYours(first.action));
        };
        if m.needs_reason && reason.trim().is_empty() {
            return Err(MoveError::ReasonRequired(m.action));
        }
        Ok(m)
    }
}

/// A time limit as the catalogue states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "unit", content = "n")]
pub enum Limit {
    /// Working days after the day the clock starts; 0 is 即办 (the same day).
    WorkingDays(u32),
    /// Clock hours (for urgent flows such as grid events).
    Hours(u32),
}

/// The moment a limit runs out, counted from `start`: the end of the last working day in
/// China, or `start` plus the hours.
pub fn due_at(cal: &Calendar, start: OffsetDateTime, limit: Limit) -> OffsetDateTime {
    match limit {
        Limit::Hours(h) => start + Duration::hours(i64::from(h)),
        Limit::WorkingDays(n) => end_of_day(cal.add_working_days(start.to_offset(CHINA).date(), n)),
    }
}

/// 23:59:59 of `day` in China.
pub fn end_of_day(day: Date) -> OffsetDateTime {
    day.with_time(Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT)).assume_offset(CHINA)
}

/// How pressing an open item is, for sorting queues and colouring them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Overdue,
    DueToday,
    /// Due by the end of the next working day: the warning before the deadline.
    DueSoon,
    OnTrack,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Overdue => "overdue",
            Urgency::DueToday => "due_today",
            Urgency::DueSoon => "due_soon",
            Urgency::OnTrack => "on_track",
        }
    }
}

pub fn urgency(cal: &Calendar, now: OffsetDateTime, due: OffsetDateTime) -> Urgency {
    if now > due {
        return Urgency::Overdue;
    }
    let today = now.to_offset(CHINA).date();
    let due_day = due.to_offset(CHINA).date();
    if due_day <= today {
        Urgency::DueToday
    } else if due_day <= cal.add_working_days(today, 1) {
        Urgency::DueSoon
    } else {
        Urgency::OnTrack
    }
}

/// Working days from `start` to `end` (China dates), for average handling times.
pub fn working_days_taken(cal: &Calendar, start: OffsetDateTime, end: OffsetDateTime) -> i64 {
    cal.working_days_between(start.to_offset(CHINA).date(), end.to_offset(CHINA).date()).max(0)
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    const FLOW: Flow = Flow {
        kind: "test",
        states: &[
            State { name: "new", clock: Clock::NotStarted, terminal: false },
            State { name: "open", clock: Clock::Running, terminal: false },
            State { name: "done", clock: Clock::Stopped, terminal: true },
        ],
        moves: &[
            Move { action: "start", from: &["new"], to: "open", needs_reason: false, by: &[Party::Owner] },
            Move { action: "finish", from: &["open"], to: "done", needs_reason: true, by: &[Party::Owner] },
            Move {
                action: "withdraw",
                from: &["new", "open"],
                to: "done",
                needs_reason: false,
                by: &[Party::Applicant],
            },
        ],
    };

    #[test]
    fn moves_are_checked_against_the_declaration() {
        assert_eq!(FLOW.check("new", "start", Party::Owner, "").map(|m| m.to), Ok("open"));
        assert_eq!(
            FLOW.check("new", "fly", Party::Owner, "").map(|m| m.to),
            Err(MoveError::UnknownAction("fly".into()))
        );
        assert!(matches!(FLOW.check("done", "start", Party::Owner, ""), Err(MoveError::NotFrom { .. })));
        assert_eq!(
            FLOW.check("open", "finish", Party::Owner, " ").map(|m| m.to),
            Err(MoveError::ReasonRequired("finish"))
        );
        assert_eq!(FLOW.check("open", "finish", Party::Staff, "ok").map(|m| m.to), Err(MoveError::NotYours("finish")));
        assert_eq!(FLOW.check("open", "withdraw", Party::Applicant, "").map(|m| m.to), Ok("done"));
        let open: Vec<_> = FLOW.moves_from("open", Party::Owner).iter().map(|m| m.action).collect();
        assert_eq!(open, ["finish"]);
        assert_eq!(FLOW.state("done").map(|s| s.terminal), Some(true));
        assert_eq!(MoveError::NotYours("x").code(), "move_not_yours");
    }

    #[test]
    fn deadlines_skip_the_2026_spring_festival_and_national_day() {
        let cal = Calendar::china();
        // Accepted on Friday 13 February 2026, the last working day before 春节 (15–23 Feb, with
        // 14 Feb and 28 Feb worked): 5 working days are 14, 24, 25, 26, 27 Feb.
        let accepted = datetime!(2026-02-13 10:00 +8);
        assert_eq!(due_at(&cal, accepted, Limit::WorkingDays(5)), end_of_day(date!(2026 - 02 - 27)));
        // 国庆 1–7 October 2026 (Saturday 10 Oct worked): accepted 30 Sep, 3 working days → 8, 9, 10 Oct.
        let accepted = datetime!(2026-09-30 16:00 +8);
        assert_eq!(due_at(&cal, accepted, Limit::WorkingDays(3)), end_of_day(date!(2026 - 10 - 10)));
        // 即办 is the same day, measured in China even when UTC is still the day before.
        let accepted = datetime!(2026-03-02 01:00 +8);
        assert_eq!(due_at(&cal, accepted, Limit::WorkingDays(0)), end_of_day(date!(2026 - 03 - 02)));
        assert_eq!(due_at(&cal, accepted, Limit::Hours(4)), datetime!(2026-03-02 05:00 +8));
    }

    #[test]
    fn urgency_warns_a_working_day_ahead() {
        let cal = Calendar::china();
        let now = datetime!(2026-03-06 09:00 +8); // a Friday
        assert_eq!(urgency(&cal, now, end_of_day(date!(2026 - 03 - 05))), Urgency::Overdue);
        assert_eq!(urgency(&cal, now, end_of_day(date!(2026 - 03 - 06))), Urgency::DueToday);
        // Monday is the next working day, so a Monday deadline warns on Friday.
        assert_eq!(urgency(&cal, now, end_of_day(date!(2026 - 03 - 09))), Urgency::DueSoon);
        assert_eq!(urgency(&cal, now, end_of_day(date!(2026 - 03 - 10))), Urgency::OnTrack);
        assert!(Urgency::Overdue < Urgency::OnTrack, "the most pressing sorts first");
        assert_eq!(working_days_taken(&cal, now, datetime!(2026-03-10 09:00 +8)), 2);
    }
}
