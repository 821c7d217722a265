//! The counts behind the service figures, per community and day (`figures_day`).
//!
//! A district's dashboard would otherwise recount a year of a million requests on every view
//! (4.7 s at district scale). Instead each write adds what it changes to its community's day,
//! in the same transaction: a request counts on the day it was received (received, finished,
//! finished late, working days taken), a rating on the day it was given, a complaint on the
//! day it was received (and its first reply, in time or not). What changes with the clock
//! rather than with a write — a request or complaint becoming late while still open — is
//! counted live from an index of open items. [`Store::recount_days`] computes the same counts
//! from the records; the conformance tests hold the two equal after every kind of write, and
//! `linli figures check|rebuild` lets an operator do the same.
//!
//! On PostgreSQL every addition first takes the community's audit-chain lock (the one
//! `append_audit` takes anyway), so a rebuild, which takes it before recounting, never
//! interleaves with a write.

use std::collections::BTreeMap;

use linli_domain::Calendar;
use linli_domain::oversight::Level;
use linli_domain::workflow::{CHINA, working_days_taken};
use serde::Serialize;
use sqlx::{Postgres, Sqlite};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::figures::reply_deadline;
use crate::batch::{Batch, RunBatch as _};
use crate::window::workitem::{NewItem, Outcome, WorkItem};
use crate::{Store, StoreResult, Ts};

/// One community-day's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DayCounts {
    pub received: i64,
    pub finished: i64,
    /// Finished after the deadline.
    pub finished_late: i64,
    pub working_days_sum: i64,
    pub working_days_n: i64,
    pub ratings: i64,
    /// 非常满意, 满意 and 基本满意.
    pub satisfied: i64,
    pub complaints: i64,
    pub complaints_answered: i64,
    /// First replied before the reply deadline the complaint was accepted with.
    pub complaints_in_time: i64,
}

/// The day a moment falls on in China, which is the day figures count it on.
pub(crate) fn day_of(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA).date()
}

/// The requests' states that count as finished.
pub(crate) fn is_finished(state: &str) -> bool {
    matches!(state, "completed" | "archived")
}

impl DayCounts {
    /// What a service request adds to the day it was received.
    pub(crate) fn request(
        cal: &Calendar,
        state: &str,
        accepted: Option<OffsetDateTime>,
        due: Option<OffsetDateTime>,
        closed: Option<OffsetDateTime>,
    ) -> DayCounts {
        let mut c = DayCounts { received: 1, ..DayCounts::default() };
        if is_finished(state) {
            c.finished = 1;
            if let (Some(due), Some(closed)) = (due, closed)
                && closed > due
            {
                c.finished_late = 1;
            }
            if let (Some(a), Some(closed)) = (accepted, closed) {
                c.working_days_sum = working_days_taken(cal, a, closed);
                c.working_days_n = 1;
            }
        }
        c
    }

    /// What a rating adds to the day it was given (`level` as stored).
    pub(crate) fn rating(level: &str) -> DayCounts {
        DayCounts {
            ratings: 1,
            satisfied: Level::parse(level).is_some_and(Level::is_satisfied).into(),
            ..DayCounts::default()
        }
    }

    /// What a complaint's first reply adds to the day the complaint was received.
    pub(crate) fn reply(
        cal: &Calendar,
        created: OffsetDateTime,
        replied: OffsetDateTime,
        reply_due: Option<OffsetDateTime>,
    ) -> DayCounts {
        let in_time = replied <= reply_deadline(cal, created, reply_due);
        DayCounts { complaints_answered: 1, complaints_in_time: in_time.into(), ..DayCounts::default() }
    }

    pub fn add(&mut self, o: &DayCounts) {
        self.received += o.received;
        self.finished += o.finished;
        self.finished_late += o.finished_late;
        self.working_days_sum += o.working_days_sum;
        self.working_days_n += o.working_days_n;
        self.ratings += o.ratings;
        self.satisfied += o.satisfied;
        self.complaints += o.complaints;
        self.complaints_answered += o.complaints_answered;
        self.complaints_in_time += o.complaints_in_time;
    }

    fn minus(mut self, o: &DayCounts) -> DayCounts {
        self.received -= o.received;
        self.finished -= o.finished;
        self.finished_late -= o.finished_late;
        self.working_days_sum -= o.working_days_sum;
        self.working_days_n -= o.working_days_n;
        self.ratings -= o.ratings;
        self.satisfied -= o.satisfied;
        self.complaints -= o.complaints;
        self.complaints_answered -= o.complaints_answered;
        self.complaints_in_time -= o.complaints_in_time;
        self
    }

    fn is_zero(&self) -> bool {
        *self == DayCounts::default()
    }
}

/// A request's counts before and after a move.
fn request_change(before: &WorkItem, o: &Outcome<'_>) -> DayCounts {
    let was = DayCounts::request(o.cal, &before.state, before.accepted_at, before.due_at, before.closed_at);
    let now = DayCounts::request(
        o.cal,
        o.to,
        o.accepted_at.or(before.accepted_at),
        o.due_at.or(before.due_at),
        o.closed_at.or(before.closed_at),
    );
    now.minus(&was)
}

const UPSERT: &str = "INSERT INTO figures_day (community_code, day, received, finished, finished_late, \
     working_days_sum, working_days_n, ratings, satisfied, complaints, complaints_answered, complaints_in_time) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (community_code, day) DO UPDATE SET \
     received = figures_day.received + excluded.received, finished = figures_day.finished + excluded.finished, \
     finished_late = figures_day.finished_late + excluded.finished_late, \
     working_days_sum = figures_day.working_days_sum + excluded.working_days_sum, \
     working_days_n = figures_day.working_days_n + excluded.working_days_n, \
     ratings = figures_day.ratings + excluded.ratings, satisfied = figures_day.satisfied + excluded.satisfied, \
     complaints = figures_day.complaints + excluded.complaints, \
     complaints_answered = figures_day.complaints_answered + excluded.complaints_answered, \
     complaints_in_time = figures_day.complaints_in_time + excluded.complaints_in_time";

/// Adds `c` to the community's day, for a writer holding [`TallyTx::lock_community`].
pub(crate) fn push_day(b: &mut Batch, community: &str, day: Date, c: &DayCounts) {
    b.push(UPSERT)
        .bind(community)
        .bind(day)
        .bind(c.received)
        .bind(c.finished)
        .bind(c.finished_late)
        .bind(c.working_days_sum)
        .bind(c.working_days_n)
        .bind(c.ratings)
        .bind(c.satisfied)
        .bind(c.complaints)
        .bind(c.complaints_answered)
        .bind(c.complaints_in_time);
}

/// A new work item's share, for a writer holding [`TallyTx::lock_community`]: a request or a
/// complaint received. A new item is never finished (it has no closing time yet).
pub(crate) fn push_new(b: &mut Batch, item: &NewItem<'_>, at: OffsetDateTime) {
    let c = match item.kind {
        "service_request" => DayCounts { received: 1, ..DayCounts::default() },
        "complaint" => DayCounts { complaints: 1, ..DayCounts::default() },
        _ => return,
    };
    push_day(b, item.community, day_of(at), &c);
}

/// The figures' share of every write, inside its transaction.
pub(crate) trait TallyTx {
    /// On PostgreSQL, the community's audit-chain lock (which `append_audit` takes anyway),
    /// taken before any row the figures touch so that a rebuild never waits on a write that
    /// waits on it.
    async fn lock_community(&mut self, community: &str) -> Result<(), sqlx::Error>;
    /// Adds `c` to the community's day, under [`TallyTx::lock_community`].
    async fn tally(&mut self, community: &str, day: Date, c: &DayCounts) -> Result<(), sqlx::Error>;
    /// The same, for a caller that holds the lock already (a rebuild).
    async fn add_day(&mut self, community: &str, day: Date, c: &DayCounts) -> Result<(), sqlx::Error>;
    /// A move about to be recorded at `at`: a request finished (or reopened), a complaint's first
    /// reply. Takes the community's lock; the day's change joins `b`.
    async fn tally_move(&mut self, o: &Outcome<'_>, at: OffsetDateTime, b: &mut Batch) -> Result<(), sqlx::Error>;
}

macro_rules! impl_tally_tx {
    ($db:ty, $lock:expr) => {
        impl TallyTx for crate::tx::WriteTx<$db> {
            async fn lock_community(&mut self, community: &str) -> Result<(), sqlx::Error> {
                let lock: Option<&'static str> = $lock;
                if let Some(sql) = lock {
                    sqlx::query(sql).bind(community).execute(&mut **self).await?;
                }
                Ok(())
            }

            async fn tally(&mut self, community: &str, day: Date, c: &DayCounts) -> Result<(), sqlx::Error> {
                self.lock_community(community).await?;
                self.add_day(community, day, c).await
            }

            async fn add_day(&mut self, community: &str, day: Date, c: &DayCounts) -> Result<(), sqlx::Error> {
                let mut b = Batch::new();
                push_day(&mut b, community, day, c);
                self.run(b).await
            }

            async fn tally_move(
                &mut self,
                o: &Outcome<'_>,
                at: OffsetDateTime,
                b: &mut Batch,
            ) -> Result<(), sqlx::Error> {
                let before = o.before;
                let c = match (before.kind.as_str(), o.action) {
                    ("service_request", _) => request_change(before, o),
                    ("complaint", "reply") => {
                        // Only the first reply counts; it is marked on the complaint.
                        self.lock_community(&before.community_code).await?;
                        let first: Option<Option<OffsetDateTime>> = sqlx::query_scalar(
                            "UPDATE complaint SET replied_at = $3 WHERE work_item_id = $1 AND community_code = $2 \
                             AND replied_at IS NULL RETURNING reply_due_at",
                        )
                        .bind(before.id)
                        .bind(&before.community_code)
                        .bind(Ts(at))
                        .fetch_optional(&mut **self)
                        .await?;
                        let Some(due) = first else { return Ok(()) };
                        DayCounts::reply(o.cal, before.created_at, at, due)
                    }
                    _ => return Ok(()),
                };
                if c.is_zero() {
                    return Ok(());
                }
                self.lock_community(&before.community_code).await?;
                push_day(b, &before.community_code, day_of(before.created_at), &c);
                Ok(())
            }
        }
    };
}

impl_tally_tx!(Sqlite, None);
impl_tally_tx!(Postgres, Some("SELECT pg_advisory_xact_lock(hashtext($1))"));

/// Each complaint's first reply, from its history.
const REPLIED: &str = "UPDATE complaint SET replied_at = (SELECT min(e.at) FROM work_item_event e \
     WHERE e.work_item_id = complaint.work_item_id AND e.community_code = complaint.community_code \
     AND e.action = 'reply') WHERE community_code = $1 AND replied_at IS DISTINCT FROM (SELECT min(e.at) \
     FROM work_item_event e WHERE e.work_item_id = complaint.work_item_id \
     AND e.community_code = complaint.community_code AND e.action = 'reply')";

/// What differs from a recount: a day's counts, or a complaint marked answered (or not) unlike
/// its history (`recounted` then holds the complaint's id).
#[derive(Debug, Clone, Serialize)]
pub struct FiguresMismatch {
    pub community: String,
    pub day: Date,
    pub stored: DayCounts,
    pub recounted: DayCounts,
    pub complaint: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: Date,
    #[sqlx(flatten)]
    counts: DayCounts,
}

/// Far enough back for "every record".
const EPOCH: Date = time::macros::date!(2000 - 01 - 01);

type RequestRecord = (OffsetDateTime, Option<OffsetDateTime>, Option<OffsetDateTime>, Option<OffsetDateTime>, String);
/// Received, first replied, reply deadline.
type ComplaintRecord = (OffsetDateTime, Option<OffsetDateTime>, Option<OffsetDateTime>);

/// What a recount reads of one community since a moment.
struct Records {
    requests: Vec<RequestRecord>,
    ratings: Vec<(OffsetDateTime, String)>,
    complaints: Vec<ComplaintRecord>,
}

/// Reads [`Records`] through `$exec`: a pool, or `&mut *tx` to read inside a write (a rebuild
/// must not need a second connection while it holds the write).
macro_rules! fetch_records {
    ($exec:expr, $community:expr, $start:expr) => {{
        let requests: Vec<RequestRecord> = sqlx::query_as(
            "SELECT created_at, accepted_at, due_at, closed_at, state FROM work_item \
             WHERE community_code = $1 AND kind = 'service_request' AND created_at >= $2",
        )
        .bind($community)
        .bind($start)
        .fetch_all($exec)
        .await?;
        let ratings: Vec<(OffsetDateTime, String)> =
            sqlx::query_as("SELECT created_at, level FROM rating WHERE community_code = $1 AND created_at >= $2")
                .bind($community)
                .bind($start)
                .fetch_all($exec)
                .await?;
        let complaints: Vec<ComplaintRecord> = sqlx::query_as(
            "SELECT w.created_at, (SELECT min(e.at) FROM work_item_event e WHERE e.work_item_id = w.id \
             AND e.community_code = w.community_code AND e.action = 'reply'), c.reply_due_at FROM work_item w \
             JOIN complaint c ON c.work_item_id = w.id AND c.community_code = w.community_code \
             WHERE w.community_code = $1 AND w.kind = 'complaint' AND w.created_at >= $2",
        )
        .bind($community)
        .bind($start)
        .fetch_all($exec)
        .await?;
        Records { requests, ratings, complaints }
    }};
}

impl Records {
    /// By the same per-item rules as the writes.
    fn count(self, cal: &Calendar) -> BTreeMap<Date, DayCounts> {
        let mut days: BTreeMap<Date, DayCounts> = BTreeMap::new();
        for (created, accepted, due, closed, state) in self.requests {
            days.entry(day_of(created)).or_default().add(&DayCounts::request(cal, &state, accepted, due, closed));
        }
        for (at, level) in self.ratings {
            days.entry(day_of(at)).or_default().add(&DayCounts::rating(&level));
        }
        for (created, first_reply, reply_due) in self.complaints {
            let day = days.entry(day_of(created)).or_default();
            day.complaints += 1;
            if let Some(r) = first_reply {
                day.add(&DayCounts::reply(cal, created, r, reply_due));
            }
        }
        days.retain(|_, c| !c.is_zero());
        days
    }
}

impl Store {
    /// The stored counts of a community's days from `since`.
    pub(crate) async fn stored_days(&self, community: &str, since: Date) -> StoreResult<BTreeMap<Date, DayCounts>> {
        let rows: Vec<DayRow> = on_db!(self, |pool| {
            sqlx::query_as(
            "SELECT day, received, finished, finished_late, working_days_sum, working_days_n, ratings, satisfied, \
             complaints, complaints_answered, complaints_in_time FROM figures_day WHERE community_code = $1 AND day >= $2"
        )
        .bind(community)
        .bind(since)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows.into_iter().map(|r| (r.day, r.counts)).filter(|(_, c)| !c.is_zero()).collect())
    }

    /// The same counts computed from the records (requests, ratings, complaints and their
    /// replies), with today's calendar.
    pub async fn recount_days(&self, community: &str, since: Date) -> StoreResult<BTreeMap<Date, DayCounts>> {
        let start = Ts(since.midnight().assume_offset(CHINA));
        let cal = self.calendar().await?;
        let records: Records =
            on_db!(self, |pool| async { Ok::<_, sqlx::Error>(fetch_records!(pool, community, start)) }.await)?;
        Ok(records.count(&cal))
    }

    /// Recomputes one community's stored counts from its records.
    pub async fn rebuild_figures(&self, community: &str) -> StoreResult<()> {
        let cal = self.calendar().await?;
        let start = Ts(EPOCH.midnight().assume_offset(CHINA));
        // The write lock (SQLite) or the community's lock (PostgreSQL) is held before the
        // records are read, through the same connection, so no write falls between the recount
        // and its storing.
        let done: Result<(), sqlx::Error> = on_db!(self, |pool| async {
            use crate::tx::WritePool as _;
            let mut tx = pool.begin_write().await?;
            tx.lock_community(community).await?;
            let days = fetch_records!(&mut *tx, community, start).count(&cal);
            // Only the marks that differ: a complaint row another write holds is left alone.
            sqlx::query(REPLIED).bind(community).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM figures_day WHERE community_code = $1").bind(community).execute(&mut *tx).await?;
            for (day, c) in &days {
                tx.add_day(community, *day, c).await?;
            }
            tx.commit().await
        }
        .await);
        Ok(done?)
    }

    /// Every community, retired ones too (their records stay).
    async fn communities_with_figures(&self) -> StoreResult<Vec<String>> {
        Ok(on_db!(self, |pool| sqlx::query_scalar("SELECT code FROM node WHERE level = 'community' ORDER BY code")
            .fetch_all(pool)
            .await)?)
    }

    /// Recomputes every community's counts; returns how many communities.
    pub async fn rebuild_all_figures(&self) -> StoreResult<usize> {
        let all = self.communities_with_figures().await?;
        for c in &all {
            self.rebuild_figures(c).await?;
        }
        Ok(all.len())
    }

    /// Compares every community's stored counts with a recount; empty when they agree. A
    /// community that differs is looked at again under its write lock, so a write landing
    /// between the two reads of a live database is not reported.
    pub async fn check_figures(&self) -> StoreResult<Vec<FiguresMismatch>> {
        let mut out = Vec::new();
        for community in self.communities_with_figures().await? {
            let first = self.compare_figures(&community).await?;
            if first.is_empty() {
                continue;
            }
            let locked: StoreResult<Vec<FiguresMismatch>> = on_db!(self, |pool| async {
                use crate::tx::WritePool as _;
                let mut tx = pool.begin_write().await?;
                tx.lock_community(&community).await?;
                let again = self.compare_figures(&community).await;
                tx.commit().await?;
                again
            }
            .await);
            out.extend(locked?);
        }
        Ok(out)
    }

    async fn compare_figures(&self, community: &str) -> StoreResult<Vec<FiguresMismatch>> {
        let mut out = Vec::new();
        {
            let community = community.to_owned();
            let stored = self.stored_days(&community, EPOCH).await?;
            let recounted = self.recount_days(&community, EPOCH).await?;
            let days: std::collections::BTreeSet<Date> = stored.keys().chain(recounted.keys()).copied().collect();
            for day in days {
                let s = stored.get(&day).copied().unwrap_or_default();
                let r = recounted.get(&day).copied().unwrap_or_default();
                if s != r {
                    out.push(FiguresMismatch {
                        community: community.clone(),
                        day,
                        stored: s,
                        recounted: r,
                        complaint: None,
                    });
                }
            }
            let marks: Vec<(Uuid, OffsetDateTime)> = on_db!(self, |pool| sqlx::query_as(
                "SELECT w.id, w.created_at FROM complaint c JOIN work_item w ON w.id = c.work_item_id \
                 AND w.community_code = c.community_code WHERE c.community_code = $1 \
                 AND (c.replied_at IS NULL) <> NOT EXISTS (SELECT 1 FROM work_item_event e \
                 WHERE e.work_item_id = c.work_item_id AND e.community_code = c.community_code AND e.action = 'reply')"
            )
            .bind(&community)
            .fetch_all(pool)
            .await)?;
            for (id, created) in marks {
                let none = DayCounts::default();
                out.push(FiguresMismatch {
                    community: community.clone(),
                    day: day_of(created),
                    stored: none,
                    recounted: none,
                    complaint: Some(id),
                });
            }
        }
        Ok(out)
    }

    /// After an upgrade from before `figures_day` (or a restore of records without it): counts
    /// every community's days once, and marks that done only when all of them were, so an
    /// interrupted first count runs again. True when it counted.
    pub async fn ensure_figures(&self) -> StoreResult<bool> {
        let done: Option<String> =
            on_db!(self, |pool| sqlx::query_scalar("SELECT value FROM setting WHERE name = 'figures_counted'")
                .fetch_optional(pool)
                .await)?;
        if done.is_some() {
            return Ok(false);
        }
        self.rebuild_all_figures().await?;
        exec_db!(self, |pool| {
            sqlx::query(
            "INSERT INTO setting (name, value, updated_at) VALUES ('figures_counted', '1', $1) ON CONFLICT (name) DO NOTHING"
        )
        .bind(Ts(crate::now()))
        .execute(pool)
        .await
        })?;
        Ok(true)
    }

    /// A calendar change that touches a day already past changes the working days of requests
    /// finished around it: their counts are recomputed.
    /// The recount runs in the background (a city's takes longer than a page may wait); the
    /// figures are exact again when it ends.
    pub(crate) async fn calendar_changed_on(&self, first_day: Date) -> StoreResult<()> {
        if first_day > crate::today() {
            return Ok(());
        }
        let store = self.clone();
        let rebuild = tokio::spawn(async move {
            match store.rebuild_all_figures().await {
                Ok(n) => tracing::info!(communities = n, "recounted the figures after a calendar change to a past day"),
                Err(e) => {
                    tracing::error!(error = %e, "could not recount the figures after a calendar change; run `linli figures rebuild`")
                }
            }
        });
        // A command run from the shell exits when it returns: let it finish the recount.
        if self.waits_for_background() {
            let _ = rebuild.await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::DayCounts;
    use linli_domain::Calendar;
    use time::macros::datetime;

    #[test]
    fn a_request_counts_finished_late_and_working_days_only_once_finished() {
        let cal = Calendar::new(Vec::new());
        let a = Some(datetime!(2026-11-02 9:00 +8));
        let due = Some(datetime!(2026-11-04 17:00 +8));
        let open = DayCounts::request(&cal, "in_progress", a, due, None);
        assert_eq!(open, DayCounts { received: 1, ..DayCounts::default() });
        let late = DayCounts::request(&cal, "completed", a, due, Some(datetime!(2026-11-06 10:00 +8)));
        assert_eq!((late.finished, late.finished_late, late.working_days_sum, late.working_days_n), (1, 1, 4, 1));
        let declined = DayCounts::request(&cal, "declined", a, due, Some(datetime!(2026-11-06 10:00 +8)));
        assert_eq!(declined, open);
        assert!(late.minus(&late).is_zero());
    }

    #[test]
    fn satisfied_ratings_are_the_top_three_levels() {
        assert_eq!(DayCounts::rating("fair").satisfied, 1);
        assert_eq!(DayCounts::rating("dissatisfied").satisfied, 0);
        assert_eq!(DayCounts::rating("dissatisfied").ratings, 1);
    }
}
