//! A community's service figures by month (ch. 9 的数据分析): requests received, finished and
//! late, the on-time rate, the average handling time in working days, the satisfaction rate of
//! ratings, and complaints with the share answered in time. Added up from the per-day counts
//! that every write keeps (`tally.rs`, held equal to a recount by the tests), plus what is late
//! while still open, counted live.

use std::collections::{BTreeMap, HashMap};

use linli_domain::workflow::CHINA;
use linli_domain::{Action, DivisionCode, Resource};
use serde::Serialize;
use time::{Date, Month, OffsetDateTime};

use super::DayCounts;
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

    /// Stored day counts added in.
    fn add_counts(&mut self, c: &DayCounts) {
        self.received += c.received;
        self.finished += c.finished;
        self.late += c.finished_late;
        self.finished_on_time += c.finished - c.finished_late;
        self.working_days_sum += c.working_days_sum as f64;
        self.working_days_n += c.working_days_n;
        self.ratings += c.ratings;
        self.satisfied += c.satisfied;
        self.complaints += c.complaints;
        self.complaints_answered += c.complaints_answered;
        self.complaints_in_time += c.complaints_in_time;
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

/// A request's states in which it is still being worked on (`totals_of` lists them in its SQL).
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
        let communities: Vec<_> = self
            .store
            .nodes_under(node)
            .await?
            .into_iter()
            .filter(|n| n.level == linli_domain::Level::Community && n.retired_at.is_none())
            .collect();
        let codes: Vec<String> = communities.iter().map(|n| n.code.to_string()).collect();
        let mut totals = self.store.totals_of(&codes, Span::Months(months)).await?;
        let mut out: Vec<CommunityFigures> = communities
            .into_iter()
            .map(|n| {
                let code = n.code.to_string();
                let totals = totals.remove(&code).unwrap_or_default();
                CommunityFigures { code, name: n.name, totals }
            })
            .collect();
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
            if let Some(f) = by_period.get_mut(&period(day)) {
                f.add_counts(&c);
            }
        }
        let open_late: Vec<(OffsetDateTime, String)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT created_at, state FROM work_item WHERE community_code = $1 AND kind = 'service_request' \
             AND closed_at IS NULL AND due_at < $2"
        )
        .bind(community.as_str())
        .bind(Ts(now))
        .fetch_all(pool)
        .await)?;
        for (created, state) in open_late {
            if let Some(f) = by_period.get_mut(&span.key(created)) {
                f.late += 1;
                f.open_late += i64::from(OPEN_STATES.contains(&state.as_str()));
            }
        }
        // Complaints with no reply yet, late once past the reply deadline they were accepted with.
        let waiting: Vec<(OffsetDateTime, Option<OffsetDateTime>)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT w.created_at, c.reply_due_at FROM complaint c \
             JOIN work_item w ON w.id = c.work_item_id AND w.community_code = c.community_code \
             WHERE c.community_code = $1 AND c.replied_at IS NULL AND w.created_at >= $2"
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

/// `$1, $2, …` for each of `$items`, bound as the builder `$q` goes.
macro_rules! push_list {
    ($q:expr, $items:expr) => {{
        let mut list = $q.separated(", ");
        for item in $items {
            list.push_bind(item);
        }
    }};
}

impl crate::Store {
    /// Several communities' totals since the span began, in three statements whatever their
    /// number: the day counts summed, and what is late while open counted, per community.
    async fn totals_of(&self, communities: &[String], span: Span) -> StoreResult<HashMap<String, MonthFigures>> {
        let mut out: HashMap<String, MonthFigures> =
            communities.iter().map(|c| (c.clone(), MonthFigures::default())).collect();
        if communities.is_empty() {
            return Ok(out);
        }
        let first = span.start(crate::today());
        let start = Ts(first.midnight().assume_offset(CHINA));
        let now = crate::now();
        let sums: Vec<CommunitySums> = on_db!(self, |pool| {
            let mut q = sqlx::QueryBuilder::new(concat!(
                "SELECT community_code, CAST(sum(received) AS BIGINT) AS received, ",
                "CAST(sum(finished) AS BIGINT) AS finished, CAST(sum(finished_late) AS BIGINT) AS finished_late, ",
                "CAST(sum(working_days_sum) AS BIGINT) AS working_days_sum, ",
                "CAST(sum(working_days_n) AS BIGINT) AS working_days_n, CAST(sum(ratings) AS BIGINT) AS ratings, ",
                "CAST(sum(satisfied) AS BIGINT) AS satisfied, CAST(sum(complaints) AS BIGINT) AS complaints, ",
                "CAST(sum(complaints_answered) AS BIGINT) AS complaints_answered, ",
                "CAST(sum(complaints_in_time) AS BIGINT) AS complaints_in_time FROM figures_day WHERE day >= "
            ));
            q.push_bind(first).push(" AND community_code IN (");
            push_list!(q, communities);
            q.push(") GROUP BY community_code");
            q.build_query_as().fetch_all(pool).await
        })?;
        for s in sums {
            if let Some(f) = out.get_mut(&s.community_code) {
                f.add_counts(&s.counts);
            }
        }
        // The open requests past their deadline, from the open-items index. Neither the day
        // received nor the state may be a WHERE or GROUP BY term: either leads SQLite's planner
        // to an index of every request (270 ms instead of 7 at district scale).
        let late: Vec<(String, i64, i64)> = on_db!(self, |pool| {
            let mut q = sqlx::QueryBuilder::new("SELECT community_code, CAST(sum(CASE WHEN created_at >= ");
            q.push_bind(start).push(" THEN 1 ELSE 0 END) AS BIGINT), CAST(sum(CASE WHEN created_at >= ");
            q.push_bind(start).push(
                " AND state IN ('submitted', 'awaiting_materials', 'in_progress', 'transferred') THEN 1 ELSE 0 END) \
                 AS BIGINT) FROM work_item WHERE kind = 'service_request' AND closed_at IS NULL AND due_at < ",
            );
            q.push_bind(Ts(now)).push(" AND community_code IN (");
            push_list!(q, communities);
            q.push(") GROUP BY community_code");
            q.build_query_as().fetch_all(pool).await
        })?;
        for (community, late, open) in late {
            if let Some(f) = out.get_mut(&community) {
                f.late += late;
                f.open_late += open;
            }
        }
        let waiting: Vec<(String, OffsetDateTime, Option<OffsetDateTime>)> = on_db!(self, |pool| {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT c.community_code, w.created_at, c.reply_due_at FROM complaint c \
                 JOIN work_item w ON w.id = c.work_item_id AND w.community_code = c.community_code \
                 WHERE c.replied_at IS NULL AND w.created_at >= ",
            );
            q.push_bind(start).push(" AND c.community_code IN (");
            push_list!(q, communities);
            q.push(")");
            q.build_query_as().fetch_all(pool).await
        })?;
        if !waiting.is_empty() {
            let cal = self.calendar().await?;
            for (community, created, reply_due) in waiting {
                if let Some(f) = out.get_mut(&community)
                    && now > reply_deadline(&cal, created, reply_due)
                {
                    f.complaints_unanswered_late += 1;
                }
            }
        }
        for f in out.values_mut() {
            f.rates();
        }
        Ok(out)
    }
}

#[derive(sqlx::FromRow)]
struct CommunitySums {
    community_code: String,
    #[sqlx(flatten)]
    counts: DayCounts,
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
