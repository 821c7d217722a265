//! The one-stop window's flow (Appendix A, GB/T 36735) as a declaration for the engine.
//!
//! 受理 starts the clock; 补正 happens before it, so a resident's missing papers never eat
//! into the office's time limit. Self-moves (`to` equal to [`STAY`]) record something without
//! changing the state: a hand-over, materials arriving online, a return visit.

use crate::workflow::{Clock, Flow, Move, Party, State};

/// A move's `to` that leaves the state as it is.
pub const STAY: &str = "";

use Party::{Applicant, Owner, Staff};

pub const SERVICE_REQUEST: Flow = Flow {
    kind: "service_request",
    states: &[
        State { name: "submitted", clock: Clock::NotStarted, terminal: false },
        State { name: "awaiting_materials", clock: Clock::NotStarted, terminal: false },
        State { name: "in_progress", clock: Clock::Running, terminal: false },
        State { name: "transferred", clock: Clock::Running, terminal: false },
        State { name: "completed", clock: Clock::Stopped, terminal: false },
        State { name: "declined", clock: Clock::Stopped, terminal: true },
        State { name: "withdrawn", clock: Clock::Stopped, terminal: true },
        State { name: "archived", clock: Clock::Stopped, terminal: true },
    ],
    moves: &[
        Move {
            action: "accept",
            from: &["submitted", "awaiting_materials"],
            to: "in_progress",
            needs_reason: false,
            by: &[Owner],
        },
        // The missing materials are the "reason": the store insists on at least one.
        Move {
            action: "request_materials",
            from: &["submitted"],
            to: "awaiting_materials",
            needs_reason: false,
            by: &[Owner],
        },
        Move {
            action: "decline",
            from: &["submitted", "awaiting_materials"],
            to: "declined",
            needs_reason: true,
            by: &[Owner],
        },
        Move { action: "transfer", from: &["in_progress"], to: "transferred", needs_reason: true, by: &[Owner] },
        Move { action: "transfer_back", from: &["transferred"], to: "in_progress", needs_reason: true, by: &[Owner] },
        Move {
            action: "complete",
            from: &["in_progress", "transferred"],
            to: "completed",
            needs_reason: true,
            by: &[Owner],
        },
        Move { action: "return_visit", from: &["completed"], to: STAY, needs_reason: true, by: &[Owner, Staff] },
        Move { action: "archive", from: &["completed"], to: "archived", needs_reason: false, by: &[Owner] },
        Move {
            action: "hand_over",
            from: &["awaiting_materials", "in_progress", "transferred", "completed"],
            to: STAY,
            needs_reason: true,
            by: &[Owner],
        },
        Move {
            action: "supply_materials",
            from: &["awaiting_materials"],
            to: STAY,
            needs_reason: false,
            by: &[Applicant],
        },
        // The resident withdraws freely; staff withdraw on the resident's word, and say so.
        Move {
            action: "withdraw",
            from: &["submitted", "awaiting_materials", "in_progress"],
            to: "withdrawn",
            needs_reason: false,
            by: &[Applicant],
        },
        Move {
            action: "withdraw",
            from: &["submitted", "awaiting_materials", "in_progress"],
            to: "withdrawn",
            needs_reason: true,
            by: &[Owner],
        },
    ],
};

/// The states a queue shows as open work.
pub const OPEN: [&str; 4] = ["submitted", "awaiting_materials", "in_progress", "transferred"];

/// Open311 knows only `open` and `closed`.
pub fn open311_status(state: &str) -> &'static str {
    if OPEN.contains(&state) { "open" } else { "closed" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::MoveError;

    #[test]
    fn every_move_names_declared_states() {
        for m in SERVICE_REQUEST.moves {
            for f in m.from {
                assert!(SERVICE_REQUEST.state(f).is_some(), "{}: unknown from {f}", m.action);
                assert!(!SERVICE_REQUEST.state(f).is_some_and(|s| s.terminal), "{} leaves a terminal state", m.action);
            }
            assert!(m.to == STAY || SERVICE_REQUEST.state(m.to).is_some(), "{}: unknown to {}", m.action, m.to);
        }
        for s in OPEN {
            assert!(SERVICE_REQUEST.state(s).is_some());
        }
    }

    #[test]
    fn the_window_flow_follows_appendix_a() {
        let f = &SERVICE_REQUEST;
        let go = |from: &str, action: &str, party, reason: &str| f.check(from, action, party, reason).map(|m| m.to);
        assert_eq!(go("submitted", "request_materials", Owner, ""), Ok("awaiting_materials"));
        assert_eq!(go("awaiting_materials", "supply_materials", Applicant, ""), Ok(STAY));
        assert_eq!(go("awaiting_materials", "accept", Owner, ""), Ok("in_progress"));
        assert_eq!(go("in_progress", "transfer", Owner, "转区残联"), Ok("transferred"));
        assert_eq!(go("transferred", "complete", Owner, "已发证"), Ok("completed"));
        assert_eq!(go("completed", "return_visit", Staff, "电话回访，满意"), Ok(STAY));
        assert_eq!(go("completed", "archive", Owner, ""), Ok("archived"));
        // Forbidden paths.
        assert_eq!(go("submitted", "decline", Owner, ""), Err(MoveError::ReasonRequired("decline")));
        assert!(matches!(go("in_progress", "request_materials", Owner, ""), Err(MoveError::NotFrom { .. })));
        assert!(matches!(go("archived", "complete", Owner, "x"), Err(MoveError::NotFrom { .. })));
        assert!(matches!(go("completed", "withdraw", Applicant, ""), Err(MoveError::NotFrom { .. })));
        assert_eq!(go("in_progress", "complete", Staff, "x"), Err(MoveError::NotYours("complete")));
        assert_eq!(go("in_progress", "complete", Applicant, "x"), Err(MoveError::NotYours("complete")));
        assert_eq!(go("submitted", "accept", Applicant, ""), Err(MoveError::NotYours("accept")));
        assert_eq!(go("in_progress", "withdraw", Applicant, ""), Ok("withdrawn"));
        assert_eq!(go("in_progress", "withdraw", Owner, ""), Err(MoveError::ReasonRequired("withdraw")));
        assert_eq!(go("in_progress", "withdraw", Owner, "居民来电撤回"), Ok("withdrawn"));
        assert_eq!(open311_status("transferred"), "open");
        assert_eq!(open311_status("declined"), "closed");
    }
}
