//! 投诉: the complaint flow — 受理 → 调查 → 处理 → 答复 → the complainant's verdict → 结案 —
//! with escalation to the street office when the reply is late or rejected.

use serde::Deserialize;

use crate::Phone;
use crate::validation::{Checker, FieldError, Invalid, multiline, optional_text, text};
use crate::workflow::{Clock, Flow, Limit, Move, Party, State};

use Party::{Applicant, Owner};

pub const COMPLAINT: Flow = Flow {
    kind: "complaint",
    states: &[
        State { name: "accepted", clock: Clock::Running, terminal: false },
        State { name: "investigating", clock: Clock::Running, terminal: false },
        State { name: "handling", clock: Clock::Running, terminal: false },
        State { name: "replied", clock: Clock::Running, terminal: false },
        State { name: "escalated", clock: Clock::Running, terminal: false },
        State { name: "closed", clock: Clock::Stopped, terminal: true },
    ],
    moves: &[
        Move { action: "investigate", from: &["accepted"], to: "investigating", needs_reason: false, by: &[Owner] },
        // What the investigation found.
        Move { action: "handle", from: &["investigating"], to: "handling", needs_reason: true, by: &[Owner] },
        // The reply to the complainant (also the street office's reply to an escalated one).
        Move {
            action: "reply",
            from: &["accepted", "investigating", "handling", "escalated"],
            to: "replied",
            needs_reason: true,
            by: &[Owner],
        },
        // The complainant's verdict, from their account or recorded by staff by phone.
        // The complainant says so themselves; staff recording it by phone write down what was said.
        Move { action: "accept_reply", from: &["replied"], to: "closed", needs_reason: false, by: &[Applicant] },
        Move { action: "accept_reply", from: &["replied"], to: "closed", needs_reason: true, by: &[Owner] },
        Move {
            action: "reject_reply",
            from: &["replied"],
            to: "escalated",
            needs_reason: true,
            by: &[Applicant, Owner],
        },
        Move {
            action: "escalate",
            from: &["accepted", "investigating", "handling"],
            to: "escalated",
            needs_reason: true,
            by: &[Owner],
        },
        // No verdict within the limit: closed with a note (the store refuses it before the limit).
        Move { action: "close", from: &["replied"], to: "closed", needs_reason: true, by: &[Owner] },
        Move {
            action: "hand_over",
            from: &["accepted", "investigating", "handling", "replied", "escalated"],
            to: crate::window::flow::STAY,
            needs_reason: true,
            by: &[Owner],
        },
    ],
};

/// The time limits of a community's complaints, in working days: to reply from acceptance (5
/// by default, as the standard asks), for the complainant's verdict on the reply, and for the
/// street office once escalated. A community may set its own (1–30 days each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ComplaintLimits {
    pub reply_days: u32,
    pub verdict_days: u32,
    pub escalated_days: u32,
}

pub const REPLY_DAYS: u32 = 5;

impl Default for ComplaintLimits {
    fn default() -> Self {
        ComplaintLimits { reply_days: REPLY_DAYS, verdict_days: 5, escalated_days: 5 }
    }
}

impl ComplaintLimits {
    pub const RANGE: std::ops::RangeInclusive<u32> = 1..=30;

    /// The limit that starts when a complaint enters `state`; `None` keeps the running one.
    pub fn limit(&self, state: &str) -> Option<Limit> {
        match state {
            "accepted" => Some(Limit::WorkingDays(self.reply_days)),
            "replied" => Some(Limit::WorkingDays(self.verdict_days)),
            "escalated" => Some(Limit::WorkingDays(self.escalated_days)),
            _ => None,
        }
    }

    /// Parses the three numbers from a form; each must lie in [`Self::RANGE`].
    pub fn parse(reply: &str, verdict: &str, escalated: &str) -> Result<ComplaintLimits, Invalid> {
        let mut c = Checker::new();
        let mut day = |field: &str, v: &str| match v.trim().parse::<u32>() {
            Ok(n) if Self::RANGE.contains(&n) => Some(n),
            _ => {
                c.push(FieldError::new(field, "out_of_range").with("min", 1).with("max", 30));
                None
            }
        };
        let (r, v, e) = (day("reply_days", reply), day("verdict_days", verdict), day("escalated_days", escalated));
        c.finish()?;
        match (r, v, e) {
            (Some(reply_days), Some(verdict_days), Some(escalated_days)) => {
                Ok(ComplaintLimits { reply_days, verdict_days, escalated_days })
            }
            _ => Err(Invalid::one("", "required")),
        }
    }
}

/// The default limit that starts when a complaint enters `state`.
pub fn complaint_limit(state: &str) -> Option<Limit> {
    ComplaintLimits::default().limit(state)
}

/// How a complaint came in.
pub const CHANNELS: [&str; 4] = ["window", "phone", "online", "anonymous"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ComplaintInput {
    /// window, phone, online or anonymous.
    pub channel: String,
    pub complainant_name: String,
    pub phone: String,
    pub subject: String,
    pub content: String,
    /// The number of the service request complained about, if any.
    pub request_number: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComplaintFields {
    pub channel: &'static str,
    pub anonymous: bool,
    pub complainant_name: String,
    pub phone: Option<Phone>,
    pub subject: String,
    pub content: String,
    pub request_number: Option<String>,
}

impl ComplaintInput {
    pub fn validate(&self) -> Result<ComplaintFields, Invalid> {
        let mut c = Checker::new();
        let channel = CHANNELS.into_iter().find(|ch| *ch == self.channel.trim());
        if channel.is_none() {
            c.push(FieldError::new("channel", "choice"));
        }
        let anonymous = channel == Some("anonymous");
        let name =
            if anonymous { Some(String::new()) } else { c.take("complainant_name", text(&self.complainant_name, 40)) };
        let phone = match self.phone.trim() {
            "" if anonymous => Some(None),
            p => c.take("phone", Phone::parse(p).map(Some)),
        };
        let subject = c.take("subject", text(&self.subject, 100));
        let content = c.take("content", multiline(&self.content, 3000));
        if self.content.trim().is_empty() {
            c.push(FieldError::new("content", "required"));
        }
        let number = c.take("request_number", optional_text(&self.request_number, 40));
        if let Some(n) = number.as_deref().filter(|n| !n.is_empty())
            && !crate::window::request::looks_like_number(n)
        {
            c.push(FieldError::new("request_number", "request_number"));
        }
        c.finish()?;
        match (channel, name, phone, subject, content, number) {
            (Some(channel), Some(complainant_name), Some(phone), Some(subject), Some(content), Some(number)) => {
                Ok(ComplaintFields {
                    channel,
                    anonymous,
                    complainant_name,
                    phone,
                    subject,
                    content,
                    request_number: Some(number).filter(|n| !n.is_empty()),
                })
            }
            _ => Err(Invalid::one("", "required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::MoveError;

    #[test]
    fn complaints_are_checked_and_may_be_anonymous() {
        let ok = ComplaintInput {
            channel: "phone".into(),
            complainant_name: "张伟".into(),
            phone: "13905913333".into(),
            subject: "窗口态度".into(),
            content: "办理时被催促".into(),
            request_number: "350103001001-20261129-0003".into(),
        };
        let f = ok.validate().expect("valid");
        assert_eq!(
            (f.channel, f.anonymous, f.request_number.as_deref()),
            ("phone", false, Some("350103001001-20261129-0003"))
        );
        let anon = ComplaintInput {
            channel: "anonymous".into(),
            complainant_name: String::new(),
            phone: String::new(),
            ..ok.clone()
        };
        let f = anon.validate().expect("anonymous");
        assert!(f.anonymous && f.phone.is_none() && f.complainant_name.is_empty());
        let bad = ComplaintInput { channel: "fax".into(), request_number: "12".into(), ..ComplaintInput::default() };
        let got: Vec<(String, &str)> =
            bad.validate().expect_err("an invalid complaint").0.into_iter().map(|e| (e.field, e.code)).collect();
        assert!(
            got.contains(&("channel".into(), "choice")) && got.contains(&("request_number".into(), "request_number")),
            "{got:?}"
        );
    }

    #[test]
    fn the_complaint_flow_escalates_late_or_rejected_replies() {
        let f = &COMPLAINT;
        let go = |from: &str, a: &str, p, r: &str| f.check(from, a, p, r).map(|m| m.to);
        assert_eq!(go("accepted", "investigate", Owner, ""), Ok("investigating"));
        assert_eq!(go("investigating", "handle", Owner, "调取监控"), Ok("handling"));
        assert_eq!(go("handling", "reply", Owner, "已批评教育当事工作人员"), Ok("replied"));
        assert_eq!(go("replied", "reject_reply", Applicant, "不认可"), Ok("escalated"));
        assert_eq!(go("escalated", "reply", Owner, "街道复核"), Ok("replied"));
        assert_eq!(go("replied", "accept_reply", Applicant, ""), Ok("closed"));
        assert_eq!(go("replied", "reject_reply", Applicant, ""), Err(MoveError::ReasonRequired("reject_reply")));
        assert_eq!(
            go("handling", "accept_reply", Applicant, ""),
            Err(MoveError::NotFrom { action: "accept_reply", from: "handling".into() })
        );
        assert_eq!(go("accepted", "reply", Applicant, "x"), Err(MoveError::NotYours("reply")));
        assert_eq!(complaint_limit("accepted"), Some(Limit::WorkingDays(5)));
    }

    #[test]
    fn a_community_sets_its_own_limits_within_bounds() {
        let l = ComplaintLimits::parse("3", " 7 ", "10").expect("valid");
        assert_eq!(l.limit("accepted"), Some(Limit::WorkingDays(3)));
        assert_eq!(l.limit("replied"), Some(Limit::WorkingDays(7)));
        assert_eq!(l.limit("escalated"), Some(Limit::WorkingDays(10)));
        assert_eq!(l.limit("handling"), None);
        let bad = ComplaintLimits::parse("0", "31", "x").expect_err("out of range").0;
        assert_eq!(
            bad.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["reply_days", "verdict_days", "escalated_days"]
        );
    }
}
