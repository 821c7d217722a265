//! A community's service figures by month (ch. 9 的数据分析): requests received, finished and
//! late, the on-time rate, the average handling time in working days, the satisfaction rate of
//! ratings, and complaints with the share answered in time. Added up from the per-day counts
//! that every write keeps (`tally.rs`, held equal to a recount by the tests), plus what is late
//! while still open, counted live.

use std::collections::BTreeMap;

use linli_domain::workflow::CHINA;
use linli_domain::{Action, DivisionCode, Resource};
use serde::Serialize;
use time::{Date, Month, OffsetDateTime};

use crate::acting::Acting;
use crate::{StoreResult, Ts};

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct MonthFigures {
    /// `2026-11`.
    pub month: String,
    pub received: i64,
    pub finished: i64,
    /// Finished after their deadline, or still open past it.
    pub late: i64,
    /// Finished on time ÷ (finished + still open past the deadline), in percent: leaving late
    /// work open does not improve it.
    pub on_time_rate: Option<f64>,
    /// Mean working days from acceptance to completion of those finished.
    pub avg_working_days: Option<f64>,
    pub ratings: i64,
    /// 非常满意 + 满意 + 基本满意 ÷ ratings, in percent.
    pub satisfaction_rate: Option<f64>,
    pub complaints: i64,
    /// Complaints answered within their limit ÷ (answered + unanswered past the limit), in percent.
    pub complaints_in_time_rate: Option<f64>,
    /// The parts behind the rates, so periods and communities add up exactly.
    pub finished_on_time: i64,
    pub open_late: i64,
    pub complaints_unanswered_late: i64,
    pub working_days_sum: f64,
    pub working_days_n: i64,
    pub satisfied: i64,
    pub complaints_answered: i64,
    pub complaints_in_time: i64,
}

impl MonthFigures {
    /// Several months (or communities) added up, with the rates worked out again from the sums.
    pub fn total<'a>(label: &str, parts: impl Iterator<Item = &'a MonthFigures>) -> MonthFigures {
        let mut t = MonthFigures { month: label.to_owned(), ..MonthFigures::default() };
        for p in parts {
            t.received += p.received;
            t.finished += p.finished;
            t.late += p.late;
            t.ratings += p.ratings;
            t.complaints += p.complaints;
            t.finished_on_time += p.finished_on_time;
            t.open_late += p.open_late;
            t.complaints_unanswered_late += p.complaints_unanswered_late;
            t.working_days_sum += p.working_days_sum;
            t.working_days_n += p.working_days_n;
            t.satisfied += p.satisfied;
            t.complaints_answered += p.complaints_answered;
            t.complaints_in_time += p.complaints_in_time;
        }
        t.rates();
        t
    }

    fn rates(&mut self) {
        self.on_time_rate = pct(self.finished_on_time, self.finished + self.open_late);
        self.avg_working_days = (self.working_days_n > 0)
            .then(|| (self.working_days_sum / self.working_days_n as f64 * 10.0).round() / 10.0);
        self.satisfaction_rate = pct(self.satisfied, self.ratings);
        self.complaints_in_time_rate =
            pct(self.complaints_in_time, self.complaints_answered + self.complaints_unanswered_late);
    }
}

/// A request's states in which it is still being worked on.
const OPEN_STATES: [&str; 4] = ["submitted", "awaiting_materials", "in_progress", "transferred"];

/// The periods figures are counted by: the last so many months, or weeks (Monday to Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Months(u32),
    Weeks(u32),
}

impl Span {
    /// The first day counted, at midnight in China.
    fn start(self, today: Date) -> Date {
        match self {
            Span::Months(n) => first_month(today, n.clamp(1, 36)),
            Span::Weeks(n) => {
                let monday = today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()));
                monday - time::Duration::weeks(i64::from(n.clamp(1, 104)) - 1)
            }
        }
    }

    /// The label of the period `t` falls in: `2026-11`, or the ISO week `2026-W48`.
    fn key(self, t: OffsetDateTime) -> String {
        let d = t.to_offset(CHINA).date();
        match self {
            Span::Months(_) => format!("{:04}-{:02}", d.year(), u8::from(d.month())),
            Span::Weeks(_) => {
                let (y, w, _) = d.to_iso_week_date();
                format!("{y:04}-W{w:02}")
            }
        }
    }

    /// The day after `d`'s period began: the next month's first day or the next Monday.
    fn next(self, d: Date) -> Date {
        match self {
            Span::Months(_) => d
                .replace_day(28)
                .ok()
                .and_then(|x| x.checked_add(time::Duration::days(5)))
                .and_then(|x| x.replace_day(1).ok())
                .unwrap_or(Date::MAX),
            Span::Weeks(_) => d.checked_add(time::Duration::weeks(1)).unwrap_or(Date::MAX),
        }
    }
}

fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The reply deadline a complaint was accepted with; rows from before it was recorded get the
/// default five working days.
pub(crate) fn reply_deadline(
    cal: &linli_domain::Calendar,
    created: OffsetDateTime,
    recorded: Option<OffsetDateTime>,
) -> OffsetDateTime {
    recorded.unwrap_or_else(|| {
        linli_domain::workflow::due_at(
            cal,
            created,
            linli_domain::workflow::Limit::WorkingDays(linli_domain::oversight::complaint::REPLY_DAYS),
        )
    })
}

/// The first day of the month `months - 1` months before `today`'s.
pub fn first_month(today: Date, months: u32) -> Date {
    let mut y = today.year();
    let mut m = u8::from(today.month()) as i32 - (months.max(1) as i32 - 1);
    while m <= 0 {
        m += 12;
        y -= 1;
    }
    Date::from_calendar_date(y, Month::try_from(m as u8).unwrap_or(Month::January), 1).unwrap_or(today)
}

impl Acting<'_> {
    /// The last `months` months (this one included) for a community, oldest first.
    pub async fn service_figures(&self, community: DivisionCode, months: u32) -> StoreResult<Vec<MonthFigures>> {
        self.figures_by(community, Span::Months(months)).await
    }

    /// The same figures by month or by week (`month` then holds `2026-W48`).
    pub async fn figures_by(&self, community: DivisionCode, span: Span) -> StoreResult<Vec<MonthFigures>> {
        self.community_for(Resource::Oversight, Action::Read, community).await?;
        self.store.figures_of(community, span).await
    }
}

/// One community's totals over a period, for comparing communities side by side.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityFigures {
    pub code: String,
    pub name: String,
    pub totals: MonthFigures,
}

impl Acting<'_> {
    /// Every community under `node` (a street or district), their last `months` months added
    /// up, best on-time rate first.
    pub async fn compare_communities(&self, node: DivisionCode, months: u32) -> StoreResult<Vec<CommunityFigures>> {
        self.check(Resource::Oversight, Action::Read, &node)?;
        let mut out = Vec::new();
        for n in self.store.nodes_under(node).await? {
            if n.level != linli_domain::Level::Community || n.retired_at.is_some() {
                continue;
            }
            let months_of = self.store.figures_of(n.code, Span::Months(months)).await?;
            out.push(CommunityFigures {
                code: n.code.to_string(),
                name: n.name,
                totals: MonthFigures::total("", months_of.iter()),
            });
        }
        out.sort_by(|a, b| {
            b.totals
                .on_time_rate
                .unwrap_or(-1.0)
                .total_cmp(&a.totals.on_time_rate.unwrap_or(-1.0))
                .then(a.code.cmp(&b.code))
        });
        Ok(out)
    }
}

impl crate::Store {
    /// The same figures for the public disclosure page (居务公开): counts and rates only,
    /// nothing about anyone.
    pub async fn public_figures(&self, community: DivisionCode) -> StoreResult<Vec<MonthFigures>> {
        let node = self.node(community).await?;
        if node.level != linli_domain::Level::Community {
            return Err(crate::StoreError::NotFound("community"));
        }
        self.figures_of(community, Span::Months(12)).await
    }

    /// The stored day counts added up by period, and what is late while still open counted
    /// live (it changes with the clock, not with a write).
    async fn figures_of(&self, community: DivisionCode, span: Span) -> StoreResult<Vec<MonthFigures>> {
        let today = crate::today();
        let first = span.start(today);
        let start = Ts(first.midnight().assume_offset(CHINA));
        let now = crate::now();
        let mut by_period: BTreeMap<String, MonthFigures> = BTreeMap::new();
        let mut d = first;
        while d <= today {
            by_period.insert(span.key(d.midnight().assume_offset(CHINA)), MonthFigures::default());
            d = span.next(d);
        }
        let period = |day: Date| span.key(day.midnight().assume_offset(CHINA));
        for (day, c) in self.stored_days(community.as_str(), first).await? {
            let Some(f) = by_period.get_mut(&period(day)) else { continue };
            f.received += c.received;
            f.finished += c.finished;
            f.late += c.finished_late;
            f.finished_on_time += c.finished - c.finished_late;
            f.working_days_sum += c.working_days_sum as f64;
            f.working_days_n += c.working_days_n;
            f.ratings += c.ratings;
            f.satisfied += c.satisfied;
            f.complaints += c.complaints;
            f.complaints_answered += c.complaints_answered;
            f.complaints_in_time += c.complaints_in_time;
        }
        let open_late: Vec<(OffsetDateTime, String)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT created_at, state FROM work_item WHERE community_code = $1 AND kind = 'service_request' \
             AND closed_at IS NULL AND due_at < $2 AND created_at >= $3"
        )
        .bind(community.as_str())
        .bind(Ts(now))
        .bind(start)
        .fetch_all(pool)
        .await)?;
        for (created, state) in open_late {
            let Some(f) = by_period.get_mut(&span.key(created)) else { continue };
            f.late += 1;
            if OPEN_STATES.contains(&state.as_str()) {
                f.open_late += 1;
            }
        }
        // Complaints with no reply yet, late once past the reply deadline they were accepted with.
        let waiting: Vec<(OffsetDateTime, Option<OffsetDateTime>)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT w.created_at, c.reply_due_at FROM work_item w \
             JOIN complaint c ON c.work_item_id = w.id AND c.community_code = w.community_code \
             WHERE w.community_code = $1 AND w.kind = 'complaint' AND w.created_at >= $2 AND NOT EXISTS \
             (SELECT 1 FROM work_item_event e WHERE e.work_item_id = w.id AND e.community_code = w.community_code \
             AND e.action = 'reply')"
        )
        .bind(community.as_str())
        .bind(start)
        .fetch_all(pool)
        .await)?;
        if !waiting.is_empty() {
            let cal = self.calendar().await?;
            for (created, reply_due) in waiting {
                let Some(f) = by_period.get_mut(&span.key(created)) else { continue };
                if now > reply_deadline(&cal, created, reply_due) {
                    f.complaints_unanswered_late += 1;
                }
            }
        }
        for (m, f) in &mut by_period {
            f.month = m.clone();
            f.rates();
        }
        Ok(by_period.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    #[test]
    fn months_count_back_across_years() {
        assert_eq!(super::first_month(date!(2026 - 02 - 15), 3), date!(2025 - 12 - 01));
        assert_eq!(super::first_month(date!(2026 - 11 - 29), 12), date!(2025 - 12 - 01));
        assert_eq!(super::first_month(date!(2026 - 11 - 29), 1), date!(2026 - 11 - 01));
        assert_eq!(super::pct(2, 3), Some(66.7));
        assert_eq!(super::pct(1, 0), None);
    }

    #[test]
    fn weeks_run_monday_to_sunday_across_years() {
        use super::Span;
        use time::macros::datetime;
        // 2026-11-29 is a Sunday: the current week began on Monday the 23rd.
        assert_eq!(Span::Weeks(1).start(date!(2026 - 11 - 29)), date!(2026 - 11 - 23));
        assert_eq!(Span::Weeks(3).start(date!(2026 - 11 - 29)), date!(2026 - 11 - 09));
        assert_eq!(Span::Weeks(1).key(datetime!(2026-11-29 23:00 +8)), "2026-W48");
        // 2027-01-01 belongs to ISO week 53 of 2026; midnight UTC is already 08:00 in China.
        assert_eq!(Span::Weeks(1).key(datetime!(2027-01-01 0:00 UTC)), "2026-W53");
        assert_eq!(Span::Months(1).key(datetime!(2026-11-30 17:00 UTC)), "2026-12");
        assert_eq!(Span::Weeks(1).next(date!(2026 - 12 - 28)), date!(2027 - 01 - 04));
    }
}
