//! The home page: for visitors, what linli is and where to sign in; for staff, their
//! workbench, with today's calendar and a deadline calculator (限时办结).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use linli_domain::calendar::deadline;
use serde::Deserialize;

use super::layout::PageCtx;
use super::render;
use crate::context::Ctx;
use crate::error::{AppError, FieldMessage};
use crate::i18n::{self, today};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct DeadlineForm {
    from: Option<String>,
    days: Option<String>,
}

pub struct DeadlineResult {
    pub due: String,
    pub weekday: &'static str,
    pub covered: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    today: String,
    today_weekday: &'static str,
    today_status: String,
    from: String,
    days: String,
    result: Option<DeadlineResult>,
    form_error: Option<String>,
    /// The window's figures for staff of a community: (community code, figures).
    window: Option<(String, linli_store::window::WindowSummary)>,
}

fn weekday_key(d: time::Date) -> &'static str {
    match d.weekday() {
        time::Weekday::Monday => "weekday.mon",
        time::Weekday::Tuesday => "weekday.tue",
        time::Weekday::Wednesday => "weekday.wed",
        time::Weekday::Thursday => "weekday.thu",
        time::Weekday::Friday => "weekday.fri",
        time::Weekday::Saturday => "weekday.sat",
        time::Weekday::Sunday => "weekday.sun",
    }
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DeadlineForm>,
) -> Result<Html<String>, AppError> {
    let cal = state.calendar();
    let lang = ctx.lang;
    let day = today();
    let today_status = match cal.rule(day) {
        Some((_, name)) if cal.is_working_day(day) => {
            i18n::tf(lang, "home.today_swapped", &[("name", name.to_owned())])
        }
        Some((_, name)) => i18n::tf(lang, "home.today_holiday", &[("name", name.to_owned())]),
        None if cal.is_working_day(day) => i18n::t(lang, "home.today_working").to_owned(),
        None => i18n::t(lang, "home.today_weekend").to_owned(),
    };
    let from = q.from.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| day.to_string());
    let days = q.days.clone().unwrap_or_default();
    let mut result = None;
    let mut form_error = None;
    if q.days.is_some() {
        match crate::api::calendar::deadline_input(Some(&from), Some(&days)) {
            Ok((start, n)) => {
                let (due, covered) = deadline(&cal, start, n);
                result =
                    Some(DeadlineResult { due: due.to_string(), weekday: i18n::t(lang, weekday_key(due)), covered });
            }
            Err(e) => form_error = e.0.first().map(|f| FieldMessage::new(f, lang).message),
        }
    }
    let window = match ctx.actor() {
        Some(actor)
            if actor.principal.may(linli_domain::Resource::ServiceRequest, linli_domain::Action::Read)
                && actor.principal.node.is_some_and(|n| n.level() == linli_domain::Level::Community) =>
        {
            let code = actor.principal.node.ok_or(AppError::NotFound)?;
            let summary = state.store.acting(&actor).window_summary(code).await?;
            Some((code.to_string(), summary))
        }
        _ => None,
    };
    let page = HomePage {
        window,
        page: PageCtx::new(&ctx, "home.title"),
        today: day.to_string(),
        today_weekday: i18n::t(lang, weekday_key(day)),
        today_status,
        from,
        days,
        result,
        form_error,
    };
    render(&page)
}
