//! The plain-text form of day rules, for loading a year's schedule and for showing it.
//!
//! One rule or range per line, `#` starts a comment:
//!
//! ```text
//! 2026-02-15..2026-02-23 holiday 春节
//! 2026-02-28 workday 春节调休上班
//! ```

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use time::{Date, macros::format_description};

use super::DayKind;

/// One day's exception to the Monday–Friday rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRule {
    pub date: Date,
    pub kind: DayKind,
    pub name: String,
}

/// A line that could not be read, with the reason as a message-catalogue code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub line: usize,
    pub code: &'static str,
    pub text: String,
}

/// The longest range one line may cover; a typo such as 2026 → 2062 should fail, not fill decades.
const MAX_RANGE_DAYS: i64 = 31;

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// Parses every line and reports every bad one; nothing is returned unless all are good.
pub fn parse_rules(text: &str) -> Result<Vec<DayRule>, Vec<RuleError>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(mut r) => rules.append(&mut r),
            Err(code) => errors.push(RuleError { line: i + 1, code, text: raw.trim().to_owned() }),
        }
    }
    let mut dates: Vec<Date> = rules.iter().map(|r| r.date).collect();
    dates.sort();
    if let Some(w) = dates.windows(2).find(|w| w[0] == w[1]) {
        errors.push(RuleError { line: 0, code: "calendar_duplicate_day", text: w[0].to_string() });
    }
    if errors.is_empty() { Ok(rules) } else { Err(errors) }
}

fn parse_line(line: &str) -> Result<Vec<DayRule>, &'static str> {
    let mut parts = line.split_whitespace();
    let dates = parts.next().ok_or("calendar_line_format")?;
    let kind = parts.next().and_then(DayKind::parse).ok_or("calendar_kind")?;
    let name = parts.collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("calendar_name_missing");
    }
    let name = crate::validation::text(&name, 40).map_err(|_| "calendar_name_too_long")?;
    let (from, to) = match dates.split_once("..") {
        Some((a, b)) => (parse_date(a).ok_or("calendar_date")?, parse_date(b).ok_or("calendar_date")?),
        None => {
            let d = parse_date(dates).ok_or("calendar_date")?;
            (d, d)
        }
    };
    if !super::YEARS.contains(&from.year()) || !super::YEARS.contains(&to.year()) {
        return Err("calendar_year");
    }
    if to < from {
        return Err("calendar_range_reversed");
    }
    if (to - from).whole_days() >= MAX_RANGE_DAYS {
        return Err("calendar_range_too_long");
    }
    let mut out = Vec::new();
    let mut d = Some(from);
    while let Some(day) = d.filter(|day| *day <= to) {
        out.push(DayRule { date: day, kind, name: name.clone() });
        d = day.next_day();
    }
    Ok(out)
}

/// Writes rules back as text, folding consecutive days of the same kind and name into ranges.
pub fn format_rules(rules: impl IntoIterator<Item = DayRule>) -> String {
    let mut out = String::new();
    let mut run: Option<(Date, Date, DayKind, String)> = None;
    let flush = |out: &mut String, run: &Option<(Date, Date, DayKind, String)>| {
        if let Some((a, b, k, n)) = run {
            if a == b {
                let _ = writeln!(out, "{a} {} {n}", k.as_str());
            } else {
                let _ = writeln!(out, "{a}..{b} {} {n}", k.as_str());
            }
        }
    };
    for r in rules {
        match &mut run {
            Some((_, b, k, n)) if b.next_day() == Some(r.date) && *k == r.kind && *n == r.name => *b = r.date,
            _ => {
                flush(&mut out, &run);
                run = Some((r.date, r.date, r.kind, r.name));
            }
        }
    }
    flush(&mut out, &run);
    out
}
