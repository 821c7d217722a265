//! 工作日历: the year at a glance, and (for administrators) editing single days or loading a
//! whole year's schedule from the State Council notice.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use linli_domain::calendar::{DayKind, DayRule, format_rules, parse_date, parse_rules};
use linli_domain::{Calendar, Role};
use serde::Deserialize;
use time::{Date, Month};

use super::layout::PageCtx;
use super::render_with;
use crate::auth::{SignedInUser, require_role};
use crate::context::{Ctx, flash};
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{self, Lang, today};
use crate::state::AppState;

pub struct DayCell {
    pub day: u8,
    /// CSS class: `work`, `weekend`, `holiday`, `swapped`; plus ` today`.
    pub class: String,
    pub label: String,
}

pub struct MonthView {
    pub name: &'static str,
    pub weeks: Vec<Vec<Option<DayCell>>>,
}

pub struct RuleRow {
    pub date: String,
    pub kind: &'static str,
    pub kind_name: &'static str,
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    page: PageCtx,
    year: i32,
    loaded: bool,
    working_days: i64,
    months: Vec<MonthView>,
    rules: Vec<RuleRow>,
    can_edit: bool,
    text: String,
    errors: Vec<String>,
    weekdays: Vec<&'static str>,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

const MONTHS: [Month; 12] = [
    Month::January,
    Month::February,
    Month::March,
    Month::April,
    Month::May,
    Month::June,
    Month::July,
    Month::August,
    Month::September,
    Month::October,
    Month::November,
    Month::December,
];

fn month_view(cal: &Calendar, lang: Lang, year: i32, month: Month, today: Date) -> Option<MonthView> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let lead = first.weekday().number_days_from_monday() as usize;
    let mut cells: Vec<Option<DayCell>> = (0..lead).map(|_| None).collect();
    let mut d = first;
    while d.month() == month {
        let (class, label) = match cal.rule(d) {
            Some((DayKind::Holiday, name)) => ("holiday", name.to_owned()),
            Some((DayKind::Workday, name)) => ("swapped", name.to_owned()),
            None if cal.is_working_day(d) => ("work", String::new()),
            None => ("weekend", String::new()),
        };
        let class = if d == today { format!("{class} today") } else { class.to_owned() };
        cells.push(Some(DayCell { day: d.day(), class, label }));
        match d.next_day() {
            Some(n) => d = n,
            None => break,
        }
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let mut weeks = Vec::new();
    let mut it = cells.into_iter();
    loop {
        let week: Vec<_> = it.by_ref().take(7).collect();
        if week.is_empty() {
            break;
        }
        weeks.push(week);
    }
    Some(MonthView { name: i18n::t(lang, &format!("month.m{}", u8::from(month))), weeks })
}

fn calendar_page(
    state: &AppState,
    ctx: &Ctx,
    user: &SignedInUser,
    year: i32,
    text: Option<String>,
    errors: Vec<String>,
) -> CalendarPage {
    let cal = state.calendar();
    let lang = ctx.lang;
    let day = today();
    let rules: Vec<DayRule> = cal.rules_in_year(year).collect();
    let before = Date::from_calendar_date(year - 1, Month::December, 31).unwrap_or(day);
    let last = Date::from_calendar_date(year, Month::December, 31).unwrap_or(day);
    CalendarPage {
        page: PageCtx::new(ctx, "calendar.title"),
        year,
        loaded: cal.has_year(year),
        working_days: cal.working_days_between(before, last),
        months: MONTHS.iter().filter_map(|m| month_view(&cal, lang, year, *m, day)).collect(),
        text: text.unwrap_or_else(|| format_rules(rules.clone())),
        rules: rules
            .into_iter()
            .map(|r| RuleRow {
                date: r.date.to_string(),
                kind: r.kind.as_str(),
                kind_name: i18n::t(lang, &format!("calendar.kind.{}", r.kind.as_str())),
                name: r.name,
            })
            .collect(),
        can_edit: user.0.user.role == Role::Admin,
        errors,
        weekdays: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| i18n::t(lang, &format!("weekday.short_{d}")))
            .collect(),
    }
}

fn valid_year(y: i32) -> Result<i32, AppError> {
    if (2000..=2100).contains(&y) { Ok(y) } else { Err(AppError::NotFound) }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: SignedInUser,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    require_role(&user.0, &Role::ALL.into_iter().filter(|r| r.is_staff()).collect::<Vec<_>>())?;
    let year = valid_year(q.year.unwrap_or_else(|| today().year()))?;
    render_with(StatusCode::OK, &calendar_page(&state, &ctx, &user, year, None, Vec::new()))
}

#[derive(Deserialize)]
pub struct DayForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

fn back_to(year: i32) -> String {
    format!("/admin/calendar?year={year}")
}

pub async fn set_day(
    State(state): State<AppState>,
    ctx: Ctx,
    user: SignedInUser,
    jar: CookieJar,
    Form(f): Form<DayForm>,
) -> Result<Response, AppError> {
    require_role(&user.0, &[Role::Admin])?;
    let date = parse_date(&f.date);
    let kind = DayKind::parse(&f.kind);
    let mut errors = Vec::new();
    if date.is_none() {
        errors.push(ctx.t("error.calendar_date").to_owned());
    }
    if kind.is_none() {
        errors.push(ctx.t("error.calendar_kind").to_owned());
    }
    if f.name.trim().is_empty() {
        errors.push(ctx.t("error.calendar_name_missing").to_owned());
    }
    let year = date.map(|d| d.year()).unwrap_or_else(|| today().year());
    let (Some(date), Some(kind), true) = (date, kind, errors.is_empty()) else {
        return render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &calendar_page(&state, &ctx, &user, valid_year(year)?, None, errors),
        );
    };
    let rule = DayRule { date, kind, name: f.name.trim().to_owned() };
    if let Err(e) = state.store.set_calendar_day(&rule, &user.0.user.username).await {
        let errors = AppError::from(e).field_errors(ctx.lang).into_iter().map(|m| m.message).collect();
        return render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &calendar_page(&state, &ctx, &user, valid_year(year)?, None, errors),
        );
    }
    state.reload_calendar().await?;
    tracing::info!(%date, kind = kind.as_str(), by = %user.0.user.username, "calendar day set");
    Ok((flash(jar, "flash.saved"), Redirect::to(&back_to(year))).into_response())
}

#[derive(Deserialize)]
pub struct DateForm {
    #[serde(default)]
    date: String,
}

pub async fn delete_day(
    State(state): State<AppState>,
    user: SignedInUser,
    jar: CookieJar,
    Form(f): Form<DateForm>,
) -> Result<Response, AppError> {
    require_role(&user.0, &[Role::Admin])?;
    let date = parse_date(&f.date).ok_or(AppError::NotFound)?;
    state.store.delete_calendar_day(date).await?;
    state.reload_calendar().await?;
    tracing::info!(%date, by = %user.0.user.username, "calendar day removed");
    Ok((flash(jar, "flash.deleted"), Redirect::to(&back_to(date.year()))).into_response())
}

#[derive(Deserialize)]
pub struct LoadForm {
    year: i32,
    #[serde(default)]
    text: String,
}

/// Replaces a whole year from the text form; any bad line rejects the lot and is named.
pub async fn load_year(
    State(state): State<AppState>,
    ctx: Ctx,
    user: SignedInUser,
    jar: CookieJar,
    Form(f): Form<LoadForm>,
) -> Result<Response, AppError> {
    require_role(&user.0, &[Role::Admin])?;
    let year = valid_year(f.year)?;
    let rejected = |errors: Vec<String>| {
        render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &calendar_page(&state, &ctx, &user, year, Some(f.text.clone()), errors),
        )
    };
    let rules = match parse_rules(&f.text) {
        Ok(r) => r,
        Err(errs) => {
            let lines = errs
                .iter()
                .map(|e| {
                    let msg = ctx.t(&format!("error.{}", e.code));
                    if e.line == 0 {
                        format!("{msg}：{}", e.text)
                    } else {
                        i18n::tf(
                            ctx.lang,
                            "calendar.line_error",
                            &[("line", e.line.to_string()), ("text", e.text.clone()), ("msg", msg.to_owned())],
                        )
                    }
                })
                .collect();
            return rejected(lines);
        }
    };
    if let Err(e) = state.store.replace_calendar_year(year, &rules, &user.0.user.username).await {
        let app = AppError::from(e);
        if let AppError::Invalid(_) = app {
            return rejected(app.field_errors(ctx.lang).into_iter().map(|m| m.message).collect());
        }
        return Err(app);
    }
    state.reload_calendar().await?;
    tracing::info!(year, rules = rules.len(), by = %user.0.user.username, "calendar year loaded");
    Ok((flash(jar, "flash.loaded"), Redirect::to(&back_to(year))).into_response())
}
