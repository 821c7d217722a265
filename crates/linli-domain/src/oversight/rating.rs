//! 好差评: five levels, and the rectification flow a 不满意 or 非常不满意 opens — 核实, 整改,
//! 回访, each with its own time limit — declared for the work-item engine.

use serde::Serialize;

use crate::workflow::{Clock, Flow, Limit, Move, Party, State};

/// The five levels of the national 好差评 scheme, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    VerySatisfied,
    Satisfied,
    Fair,
    Dissatisfied,
    VeryDissatisfied,
}

impl Level {
    pub const ALL: [Level; 5] =
        [Level::VerySatisfied, Level::Satisfied, Level::Fair, Level::Dissatisfied, Level::VeryDissatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::VerySatisfied => "very_satisfied",
            Level::Satisfied => "satisfied",
            Level::Fair => "fair",
            Level::Dissatisfied => "dissatisfied",
            Level::VeryDissatisfied => "very_dissatisfied",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Level::VerySatisfied => "非常满意",
            Level::Satisfied => "满意",
            Level::Fair => "基本满意",
            Level::Dissatisfied => "不满意",
            Level::VeryDissatisfied => "非常不满意",
        }
    }

    /// The code, or the Chinese word (ratings typed at the window or read from a form).
    pub fn parse(s: &str) -> Option<Level> {
        let s = s.trim();
        Self::ALL.into_iter().find(|l| l.as_str() == s || l.chinese() == s)
    }

    /// A 差评: opens a rectification.
    pub fn is_bad(self) -> bool {
        matches!(self, Level::Dissatisfied | Level::VeryDissatisfied)
    }

    /// Counted as satisfied in the satisfaction rate (非常满意, 满意, 基本满意).
    pub fn is_satisfied(self) -> bool {
        !self.is_bad()
    }
}

use Party::Owner;

/// 整改 of a bad rating: verify what happened, put it right, visit the resident again.
pub const RECTIFICATION: Flow = Flow {
    kind: "rectification",
    states: &[
        State { name: "verifying", clock: Clock::Running, terminal: false },
        State { name: "rectifying", clock: Clock::Running, terminal: false },
        State { name: "revisiting", clock: Clock::Running, terminal: false },
        State { name: "closed", clock: Clock::Stopped, terminal: true },
    ],
    moves: &[
        // 核实: what was found is the reason.
        Move { action: "verify", from: &["verifying"], to: "rectifying", needs_reason: true, by: &[Owner] },
        // 核实不属实: nothing to put right; the resident is still visited.
        Move { action: "unfounded", from: &["verifying"], to: "revisiting", needs_reason: true, by: &[Owner] },
        Move { action: "rectify", from: &["rectifying"], to: "revisiting", needs_reason: true, by: &[Owner] },
        Move { action: "revisit", from: &["revisiting"], to: "closed", needs_reason: true, by: &[Owner] },
        Move {
            action: "hand_over",
            from: &["verifying", "rectifying", "revisiting"],
            to: crate::window::flow::STAY,
            needs_reason: true,
            by: &[Owner],
        },
    ],
};

/// The time each step of a rectification has, counted from when the step begins.
pub fn rectification_limit(state: &str) -> Option<Limit> {
    match state {
        "verifying" => Some(Limit::WorkingDays(2)),
        "rectifying" => Some(Limit::WorkingDays(5)),
        "revisiting" => Some(Limit::WorkingDays(3)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::MoveError;

    #[test]
    fn levels_read_both_ways_and_two_are_bad() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
            assert_eq!(Level::parse(l.chinese()), Some(l));
        }
        assert_eq!(Level::ALL.iter().filter(|l| l.is_bad()).count(), 2);
        assert!(Level::Fair.is_satisfied() && !Level::Dissatisfied.is_satisfied());
        assert_eq!(Level::parse("好"), None);
    }

    #[test]
    fn a_rectification_is_verified_rectified_and_revisited() {
        let f = &RECTIFICATION;
        assert_eq!(f.check("verifying", "verify", Owner, "属实：窗口解释不清").map(|m| m.to), Ok("rectifying"));
        assert_eq!(f.check("verifying", "unfounded", Owner, "调取记录，办理合规").map(|m| m.to), Ok("revisiting"));
        assert_eq!(f.check("rectifying", "rectify", Owner, "已补办并致歉").map(|m| m.to), Ok("revisiting"));
        assert_eq!(f.check("revisiting", "revisit", Owner, "回访：满意").map(|m| m.to), Ok("closed"));
        assert_eq!(
            f.check("rectifying", "rectify", Owner, "").map(|m| m.to),
            Err(MoveError::ReasonRequired("rectify"))
        );
        assert!(matches!(f.check("closed", "revisit", Owner, "x"), Err(MoveError::NotFrom { .. })));
        assert_eq!(f.check("verifying", "verify", Party::Staff, "x").map(|m| m.to), Err(MoveError::NotYours("verify")));
        for s in f.states.iter().filter(|s| !s.terminal) {
            assert!(rectification_limit(s.name).is_some(), "{} has a time limit", s.name);
        }
    }
}
