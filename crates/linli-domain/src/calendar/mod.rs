//! The working-day calendar: 限时办结 deadlines count working days, not calendar days.
//!
//! A day is a working day when it is Monday to Friday, unless a rule says otherwise: a public
//! holiday on a weekday closes the office, a swapped working day (调休) on a weekend opens it.
//! Rules are data (seeded per year from the State Council notices, editable by an
//! administrator), so a new year's schedule is loaded, not compiled in.

mod china;
mod rules;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Weekday};

pub use rules::{DayRule, RuleError, format_rules, parse_date, parse_rules};

/// What a rule makes of its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 放假: the office is closed.
    Holiday,
    /// 调休上班: a weekend day on which the office works.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" | "休" | "放假" => Some(DayKind::Holiday),
            "workday" | "班" | "上班" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// A set of day rules and the years they cover.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    rules: BTreeMap<Date, (DayKind, String)>,
    years: BTreeSet<i32>,
}

impl Calendar {
    pub fn new(rules: impl IntoIterator<Item = DayRule>) -> Self {
        let mut cal = Calendar::default();
        for r in rules {
            cal.years.insert(r.date.year());
            cal.rules.insert(r.date, (r.kind, r.name));
        }
        cal
    }

    /// China's published schedules shipped with linli (see `china.rs` for the sources).
    pub fn china() -> Self {
        Self::new(china::rules())
    }

    /// The built-in rules, for seeding a new database.
    pub fn china_rules() -> Vec<DayRule> {
        china::rules()
    }

    /// Whether the schedule of `year` is loaded; deadlines that run into a year without one
    /// fall back to plain weekends and should be flagged to the user.
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn rule(&self, date: Date) -> Option<(DayKind, &str)> {
        self.rules.get(&date).map(|(k, n)| (*k, n.as_str()))
    }

    pub fn rules_in_year(&self, year: i32) -> impl Iterator<Item = DayRule> + '_ {
        let (from, to) = year_bounds(year).unwrap_or((Date::MAX, Date::MIN));
        self.rules.range(from..=to).map(|(d, (k, n))| DayRule { date: *d, kind: *k, name: n.clone() })
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        match self.rules.get(&date) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => is_weekday(date),
        }
    }

    /// The day on which a limit of `n` working days, counted from `start`, runs out.
    ///
    /// `start` itself never counts (the clock starts the next working day), so a request
    /// accepted on Friday with a 1-day limit is due on Monday; `n = 0` (即办) is due on `start`.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day.next_day().unwrap_or(Date::MAX);
            if day == Date::MAX {
                break;
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    ///
    /// The inverse of [`Calendar::add_working_days`]: `working_days_between(d, add_working_days(d, n)) == n`.
    /// Counts weekdays arithmetically and then applies only the rules inside the range, so a
    /// span of years costs no more than a span of days.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut n = weekdays_upto(to) - weekdays_upto(from);
        let Some(after) = from.next_day() else {
            return 0;
        };
        if after > to {
            return 0;
        }
        for (date, (kind, _)) in self.rules.range(after..=to) {
            match (kind, is_weekday(*date)) {
                (DayKind::Holiday, true) => n -= 1,
                (DayKind::Workday, false) => n += 1,
                _ => {}
            }
        }
        n
    }
}

fn is_weekday(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Weekdays on or before `date`, counted from an arbitrary Monday; only differences matter.
fn weekdays_upto(date: Date) -> i64 {
    // Julian day 0 is a Monday, so days since then divide cleanly into weeks.
    let k = i64::from(date.to_julian_day());
    let weeks = k.div_euclid(7);
    let into_week = k.rem_euclid(7); // 0 = Monday … 6 = Sunday
    weeks * 5 + (into_week + 1).min(5)
}

/// The years linli keeps schedules for; dates outside are refused at every edge.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The first and last day of a supported year, or the `calendar_year` error.
pub fn year_bounds(year: i32) -> Result<(Date, Date), crate::Invalid> {
    let bad = || crate::Invalid::one("year", "calendar_year");
    if !YEARS.contains(&year) {
        return Err(bad());
    }
    let from = Date::from_ordinal_date(year, 1).map_err(|_| bad())?;
    let to = Date::from_ordinal_date(year + 1, 1).map(|d| d - Duration::days(1)).map_err(|_| bad())?;
    Ok((from, to))
}

/// A date in a supported year, e.g. for the start of a deadline.
pub fn supported_date(s: &str) -> Result<Date, crate::Invalid> {
    let d = parse_date(s).ok_or_else(|| crate::Invalid::one("", "calendar_date"))?;
    if YEARS.contains(&d.year()) { Ok(d) } else { Err(crate::Invalid::one("", "calendar_year")) }
}

/// The due date of a limit counted from `start`, and whether every year it spans has a
/// loaded schedule (if not, only weekends were skipped and the user should be told).
pub fn deadline(cal: &Calendar, start: Date, days: u32) -> (Date, bool) {
    let due = cal.add_working_days(start, days);
    (due, (start.year()..=due.year()).all(|y| cal.has_year(y)))
}

#[cfg(test)]
mod tests;
