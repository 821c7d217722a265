//! The working-day calendar: read by anyone (holidays are public), replaced per year by an
//! administrator.

use axum::Json;
use axum::extract::{Path, Query, State};
use linli_domain::calendar::{DayKind, DayRule, parse_date};
use linli_domain::validation::Checker;
use linli_domain::{FieldError, Invalid, Role};
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::auth::{ApiUser, require_role};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DayRuleDto {
    /// `YYYY-MM-DD`.
    #[schema(example = "2026-02-16")]
    pub date: String,
    /// `holiday` (放假) or `workday` (调休上班).
    #[schema(example = "holiday")]
    pub kind: String,
    #[schema(example = "春节")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct YearCalendar {
    pub year: i32,
    /// Whether this year's schedule has been loaded; if not, only weekends are days off.
    pub loaded: bool,
    pub working_days: i64,
    pub rules: Vec<DayRuleDto>,
}

fn year_bounds(year: i32) -> Result<(Date, Date), AppError> {
    let bad = || AppError::Invalid(Invalid::one("year", "calendar_year"));
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    let first = Date::from_calendar_date(year, Month::January, 1).map_err(|_| bad())?;
    let last = Date::from_calendar_date(year, Month::December, 31).map_err(|_| bad())?;
    Ok((first, last))
}

fn year_calendar(state: &AppState, year: i32) -> Result<YearCalendar, AppError> {
    let (first, last) = year_bounds(year)?;
    let cal = state.calendar();
    let before = first.previous_day().unwrap_or(first);
    Ok(YearCalendar {
        year,
        loaded: cal.has_year(year),
        working_days: cal.working_days_between(before, last),
        rules: cal
            .rules_in_year(year)
            .map(|r| DayRuleDto { date: r.date.to_string(), kind: r.kind.as_str().to_owned(), name: r.name })
            .collect(),
    })
}

/// A year's public holidays and swapped working days.
#[utoipa::path(get, path = "/calendar/{year}", tag = "calendar",
    params(("year" = i32, Path, description = "2000–2100")),
    responses((status = 200, body = YearCalendar),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"))
)]
pub async fn year(State(state): State<AppState>, Path(year): Path<i32>) -> Result<Json<YearCalendar>, AppError> {
    Ok(Json(year_calendar(&state, year)?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplaceYear {
    pub rules: Vec<DayRuleDto>,
}

/// Replace a year's rules (administrators). All or nothing: one bad rule rejects the lot,
/// with every bad rule named.
#[utoipa::path(put, path = "/calendar/{year}", tag = "calendar", request_body = ReplaceYear,
    params(("year" = i32, Path)),
    responses((status = 200, body = YearCalendar),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn replace_year(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(year): Path<i32>,
    ApiJson(body): ApiJson<ReplaceYear>,
) -> Result<Json<YearCalendar>, AppError> {
    require_role(&user, &[Role::Admin])?;
    let (first, last) = year_bounds(year)?;
    let mut check = Checker::new();
    let mut rules = Vec::new();
    for (i, r) in body.rules.iter().enumerate() {
        let field = format!("rules[{i}]");
        let date = parse_date(&r.date);
        let kind = DayKind::parse(&r.kind);
        match date {
            None => check.push(FieldError::new(format!("{field}.date"), "calendar_date")),
            Some(d) if d < first || d > last => check.push(
                FieldError::new(format!("{field}.date"), "calendar_outside_year").with("date", d).with("year", year),
            ),
            Some(_) => {}
        }
        if kind.is_none() {
            check.push(FieldError::new(format!("{field}.kind"), "calendar_kind"));
        }
        let name = check.take(&format!("{field}.name"), linli_domain::validation::text(&r.name, 40));
        if let (Some(date), Some(kind), Some(name)) = (date, kind, name) {
            if rules.iter().any(|x: &DayRule| x.date == date) {
                check.push(FieldError::new(format!("{field}.date"), "calendar_duplicate_day").with("date", date));
            }
            rules.push(DayRule { date, kind, name });
        }
    }
    check.finish()?;
    state.store.replace_calendar_year(year, &rules, &user.user.username).await?;
    state.reload_calendar().await?;
    tracing::info!(year, rules = rules.len(), by = %user.user.username, "calendar year replaced");
    Ok(Json(year_calendar(&state, year)?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeadlineQuery {
    /// The day the clock starts (`YYYY-MM-DD`), e.g. the day a request is accepted.
    from: String,
    /// The time limit in working days (0 = 即办, the same day).
    days: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deadline {
    pub from: String,
    pub days: u32,
    /// The last day of the limit.
    pub due: String,
    /// False when the limit runs into a year whose holidays are not loaded yet.
    pub calendar_covers: bool,
}

/// The day a limit of N working days, counted from a date, runs out.
#[utoipa::path(get, path = "/calendar/deadline", tag = "calendar", params(DeadlineQuery),
    responses((status = 200, body = Deadline),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"))
)]
pub async fn deadline(
    State(state): State<AppState>,
    Query(q): Query<DeadlineQuery>,
) -> Result<Json<Deadline>, AppError> {
    let mut check = Checker::new();
    let from = parse_date(&q.from);
    if from.is_none() {
        check.push(FieldError::new("from", "calendar_date"));
    }
    if q.days > 365 {
        check.push(FieldError::new("days", "too_large").with("max", 365));
    }
    check.finish()?;
    let from = from.ok_or_else(|| AppError::internal("checked above"))?;
    let cal = state.calendar();
    let due = cal.add_working_days(from, q.days);
    let covers = (from.year()..=due.year()).all(|y| cal.has_year(y));
    Ok(Json(Deadline { from: from.to_string(), days: q.days, due: due.to_string(), calendar_covers: covers }))
}
