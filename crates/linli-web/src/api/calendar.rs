//! The working-day calendar: read by anyone (holidays are public), replaced per year by an
//! administrator.

use axum::Json;
use axum::extract::{Path, Query, State};
use linli_domain::calendar::{DayKind, DayRule, deadline as due_date, parse_date, supported_date, year_bounds};
use linli_domain::validation::{Checker, text};
use linli_domain::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
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

/// A year from the path: a number in 2000–2100, or a field error.
fn year_param(s: &str) -> Result<i32, AppError> {
    let y = s.parse::<i32>().map_err(|_| Invalid::one("year", "calendar_year"))?;
    year_bounds(y)?;
    Ok(y)
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
    responses((status = 200, body = YearCalendar), (status = "4XX", body = Problem, content_type = "application/problem+json"))
)]
pub async fn year(State(state): State<AppState>, Path(year): Path<String>) -> Result<Json<YearCalendar>, AppError> {
    Ok(Json(year_calendar(&state, year_param(&year)?)?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplaceYear {
    pub rules: Vec<DayRuleDto>,
}

/// Replace a year's rules (administrators). All or nothing: one bad rule rejects the lot,
/// with every bad rule named.
#[utoipa::path(put, path = "/calendar/{year}", tag = "calendar", request_body = ReplaceYear,
    params(("year" = i32, Path)),
    responses((status = 200, body = YearCalendar), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []), ("token" = []))
)]
pub async fn replace_year(
    State(state): State<AppState>,
    api: ApiActor,
    Path(year): Path<String>,
    ApiJson(body): ApiJson<ReplaceYear>,
) -> Result<Json<YearCalendar>, AppError> {
    let year = year_param(&year)?;
    let (first, last) = year_bounds(year)?;
    let mut check = Checker::new();
    let mut rules: Vec<DayRule> = Vec::new();
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
        let name = check.take(&format!("{field}.name"), text(&r.name, 40));
        if let (Some(date), Some(kind), Some(name)) = (date, kind, name) {
            if rules.iter().any(|x| x.date == date) {
                check.push(FieldError::new(format!("{field}.date"), "calendar_duplicate_day").with("date", date));
            }
            rules.push(DayRule { date, kind, name });
        }
    }
    check.finish()?;
    state.store.acting(&api.actor).replace_calendar_year(year, &rules).await?;
    state.reload_calendar_or_warn().await;
    Ok(Json(year_calendar(&state, year)?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeadlineQuery {
    /// The day the clock starts (`YYYY-MM-DD`), e.g. the day a request is accepted.
    from: Option<String>,
    /// The time limit in working days, 0–365 (0 = 即办, the same day).
    days: Option<String>,
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

/// Checks the two inputs of a deadline; shared by the API and the home page's calculator.
pub fn deadline_input(from: Option<&str>, days: Option<&str>) -> Result<(time::Date, u32), Invalid> {
    let mut check = Checker::new();
    let from = check.take("from", supported_date(from.unwrap_or_default()));
    let days = match days.map(str::trim).filter(|d| !d.is_empty()) {
        None => {
            check.push(FieldError::new("days", "required"));
            None
        }
        Some(d) => match d.parse::<u32>() {
            Ok(n) if n <= 365 => Some(n),
            _ => {
                check.push(FieldError::new("days", "days_range").with("max", 365));
                None
            }
        },
    };
    check.finish()?;
    match (from, days) {
        (Some(f), Some(d)) => Ok((f, d)),
        _ => Err(Invalid::one("", "required")),
    }
}

/// The day a limit of N working days, counted from a date, runs out.
#[utoipa::path(get, path = "/calendar/deadline", tag = "calendar", params(DeadlineQuery),
    responses((status = 200, body = Deadline), (status = "4XX", body = Problem, content_type = "application/problem+json"))
)]
pub async fn deadline(
    State(state): State<AppState>,
    Query(q): Query<DeadlineQuery>,
) -> Result<Json<Deadline>, AppError> {
    let (from, days) = deadline_input(q.from.as_deref(), q.days.as_deref())?;
    let (due, covers) = due_date(&state.calendar(), from, days);
    Ok(Json(Deadline { from: from.to_string(), days, due: due.to_string(), calendar_covers: covers }))
}
