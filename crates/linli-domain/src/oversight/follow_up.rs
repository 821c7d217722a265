//! 督办: a supervisor's comment (点评) on a community's figures, or a follow-up with a deadline
//! the community answers and the supervisor closes or sends back.

use serde::Deserialize;
use time::Date;

use crate::validation::{Checker, FieldError, Invalid, multiline, optional_text};
use crate::workflow::{Clock, Flow, Move, Party, State};

use Party::{Applicant, Owner};

/// The follow-up flow. `Applicant` is the supervisor who assigned it (or one above them),
/// `Owner` the community's staff who answer it.
pub const FOLLOW_UP: Flow = Flow {
    kind: "follow_up",
    states: &[
        State { name: "open", clock: Clock::Running, terminal: false },
        State { name: "answered", clock: Clock::Stopped, terminal: false },
        State { name: "closed", clock: Clock::Stopped, terminal: true },
    ],
    moves: &[
        Move { action: "answer", from: &["open"], to: "answered", needs_reason: true, by: &[Owner] },
        Move { action: "close", from: &["answered"], to: "closed", needs_reason: false, by: &[Applicant] },
        // Not good enough: back to the community, saying why.
        Move { action: "reopen", from: &["answered"], to: "open", needs_reason: true, by: &[Applicant] },
        // Withdrawn by the supervisor before an answer.
        Move { action: "withdraw", from: &["open"], to: "closed", needs_reason: true, by: &[Applicant] },
    ],
};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NoteInput {
    /// `comment` (点评) or `follow_up` (督办).
    pub kind: String,
    pub body: String,
    /// The month the note is about (`2026-11`), if any.
    pub period: String,
    /// A follow-up's deadline (`2026-12-10`); empty: five working days.
    pub due_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFields {
    pub follow_up: bool,
    pub body: String,
    pub period: String,
    pub due_on: Option<Date>,
}

impl NoteInput {
    /// `today` bounds the deadline: a follow-up cannot be due in the past.
    pub fn validate(&self, today: Date) -> Result<NoteFields, Invalid> {
        let mut c = Checker::new();
        let follow_up = match self.kind.trim() {
            "" | "comment" => Some(false),
            "follow_up" => Some(true),
            _ => {
                c.push(FieldError::new("kind", "choice"));
                None
            }
        };
        let body = c.take("body", multiline(&self.body, 2000));
        if self.body.trim().is_empty() {
            c.push(FieldError::new("body", "required"));
        }
        let period = c.take("period", optional_text(&self.period, 10));
        if let Some(p) = period.as_deref().filter(|p| !p.is_empty())
            && !is_month(p)
        {
            c.push(FieldError::new("period", "month"));
        }
        let due_on = match self.due_on.trim() {
            "" => Some(None),
            d => match Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(d) if d >= today => Some(Some(d)),
                Ok(_) => {
                    c.push(FieldError::new("due_on", "in_past"));
                    None
                }
                Err(_) => {
                    c.push(FieldError::new("due_on", "date"));
                    None
                }
            },
        };
        c.finish()?;
        match (follow_up, body, period, due_on) {
            (Some(follow_up), Some(body), Some(period), Some(due_on)) => {
                Ok(NoteFields { follow_up, body, period, due_on: due_on.filter(|_| follow_up) })
            }
            _ => Err(Invalid::one("", "required")),
        }
    }
}

fn is_month(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && p[..4].parse::<u16>().is_ok_and(|y| (2000..=2100).contains(&y))
        && p[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::workflow::MoveError;

    #[test]
    fn notes_are_checked() {
        let today = date!(2026 - 11 - 29);
        let ok = NoteInput {
            kind: "follow_up".into(),
            body: "11月超期件偏多，请说明原因".into(),
            period: "2026-11".into(),
            due_on: "2026-12-04".into(),
        };
        assert_eq!(ok.validate(today).map(|n| (n.follow_up, n.due_on)), Ok((true, Some(date!(2026 - 12 - 04)))));
        // A comment has no deadline even if one was typed.
        let comment = NoteInput { kind: "comment".into(), ..ok.clone() };
        assert_eq!(comment.validate(today).map(|n| (n.follow_up, n.due_on)), Ok((false, None)));
        let bad =
            NoteInput { kind: "memo".into(), body: " ".into(), period: "2026-13".into(), due_on: "2026-11-01".into() };
        let got: Vec<(String, &str)> =
            bad.validate(today).expect_err("an invalid input").0.into_iter().map(|e| (e.field, e.code)).collect();
        assert!(got.contains(&("kind".into(), "choice")), "{got:?}");
        assert!(got.contains(&("body".into(), "required")), "{got:?}");
        assert!(got.contains(&("period".into(), "month")), "{got:?}");
        assert!(got.contains(&("due_on".into(), "in_past")), "{got:?}");
    }

    #[test]
    fn the_community_answers_and_the_supervisor_closes() {
        let f = &FOLLOW_UP;
        let go = |from: &str, a: &str, p, r: &str| f.check(from, a, p, r).map(|m| m.to);
        assert_eq!(go("open", "answer", Owner, "已整改"), Ok("answered"));
        assert_eq!(go("answered", "reopen", Applicant, "说明不充分"), Ok("open"));
        assert_eq!(go("answered", "close", Applicant, ""), Ok("closed"));
        assert_eq!(go("open", "withdraw", Applicant, "误派"), Ok("closed"));
        assert_eq!(go("open", "answer", Owner, ""), Err(MoveError::ReasonRequired("answer")));
        assert_eq!(go("open", "answer", Applicant, "x"), Err(MoveError::NotYours("answer")));
        assert_eq!(go("answered", "close", Owner, ""), Err(MoveError::NotYours("close")));
        assert_eq!(
            go("closed", "reopen", Applicant, "x"),
            Err(MoveError::NotFrom { action: "reopen", from: "closed".into() })
        );
    }
}
