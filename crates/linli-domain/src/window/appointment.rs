//! 预约: time slots with a capacity, and what a booking must satisfy.

use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::Calendar;
use crate::calendar::parse_date;
use crate::validation::{Checker, FieldError, Invalid, optional_text};
use crate::workflow::CHINA;

/// The slots to open, as typed: a first day, how many working days, the times and capacity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SlotsInput {
    /// `YYYY-MM-DD`.
    pub from: String,
    /// Working days to repeat on, 1–30 (holidays skipped, 调休 days included).
    pub days: String,
    /// Time ranges, comma or line separated: `09:00-09:30, 09:30-10:00`.
    pub times: String,
    pub capacity: String,
    /// The item the slots are for, or empty for any.
    pub item: String,
    pub service_window: String,
}

/// One slot to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
}

/// Slots at most this far ahead.
pub const MAX_DAYS_AHEAD: i64 = 90;
/// Slots made in one go.
pub const MAX_SLOTS: usize = 500;

fn time_of(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once([':', '：'])?;
    Time::from_hms(h.trim().parse().ok()?, m.trim().parse().ok()?, 0).ok()
}

/// Parses `09:00-09:30` ranges; errors name the bad range.
pub fn parse_ranges(s: &str) -> Result<Vec<(Time, Time)>, Invalid> {
    let mut out = Vec::new();
    for part in s.split([',', '，', '\n', ';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let parsed = part
            .split_once(['-', '–', '~', '至'])
            .and_then(|(a, b)| Some((time_of(a)?, time_of(b)?)))
            .filter(|(a, b)| a < b);
        match parsed {
            Some(r) => out.push(r),
            None => return Err(Invalid(vec![FieldError::new("", "time_range").with("value", part)])),
        }
    }
    if out.is_empty() {
        return Err(Invalid::one("", "required"));
    }
    Ok(out)
}

impl SlotsInput {
    /// The slots on the next `days` working days from `from`, at each time range.
    pub fn slots(&self, cal: &Calendar, today: Date) -> Result<(Vec<Slot>, u32, String), Invalid> {
        let mut c = Checker::new();
        let from = match parse_date(self.from.trim()) {
            Some(d) if d >= today && d - today <= Duration::days(MAX_DAYS_AHEAD) => Some(d),
            _ => {
                c.push(FieldError::new("from", "slot_date").with("max", MAX_DAYS_AHEAD));
                None
            }
        };
        let days = match self.days.trim() {
            "" => Some(1),
            d => d.parse::<u32>().ok().filter(|d| (1..=30).contains(d)),
        };
        if days.is_none() {
            c.push(FieldError::new("days", "slot_days").with("max", 30));
        }
        let capacity = self.capacity.trim().parse::<u32>().ok().filter(|n| (1..=100).contains(n));
        if capacity.is_none() {
            c.push(FieldError::new("capacity", "capacity"));
        }
        let ranges = c.take("times", parse_ranges(&self.times));
        let window = c.take("service_window", optional_text(&self.service_window, 40));
        c.finish()?;
        let (Some(from), Some(days), Some(capacity), Some(ranges), Some(window)) =
            (from, days, capacity, ranges, window)
        else {
            return Err(Invalid::one("", "required"));
        };
        let mut out = Vec::new();
        let mut day = from;
        let mut left = days;
        while left > 0 && day - from <= Duration::days(MAX_DAYS_AHEAD) {
            if cal.is_working_day(day) {
                for (a, b) in &ranges {
                    out.push(Slot {
                        starts_at: PrimitiveDateTime::new(day, *a).assume_offset(CHINA),
                        ends_at: PrimitiveDateTime::new(day, *b).assume_offset(CHINA),
                    });
                }
                left -= 1;
            }
            day = day.next_day().unwrap_or(day);
        }
        if out.len() > MAX_SLOTS {
            return Err(Invalid(vec![FieldError::new("times", "too_many").with("max", MAX_SLOTS)]));
        }
        Ok((out, capacity, window))
    }
}

/// A booking's states.
pub const BOOKING_STATES: [&str; 4] = ["booked", "cancelled", "attended", "no_show"];

/// How many future bookings one resident may hold at once.
pub const MAX_ACTIVE_BOOKINGS: i64 = 3;

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn slots_repeat_on_working_days_only() {
        let cal = Calendar::china();
        let input = SlotsInput {
            from: "2026-09-30".into(),
            days: "3".into(),
            times: "09:00-09:30，14:00-15:00".into(),
            capacity: "4".into(),
            ..SlotsInput::default()
        };
        let (slots, cap, _) = input.slots(&cal, date!(2026 - 09 - 28)).expect("valid");
        assert_eq!(cap, 4);
        // 30 Sep, then 国庆 1–7 Oct, then 8 Oct and 9 Oct.
        let days: Vec<Date> = slots.iter().map(|s| s.starts_at.date()).collect();
        assert_eq!(
            days,
            [
                date!(2026 - 09 - 30),
                date!(2026 - 09 - 30),
                date!(2026 - 10 - 08),
                date!(2026 - 10 - 08),
                date!(2026 - 10 - 09),
                date!(2026 - 10 - 09)
            ]
        );
        assert_eq!(slots[1].starts_at, datetime!(2026-09-30 14:00 +8));
    }

    #[test]
    fn bad_slots_name_each_field() {
        let cal = Calendar::china();
        let input = SlotsInput {
            from: "2026-01-01".into(),
            days: "99".into(),
            times: "10:00-09:00".into(),
            capacity: "0".into(),
            ..SlotsInput::default()
        };
        let e = input.slots(&cal, date!(2026 - 03 - 01)).expect_err("an invalid set of slots");
        let got: Vec<(&str, &str)> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            [("from", "slot_date"), ("days", "slot_days"), ("capacity", "capacity"), ("times", "time_range")]
        );
        assert_eq!(parse_ranges("8:30-9:00").map(|r| r.len()), Ok(1));
    }
}
