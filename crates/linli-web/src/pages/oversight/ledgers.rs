//! 台账 pages: each ledger for a month or a year, printable, and as an .xlsx with Chinese
//! headers and a totals row; the totals are the dashboard's figures for the same period.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use linli_domain::oversight::Level;
use linli_store::acting::display_name;
use linli_store::oversight::Period;
use serde::Deserialize;

use super::level_word;
use crate::auth::Me;
use crate::context::Ctx;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::pages::layout::PageCtx;
use crate::pages::render;
use crate::pages::window::desk::community;
use crate::pages::window::{when, word};
use crate::spreadsheet::{self, Column};
use crate::state::AppState;

pub const KINDS: [&str; 4] = ["requests", "complaints", "ratings", "visits"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LedgerQuery {
    kind: String,
    period: String,
    format: String,
}

/// A ledger ready to show or write: headers with widths, rows and the totals line.
pub struct Ledger {
    pub title: String,
    pub headers: Vec<(&'static str, f64)>,
    pub rows: Vec<Vec<String>>,
    pub totals: String,
}

fn yes_no(lang: Lang, v: Option<bool>) -> String {
    match v {
        Some(true) => i18n::t(lang, "ledger.yes").to_owned(),
        Some(false) => i18n::t(lang, "ledger.no").to_owned(),
        None => "—".to_owned(),
    }
}

fn day(t: Option<time::OffsetDateTime>) -> String {
    t.map(|t| t.to_offset(linli_domain::workflow::CHINA).date().to_string()).unwrap_or_default()
}

async fn build(
    state: &AppState,
    me: &Me,
    lang: Lang,
    code: linli_domain::DivisionCode,
    name: &str,
    kind: &str,
    period: Period,
) -> Result<Ledger, AppError> {
    let acting = state.store.acting(&me.actor);
    let t = |k: &str| i18n::t(lang, k);
    let title = format!("{name}{}{}", period.label(), t(&format!("ledger.kind.{kind}")));
    let cal = state.calendar();
    Ok(match kind {
        "requests" => {
            let rows = acting.request_ledger(code, period).await?;
            let finished = rows.iter().filter(|r| matches!(r.state.as_str(), "completed" | "archived")).count();
            let late = rows.iter().filter(|r| r.on_time() == Some(false)).count();
            Ledger {
                title,
                headers: vec![
                    ("受理编号", 28.0),
                    ("服务事项", 18.0),
                    ("申请人", 10.0),
                    ("来源", 8.0),
                    ("登记日期", 12.0),
                    ("受理日期", 12.0),
                    ("办结时限", 12.0),
                    ("办结日期", 12.0),
                    ("状态", 10.0),
                    ("按时办结", 9.0),
                    ("首问负责人", 10.0),
                    ("评价", 10.0),
                ],
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.number.clone(),
                            r.item_name.clone(),
                            r.applicant_name.clone(),
                            word(lang, "source", &r.source),
                            day(Some(r.created_at)),
                            day(r.accepted_at),
                            day(r.due_at),
                            day(r.closed_at),
                            word(lang, "state", &r.state),
                            yes_no(lang, r.on_time()),
                            display_name(&r.owner_name).to_owned(),
                            r.rating.as_deref().map(|l| level_word(lang, l)).unwrap_or_default(),
                        ]
                    })
                    .collect(),
                totals: i18n::tf(
                    lang,
                    "ledger.totals_requests",
                    &[
                        ("count", rows.len().to_string()),
                        ("finished", finished.to_string()),
                        ("late", late.to_string()),
                    ],
                ),
            }
        }
        "complaints" => {
            let rows = acting.complaint_ledger(code, period).await?;
            let in_time = rows.iter().filter(|r| r.in_time(&cal)).count();
            Ledger {
                title,
                headers: vec![
                    ("投诉编号", 28.0),
                    ("登记日期", 12.0),
                    ("渠道", 8.0),
                    ("投诉事由", 24.0),
                    ("状态", 12.0),
                    ("首次答复", 12.0),
                    ("按时答复", 9.0),
                    ("移交街道", 14.0),
                ],
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.number.clone(),
                            day(Some(r.created_at)),
                            i18n::t(lang, &format!("complaint.channel.{}", r.channel)).to_owned(),
                            r.subject.clone(),
                            i18n::t(lang, &format!("complaint.state.{}", r.state)).to_owned(),
                            day(r.first_reply),
                            yes_no(lang, r.first_reply.map(|_| r.in_time(&cal))),
                            r.escalated_to.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
                totals: i18n::tf(
                    lang,
                    "ledger.totals_complaints",
                    &[("count", rows.len().to_string()), ("in_time", in_time.to_string())],
                ),
            }
        }
        "ratings" => {
            let rows = acting.rating_ledger(code, period).await?;
            let satisfied = rows.iter().filter(|r| Level::parse(&r.level).is_some_and(Level::is_satisfied)).count();
            Ledger {
                title,
                headers: vec![
                    ("评价日期", 16.0),
                    ("受理编号", 28.0),
                    ("服务事项", 18.0),
                    ("评价", 10.0),
                    ("评价方式", 10.0),
                    ("意见", 30.0),
                    ("整改", 10.0),
                ],
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            when(Some(r.created_at)),
                            r.number.clone(),
                            r.item_name.clone(),
                            level_word(lang, &r.level),
                            i18n::t(lang, &format!("rating.channel.{}", r.channel)).to_owned(),
                            r.comment.clone(),
                            r.rectification_state
                                .as_deref()
                                .map(|s| i18n::t(lang, &format!("rectification.state.{s}")).to_owned())
                                .unwrap_or_default(),
                        ]
                    })
                    .collect(),
                totals: i18n::tf(
                    lang,
                    "ledger.totals_ratings",
                    &[("count", rows.len().to_string()), ("satisfied", satisfied.to_string())],
                ),
            }
        }
        _ => {
            let rows = acting.visit_ledger(code, period).await?;
            let follow = rows.iter().filter(|r| r.follow_up).count();
            Ledger {
                title,
                headers: vec![
                    ("走访日期", 12.0),
                    ("住户地址", 26.0),
                    ("网格员", 10.0),
                    ("走访事由", 16.0),
                    ("需跟进", 8.0),
                    ("跟进事项", 30.0),
                ],
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.visited_on.to_string(),
                            r.address.clone(),
                            r.worker_name.clone(),
                            r.purpose.clone(),
                            yes_no(lang, Some(r.follow_up)),
                            r.follow_up_note.clone(),
                        ]
                    })
                    .collect(),
                totals: i18n::tf(
                    lang,
                    "ledger.totals_visits",
                    &[("count", rows.len().to_string()), ("follow", follow.to_string())],
                ),
            }
        }
    })
}

#[derive(Template)]
#[template(path = "oversight/ledger.html")]
struct LedgerPage {
    page: PageCtx,
    code: String,
    kind: &'static str,
    period: String,
    kinds: Vec<(&'static str, &'static str)>,
    ledger: Ledger,
}

/// `/oversight/{code}/ledgers?kind=requests&period=2026-11[&format=xlsx]`.
pub async fn ledger(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, AppError> {
    let (community, name) = community(&state, &code).await?;
    let kind = KINDS.into_iter().find(|k| *k == q.kind).unwrap_or("requests");
    let today = linli_store::today();
    let period_text = if q.period.trim().is_empty() {
        format!("{:04}-{:02}", today.year(), u8::from(today.month()))
    } else {
        q.period.trim().to_owned()
    };
    let period = Period::parse(&period_text).ok_or_else(|| linli_domain::Invalid::one("period", "period"))?;
    let ledger = build(&state, &me, ctx.lang, community, &name, kind, period).await?;
    if q.format == "xlsx" {
        state.store.acting(&me.actor).record_ledger_export(community, kind, period, ledger.rows.len()).await?;
        let columns: Vec<Column<'_>> = ledger.headers.iter().map(|(h, w)| Column { header: h, width: *w }).collect();
        let mut rows = ledger.rows.clone();
        rows.push(vec![ledger.totals.clone()]);
        let bytes = spreadsheet::write("台账", &columns, rows.into_iter()).map_err(AppError::internal)?;
        return Ok(crate::download::file(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "taizhang.xlsx",
            &format!("{}.xlsx", ledger.title),
        ));
    }
    let page = LedgerPage {
        page: PageCtx::new(&ctx, "ledger.title"),
        code: community.to_string(),
        kind,
        period: period_text,
        kinds: KINDS.iter().map(|k| (*k, i18n::t(ctx.lang, &format!("ledger.kind.{k}")))).collect(),
        ledger,
    };
    Ok(render(&page)?.into_response())
}
