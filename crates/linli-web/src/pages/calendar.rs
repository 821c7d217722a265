//! 工作日历: the year at a glance, and (for administrators) editing single days or loading a
//! whole year's schedule from the State Council notice.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use linli_domain::calendar::{DayKind, DayRule, format_rules, parse_date, parse_rules, year_bounds};
use linli_domain::{Action, Calendar, Resource};
use serde::Deserialize;
use time::{Date, Month};

use super::layout::PageCtx;
use super::{done, render_with};
use crate::auth::Me;
use crate::context::Ctx;
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
    me: &Me,
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
        can_edit: me.actor.principal.may(Resource::Calendar, Action::Update),
        errors,
        weekdays: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| i18n::t(lang, &format!("weekday.short_{d}")))
            .collect(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    if !me.actor.principal.may(Resource::Calendar, Action::Read) {
        return Err(AppError::Forbidden);
    }
    let year = q.year.unwrap_or_else(|| today().year());
    year_bounds(year).map_err(|_| AppError::NotFound)?;
    render_with(StatusCode::OK, &calendar_page(&state, &ctx, &me, year, None, Vec::new()))
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

/// The form is re-shown for the year the user was looking at, with the problems listed.
fn rejected(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    year: i32,
    text: Option<String>,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let year = if year_bounds(year).is_ok() { year } else { today().year() };
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &calendar_page(state, ctx, me, year, text, errors))
}

pub async fn set_day(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Form(f): Form<DayForm>,
) -> Result<Response, AppError> {
    let date = parse_date(&f.date);
    let kind = DayKind::parse(&f.kind);
    let mut errors = Vec::new();
    if date.is_none() {
        errors.push(ctx.t("error.calendar_date").to_owned());
    }
    if kind.is_none() {
        errors.push(ctx.t("error.calendar_kind").to_owned());
    }
    let year = date.map(|d| d.year()).unwrap_or_else(|| today().year());
    let (Some(date), Some(kind), true) = (date, kind, errors.is_empty()) else {
        return rejected(&state, &ctx, &me, year, None, errors);
    };
    let rule = DayRule { date, kind, name: f.name.trim().to_owned() };
    match state.store.acting(&me.actor).set_calendar_day(&rule).await {
        Ok(()) => {}
        Err(linli_store::StoreError::Invalid(inv)) => {
            let errors = AppError::Invalid(inv).field_errors(ctx.lang).into_iter().map(|m| m.message).collect();
            return rejected(&state, &ctx, &me, year, None, errors);
        }
        Err(e) => return Err(e.into()),
    }
    state.reload_calendar_or_warn().await;
    Ok(done(jar, &ctx, "flash.saved", &back_to(year)))
}

#[derive(Deserialize)]
pub struct DateForm {
    #[serde(default)]
    date: String,
}

pub async fn delete_day(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Form(f): Form<DateForm>,
) -> Result<Response, AppError> {
    let date = parse_date(&f.date).ok_or(AppError::NotFound)?;
    state.store.acting(&me.actor).delete_calendar_day(date).await?;
    state.reload_calendar_or_warn().await;
    Ok(done(jar, &ctx, "flash.deleted", &back_to(date.year())))
}

#[derive(Deserialize)]
pub struct LoadForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    text: String,
}

/// Replaces a whole year from the text form; any bad line rejects the lot and is named.
pub async fn load_year(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Form(f): Form<LoadForm>,
) -> Result<Response, AppError> {
    let year = f.year.trim().parse::<i32>().ok().filter(|y| year_bounds(*y).is_ok());
    let Some(year) = year else {
        return rejected(&state, &ctx, &me, 0, Some(f.text.clone()), vec![ctx.t("error.calendar_year").to_owned()]);
    };
    let rules = match parse_rules(&f.text) {
        Ok(r) => r,
        Err(errs) => {
            let lines = errs.iter().map(|e| line_message(ctx.lang, e)).collect();
            return rejected(&state, &ctx, &me, year, Some(f.text.clone()), lines);
        }
    };
    match state.store.acting(&me.actor).replace_calendar_year(year, &rules).await {
        Ok(_) => {}
        Err(linli_store::StoreError::Invalid(inv)) => {
            let errors = AppError::Invalid(inv).field_errors(ctx.lang).into_iter().map(|m| m.message).collect();
            return rejected(&state, &ctx, &me, year, Some(f.text.clone()), errors);
        }
        Err(e) => return Err(e.into()),
    }
    state.reload_calendar_or_warn().await;
    Ok(done(jar, &ctx, "flash.loaded", &back_to(year)))
}

/// "第 3 行“…”：message", or the message and the day for a whole-file problem (duplicates).
pub fn line_message(lang: Lang, e: &linli_domain::calendar::RuleError) -> String {
    let msg = i18n::t(lang, &format!("error.{}", e.code));
    if e.line == 0 {
        format!("{msg}：{}", e.text)
    } else {
        i18n::tf(
            lang,
            "calendar.line_error",
            &[("line", e.line.to_string()), ("text", e.text.clone()), ("msg", msg.to_owned())],
        )
    }
}
