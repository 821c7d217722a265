//! 台账 without paperwork: the monthly or annual ledgers communities are asked for — service
//! requests, complaints, ratings, household visits — read straight from the records, so their
//! totals are the dashboard's figures.

use crate::acting::display_name;
use linli_domain::workflow::CHINA;
use linli_domain::{Action, DivisionCode, Resource};
use serde::Serialize;
use time::{Date, Month, OffsetDateTime};

use crate::acting::Acting;
use crate::register::address;
use crate::{StoreError, StoreResult, Ts};

/// A month (`2026-11`) or a year (`2026`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub year: i32,
    pub month: Option<u8>,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        match s.split_once('-') {
            Some((y, m)) => {
                let month = m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?;
                Some(Period { year: y.parse().ok().filter(|y| (2000..=2100).contains(y))?, month: Some(month) })
            }
            None => Some(Period { year: s.parse().ok().filter(|y| (2000..=2100).contains(y))?, month: None }),
        }
    }

    /// `[start, end)` in China time.
    pub fn bounds(&self) -> Option<(OffsetDateTime, OffsetDateTime)> {
        let (start, end) = match self.month {
            Some(m) => {
                let start = Date::from_calendar_date(self.year, Month::try_from(m).ok()?, 1).ok()?;
                let end = if m == 12 {
                    Date::from_calendar_date(self.year + 1, Month::January, 1).ok()?
                } else {
                    Date::from_calendar_date(self.year, Month::try_from(m + 1).ok()?, 1).ok()?
                };
                (start, end)
            }
            None => (
                Date::from_calendar_date(self.year, Month::January, 1).ok()?,
                Date::from_calendar_date(self.year + 1, Month::January, 1).ok()?,
            ),
        };
        Some((start.midnight().assume_offset(CHINA), end.midnight().assume_offset(CHINA)))
    }

    pub fn label(&self) -> String {
        match self.month {
            Some(m) => format!("{}年{}月", self.year, m),
            None => format!("{}年", self.year),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RequestLedgerRow {
    pub number: String,
    pub item_name: String,
    pub applicant_name: String,
    pub source: String,
    pub state: String,
    pub owner_name: String,
    pub created_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    pub due_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub rating: Option<String>,
}

impl RequestLedgerRow {
    /// On time (Some(true)), late (Some(false)), or not yet known.
    pub fn on_time(&self) -> Option<bool> {
        match (self.due_at, self.closed_at) {
            (Some(due), Some(closed)) if matches!(self.state.as_str(), "completed" | "archived") => Some(closed <= due),
            (Some(due), None) if crate::now() > due => Some(false),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ComplaintLedgerRow {
    pub number: String,
    pub created_at: OffsetDateTime,
    pub channel: String,
    pub subject: String,
    pub state: String,
    pub first_reply: Option<OffsetDateTime>,
    pub escalated_to: Option<String>,
    /// The reply deadline it was accepted with (older rows: none recorded).
    pub reply_due_at: Option<OffsetDateTime>,
}

impl ComplaintLedgerRow {
    /// Answered within the reply limit it was accepted with.
    pub fn in_time(&self, cal: &linli_domain::Calendar) -> bool {
        let limit = super::figures::reply_deadline(cal, self.created_at, self.reply_due_at);
        self.first_reply.is_some_and(|f| f <= limit)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RatingLedgerRow {
    pub created_at: OffsetDateTime,
    pub number: String,
    pub item_name: String,
    pub level: String,
    pub channel: String,
    pub comment: String,
    pub rectification_state: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VisitLedgerRow {
    pub visited_on: Date,
    pub address: String,
    pub worker_name: String,
    pub purpose: String,
    pub follow_up: bool,
    pub follow_up_note: String,
}

impl Acting<'_> {
    /// A ledger leaving the system as a file (it names applicants and addresses) is audited.
    pub async fn record_ledger_export(
        &self,
        community: DivisionCode,
        kind: &str,
        period: Period,
        rows: usize,
    ) -> StoreResult<()> {
        self.community_for(Resource::Oversight, Action::Export, community).await?;
        let entry = crate::audit::Entry::new(
            community.to_string(),
            "ledger.export",
            "ledger",
            format!("{kind}:{}", period.label()),
            serde_json::json!({ "kind": kind, "period": period.label(), "rows": rows }),
        );
        audited!(self, &entry, |tx| {})?;
        Ok(())
    }

    async fn ledger_bounds(
        &self,
        community: DivisionCode,
        period: Period,
    ) -> StoreResult<(OffsetDateTime, OffsetDateTime)> {
        self.community_for(Resource::Oversight, Action::Export, community).await?;
        period.bounds().ok_or_else(|| StoreError::Invalid(linli_domain::Invalid::one("period", "period")))
    }

    pub async fn request_ledger(&self, community: DivisionCode, period: Period) -> StoreResult<Vec<RequestLedgerRow>> {
        let (from, to) = self.ledger_bounds(community, period).await?;
        Ok(on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT w.number, r.item_name, r.applicant_name, r.source, w.state, w.owner_name, w.created_at, w.accepted_at, \
             w.due_at, w.closed_at, g.level AS rating FROM work_item w JOIN service_request r ON r.work_item_id = w.id AND r.community_code = w.community_code \
             LEFT JOIN rating g ON g.work_item_id = w.id \
             WHERE w.community_code = $1 AND w.created_at >= $2 AND w.created_at < $3 ORDER BY w.created_at, w.number"
        )
        .bind(community.as_str())
        .bind(Ts(from))
        .bind(Ts(to))
        .fetch_all(pool)
        .await
        })?)
    }

    pub async fn complaint_ledger(
        &self,
        community: DivisionCode,
        period: Period,
    ) -> StoreResult<Vec<ComplaintLedgerRow>> {
        let (from, to) = self.ledger_bounds(community, period).await?;
        Ok(on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT w.number, w.created_at, c.channel, c.subject, w.state, \
             (SELECT min(e.at) FROM work_item_event e WHERE e.work_item_id = w.id AND e.community_code = w.community_code AND e.action = 'reply') AS first_reply, \
             c.escalated_to, c.reply_due_at FROM work_item w JOIN complaint c ON c.work_item_id = w.id AND c.community_code = w.community_code \
             WHERE w.community_code = $1 AND w.created_at >= $2 AND w.created_at < $3 ORDER BY w.created_at, w.number"
        )
        .bind(community.as_str())
        .bind(Ts(from))
        .bind(Ts(to))
        .fetch_all(pool)
        .await
        })?)
    }

    pub async fn rating_ledger(&self, community: DivisionCode, period: Period) -> StoreResult<Vec<RatingLedgerRow>> {
        let (from, to) = self.ledger_bounds(community, period).await?;
        Ok(on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT g.created_at, w.number, r.item_name, g.level, g.channel, g.comment, x.state AS rectification_state \
             FROM rating g JOIN work_item w ON w.id = g.work_item_id JOIN service_request r ON r.work_item_id = w.id AND r.community_code = w.community_code \
             LEFT JOIN rectification y ON y.rating_id = g.id LEFT JOIN work_item x ON x.id = y.work_item_id \
             WHERE g.community_code = $1 AND g.created_at >= $2 AND g.created_at < $3 ORDER BY g.created_at"
        )
        .bind(community.as_str())
        .bind(Ts(from))
        .bind(Ts(to))
        .fetch_all(pool)
        .await
        })?)
    }

    pub async fn visit_ledger(&self, community: DivisionCode, period: Period) -> StoreResult<Vec<VisitLedgerRow>> {
        let (from, to) = self.ledger_bounds(community, period).await?;
        let (from, to) = (from.to_offset(CHINA).date(), to.to_offset(CHINA).date());
        type Row = (Date, String, String, String, String, String, bool, String);
        let rows: Vec<Row> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT v.visited_on, b.name, h.unit, h.room, v.worker_name, v.purpose, v.follow_up, v.follow_up_note \
             FROM visit v JOIN household h ON h.id = v.household_id JOIN building b ON b.id = h.building_id \
             WHERE v.community_code = $1 AND v.visited_on >= $2 AND v.visited_on < $3 ORDER BY v.visited_on, b.name, h.unit, h.room"
        )
        .bind(community.as_str())
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(visited_on, b, u, r, worker_name, purpose, follow_up, follow_up_note)| VisitLedgerRow {
                visited_on,
                address: address(&b, &u, &r),
                worker_name: display_name(&worker_name).to_owned(),
                purpose,
                follow_up,
                follow_up_note,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::Period;

    #[test]
    fn periods_are_months_or_years() {
        assert_eq!(Period::parse("2026-11"), Some(Period { year: 2026, month: Some(11) }));
        assert_eq!(Period::parse("2026"), Some(Period { year: 2026, month: None }));
        assert_eq!(Period::parse("2026-13"), None);
        assert_eq!(Period::parse("abc"), None);
        let (a, b) = Period::parse("2026-12").and_then(|p| p.bounds()).expect("bounds");
        assert_eq!((a.date().to_string(), b.date().to_string()), ("2026-12-01".into(), "2027-01-01".into()));
        assert_eq!(Period { year: 2026, month: Some(2) }.label(), "2026年2月");
    }
}
