//! New work items written in groups: creates that arrive together commit together.
//!
//! Every create takes the next number of its community's day and appends to its community's
//! audit chain, so creates cannot run side by side: on SQLite they queue for the one write
//! lock, on PostgreSQL for the community's lock. Alone, each spends most of its turn on fixed
//! costs: taking the turn, the round trips that begin, number and commit, and (SQLite) a commit
//! that writes every page it changed to the log. Here the creates that arrive while a group is
//! being written wait in a queue and are then written as the next group, in arrival order: one
//! transaction, every number taken in one statement, on SQLite every row sent with the one
//! `COMMIT`. A quiet server writes groups of one, as before; under load the groups grow and the
//! fixed costs are shared (docs/PERFORMANCE.md, sixth round).
//!
//! On PostgreSQL communities are spread over eight lanes, each with its own queue and writing
//! task, so creates of different communities are still written side by side, and a group holds
//! one community's lock: what a lane takes at once is written one community at a time.
//!
//! A group that fails is rolled back and its creates are written again one by one, so each gets
//! its own error and no number is lost to another's failure; when the database cannot be
//! reached, every create of the group gets that error at once. A create whose requester has gone
//! before its group (or its retry) starts is not written, as when a request went away before
//! its commit; once its group has started it is written, as when a request went away after.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{Arguments as _, AssertSqlSafe};
use time::Date;
use tokio::sync::{mpsc, oneshot};

use crate::audit::Head;
use crate::batch::{Batch, RunBatch as _};
use crate::db::Db;
use crate::oversight::TallyTx as _;
use crate::tx::{BeginWith as _, WritePool as _};

/// At most this many creates in one transaction: bounds how long one group holds the write lock
/// (other writes wait behind it) and how large one batch grows (about 60 values a create).
const GROUP_MAX: usize = 64;

/// One new work item, as its flow writes it once the group has numbered it.
pub(crate) struct Create {
    pub community: String,
    /// The day (China time) whose sequence numbers the item.
    pub day: Date,
    /// The item's rows, given its number's sequence and the head of its community's audit
    /// chain. Called again if the group fails, so it takes nothing from the caller.
    pub rows: Box<dyn Fn(i64, Head) -> Result<Rows, sqlx::Error> + Send + Sync>,
}

/// What [`Create::rows`] gives back.
pub(crate) struct Rows {
    pub batch: Batch,
    /// The chain's head after the item's audit entry: the next create of the community follows it.
    pub head: Head,
    /// The item's number, for the requester.
    pub number: String,
}

type Job = (Create, oneshot::Sender<Result<String, sqlx::Error>>);

/// On PostgreSQL, communities whose creates are written side by side: each community's
/// creates queue in one of these lanes, and lanes lock disjoint communities. SQLite has one
/// writer, so one lane.
const PG_LANES: usize = 8;

/// The queues of creates waiting for their next group, and the tasks that write them.
#[derive(Default)]
pub(crate) struct Creates {
    /// Each lane's queue, started on its first create; started again if its runtime has gone (a
    /// test's runtime ends while the store lives on).
    lanes: [std::sync::Mutex<Option<mpsc::UnboundedSender<Job>>>; PG_LANES],
    counts: Arc<Counts>,
}

/// How the groups went since the store opened (`/metrics`).
#[derive(Debug, Default)]
struct Counts {
    groups: AtomicU64,
    creates: AtomicU64,
    retried: AtomicU64,
}

/// How creates have been grouped since the store opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateGroups {
    /// Groups committed.
    pub groups: u64,
    /// Creates committed in them: `creates / groups` is the mean group's size.
    pub creates: u64,
    /// Groups that failed and were written again one by one.
    pub retried: u64,
}

impl std::fmt::Debug for Creates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Creates")
    }
}

impl Creates {
    /// Writes `c` with the group it joins; returns its number once the group has committed.
    pub(crate) async fn write(&self, db: &Db, c: Create) -> Result<String, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let lane = match db {
            Db::Sqlite(_) => 0,
            Db::Postgres(_) => {
                c.community.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into())) % PG_LANES
            }
        };
        self.send(lane, db, (c, reply));
        // No answer: the writing task ended with its runtime, before the create was written.
        answer.await.unwrap_or(Err(sqlx::Error::WorkerCrashed))
    }

    pub(crate) fn counts(&self) -> CreateGroups {
        let c = &self.counts;
        CreateGroups {
            groups: c.groups.load(Ordering::Relaxed),
            creates: c.creates.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
        }
    }

    fn send(&self, lane: usize, db: &Db, job: Job) {
        let mut queue = self.lanes[lane].lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let job = match queue.as_ref() {
            Some(q) => match q.send(job) {
                Ok(()) => return,
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (q, jobs) = mpsc::unbounded_channel();
        tokio::spawn(work(db.clone(), jobs, self.counts.clone()));
        // The receiver was just made and lives in the task.
        let _ = q.send(job);
        *queue = Some(q);
    }
}

/// Writes groups until every store holding the queue has gone.
async fn work(db: Db, mut jobs: mpsc::UnboundedReceiver<Job>, counts: Arc<Counts>) {
    let mut group = Vec::with_capacity(GROUP_MAX);
    while jobs.recv_many(&mut group, GROUP_MAX).await > 0 {
        group.retain(|(_, reply)| !reply.is_closed());
        match db {
            Db::Sqlite(_) => write_group(&db, std::mem::take(&mut group), &counts).await,
            // One community per transaction, so a group holds one community's lock, as a single
            // create did: holding several, it could wait on a figures rebuild of one while the
            // others' writers wait on it, or deadlock with a write that locks two.
            Db::Postgres(_) => {
                for part in by_community(std::mem::take(&mut group)) {
                    write_group(&db, part, &counts).await;
                }
            }
        }
    }
}

/// `group` split by community, each part in arrival order.
fn by_community(group: Vec<Job>) -> Vec<Vec<Job>> {
    let mut parts: Vec<Vec<Job>> = Vec::new();
    for job in group {
        match parts.iter_mut().find(|p| p[0].0.community == job.0.community) {
            Some(part) => part.push(job),
            None => parts.push(vec![job]),
        }
    }
    parts
}

async fn write_group(db: &Db, group: Vec<Job>, counts: &Counts) {
    let creates: Vec<&Create> = group.iter().map(|(c, _)| c).collect();
    match write(db, &creates).await {
        Ok(numbers) => {
            counts.groups.fetch_add(1, Ordering::Relaxed);
            counts.creates.fetch_add(numbers.len() as u64, Ordering::Relaxed);
            for ((_, reply), number) in group.into_iter().zip(numbers) {
                let _ = reply.send(Ok(number));
            }
        }
        // Something in the group was refused (a constraint, a create's own rows): written one
        // by one, each create gets its own answer.
        Err(e) if group.len() > 1 && !unreachable(&e) => {
            tracing::info!(error = %e, creates = group.len(), "a group of creates failed; writing them one by one");
            counts.retried.fetch_add(1, Ordering::Relaxed);
            for (c, reply) in group {
                if reply.is_closed() {
                    continue;
                }
                let one = write(db, &[&c]).await.map(|mut n| n.pop().unwrap_or_default());
                if one.is_ok() {
                    counts.groups.fetch_add(1, Ordering::Relaxed);
                    counts.creates.fetch_add(1, Ordering::Relaxed);
                }
                let _ = reply.send(one);
            }
        }
        // The database could not be reached: each create alone would fail the same way, after
        // as long a wait.
        Err(e) => {
            for (_, reply) in group {
                let _ = reply.send(Err(same(&e)));
            }
        }
    }
}

async fn write(db: &Db, creates: &[&Create]) -> Result<Vec<String>, sqlx::Error> {
    match db {
        Db::Sqlite(pool) => write_sqlite(pool, creates).await,
        Db::Postgres(pool) => write_postgres(pool, creates).await,
    }
}

/// Whether `e` is about reaching the database rather than about what was sent.
fn unreachable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Io(_))
}

/// `e` again, for each create of a group (errors are not `Clone`).
fn same(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::WorkerCrashed => sqlx::Error::WorkerCrashed,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// Each (community, day) the group numbers, with how many items it takes.
fn days(creates: &[&Create]) -> BTreeMap<(String, String), i64> {
    let mut days = BTreeMap::new();
    for c in creates {
        *days.entry((c.community.clone(), c.day.to_string())).or_insert(0) += 1;
    }
    days
}

/// Takes `n` numbers of each day at once and reads each community's chain head.
fn numbers_sql(days: usize) -> String {
    let values: Vec<String> = (0..days).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
    format!(
        "INSERT INTO work_item_sequence (community_code, day, last) VALUES {} \
         ON CONFLICT (community_code, day) DO UPDATE SET last = work_item_sequence.last + excluded.last \
         RETURNING community_code, day, last, \
         (SELECT h.seq FROM audit_head h WHERE h.chain = work_item_sequence.community_code), \
         (SELECT h.hash FROM audit_head h WHERE h.chain = work_item_sequence.community_code)",
        values.join(", ")
    )
}

type Taken = (String, String, i64, Option<i64>, Option<Vec<u8>>);

/// Every create's rows, numbered and chained in arrival order, and its number.
fn rows(
    creates: &[&Create],
    days: &BTreeMap<(String, String), i64>,
    taken: Vec<Taken>,
) -> Result<(Vec<Batch>, Vec<String>), sqlx::Error> {
    let mut next = HashMap::new();
    let mut heads: HashMap<String, Head> = HashMap::new();
    let mismatch = || sqlx::Error::Protocol("the numbering returned a day the group did not ask for".into());
    for (community, day, last, head_seq, head_hash) in taken {
        let n = days.get(&(community.clone(), day.clone())).copied().ok_or_else(mismatch)?;
        heads.insert(community.clone(), head_seq.zip(head_hash));
        next.insert((community, day), last - n + 1);
    }
    let (mut batches, mut numbers) = (Vec::with_capacity(creates.len()), Vec::with_capacity(creates.len()));
    for c in creates {
        let seq = next.get_mut(&(c.community.clone(), c.day.to_string())).ok_or_else(mismatch)?;
        let head = heads.entry(c.community.clone()).or_default();
        // A panic in one create's rows fails that create, not the task writing every lane's group.
        let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (c.rows)(*seq, head.take())));
        let r = made
            .map_err(|_| sqlx::Error::Protocol(format!("making the rows of a create in {} panicked", c.community)))??;
        *seq += 1;
        *head = r.head;
        batches.push(r.batch);
        numbers.push(r.number);
    }
    Ok((batches, numbers))
}

/// `BEGIN IMMEDIATE` with the numbers, then each create's rows, the last with the `COMMIT`.
/// Each create's rows go as a statement string of their own: one string for the whole group
/// would differ with every group's size and mix, and sqlx would prepare and keep each (about six
/// statements a create) — tens of megabytes on the writing connection, and a re-prepare for
/// nearly every group once more than a hundred kinds had been seen.
async fn write_sqlite(pool: &SqlitePool, creates: &[&Create]) -> Result<Vec<String>, sqlx::Error> {
    let days = days(creates);
    let mut args = sqlx::sqlite::SqliteArguments::default();
    for ((community, day), n) in &days {
        args.add(community.clone()).map_err(sqlx::Error::Encode)?;
        args.add(day.clone()).map_err(sqlx::Error::Encode)?;
        args.add(*n).map_err(sqlx::Error::Encode)?;
    }
    let (mut tx, taken) = pool.begin_write_with(&numbers_sql(days.len()), args).await?;
    let taken = taken.iter().map(sqlx::FromRow::from_row).collect::<Result<Vec<Taken>, _>>()?;
    let (mut batches, numbers) = rows(creates, &days, taken)?;
    let last = batches.pop().unwrap_or_default();
    for b in batches {
        tx.run(b).await?;
    }
    tx.finish(last).await?;
    Ok(numbers)
}

/// The community's lock (a PostgreSQL group holds one community: [`work`]), the numbers, each
/// create's rows (one statement each: two creates of a community change the same rows, which one
/// statement may not), the commit.
async fn write_postgres(pool: &PgPool, creates: &[&Create]) -> Result<Vec<String>, sqlx::Error> {
    let days = days(creates);
    let mut tx = pool.begin_write().await?;
    let mut communities: Vec<&str> = creates.iter().map(|c| c.community.as_str()).collect();
    communities.dedup();
    for community in communities {
        tx.lock_community(community).await?;
    }
    let sql = numbers_sql(days.len());
    let mut q = sqlx::query_as::<_, Taken>(AssertSqlSafe(sql));
    for ((community, day), n) in &days {
        q = q.bind(community).bind(day).bind(*n);
    }
    let taken = q.fetch_all(&mut *tx).await?;
    let (batches, numbers) = rows(creates, &days, taken)?;
    for b in batches {
        tx.run(b).await?;
    }
    tx.commit().await?;
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Entry;
    use crate::{Actor, PoolOptions, Store};

    /// A create whose rows append one audit entry to the community's chain, or (`fails`) also
    /// write to a table that is not there.
    fn create(fails: bool) -> Create {
        let rows = move |seq: i64, head: Head| {
            let entry = Entry::new("350103001001", "test.create", "test", seq.to_string(), serde_json::json!({}));
            let record = crate::audit::stamp(&Actor::system("test"), &entry, head);
            let mut batch = Batch::new();
            crate::audit::push_record(&mut batch, &record);
            if fails {
                batch.push("INSERT INTO missing VALUES (1)");
            }
            Ok(Rows { batch, head: Some((record.seq, record.hash)), number: seq.to_string() })
        };
        Create { community: "350103001001".into(), day: time::macros::date!(2001 - 01 - 01), rows: Box::new(rows) }
    }

    // A group across two communities and two days: each create is numbered on its own day's
    // sequence in arrival order, and chained after the create of its community before it.
    #[test]
    fn numbers_and_chains_follow_arrival_order() {
        let day = |d: u8| time::Date::from_calendar_date(2026, time::Month::November, d).expect("date");
        let create = |community: &str, d: u8| Create {
            community: community.into(),
            day: day(d),
            rows: Box::new(|seq, head: Head| {
                let at = head.map_or(0, |(s, _)| s);
                Ok(Rows { batch: Batch::new(), head: Some((at + 1, Vec::new())), number: format!("{seq}@{at}") })
            }),
        };
        let group = [create("a", 28), create("b", 28), create("a", 29), create("a", 28)];
        let creates: Vec<&Create> = group.iter().collect();
        let days = days(&creates);
        let d = |n: u8| day(n).to_string();
        // What the numbering statement returns: the last number taken on each day, and the heads.
        let taken = vec![
            ("a".to_owned(), d(28), 5, Some(7), Some(Vec::new())),
            ("b".to_owned(), d(28), 1, None, None),
            ("a".to_owned(), d(29), 1, Some(7), Some(Vec::new())),
        ];
        let (_, numbers) = rows(&creates, &days, taken).expect("rows");
        assert_eq!(numbers, ["4@7", "1@0", "1@8", "5@9"]);
    }

    // One group, the third of its creates failing: the group is written again one by one, so
    // the others commit numbered 1–4 with their entries chained, and only the third fails.
    #[tokio::test]
    async fn a_failing_create_fails_alone() {
        let dir = std::env::temp_dir().join(format!("linli-group-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("folder");
        let store =
            Store::connect(&dir.join("t.db").display().to_string(), &PoolOptions::default()).await.expect("open");
        let keys = crate::privacy::Keys::from_base64(&crate::privacy::Keys::generate()).expect("key");
        let store = store.with_keys(keys);
        store.migrate().await.expect("migrate");
        store.seed_demo().await.expect("seed");
        let (mut group, mut answers) = (Vec::new(), Vec::new());
        for i in 0..5 {
            let (reply, answer) = oneshot::channel();
            group.push((create(i == 2), reply));
            answers.push(answer);
        }
        let counts = Counts::default();
        write_group(&store.db, group, &counts).await;
        let mut got = Vec::new();
        for a in answers {
            match a.await.expect("answered") {
                Ok(number) => got.push(Some(number)),
                Err(e) => {
                    assert!(e.to_string().contains("no such table: missing"), "the failing create's own error: {e}");
                    got.push(None);
                }
            }
        }
        let numbers = |v: &[&str]| v.iter().map(|s| Some((*s).to_owned())).collect::<Vec<_>>();
        let mut want = numbers(&["1", "2"]);
        want.push(None);
        want.extend(numbers(&["3", "4"]));
        assert_eq!(got, want);
        assert_eq!((counts.groups.load(Ordering::Relaxed), counts.retried.load(Ordering::Relaxed)), (4, 1));
        let v = store.verify_audit().await.expect("verify");
        assert!(v.broken.is_empty(), "{:?}", v.broken);
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
