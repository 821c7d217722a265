//! Write transactions, per engine.
//!
//! SQLite has one writer at a time and takes its write lock at `BEGIN IMMEDIATE`, so writers
//! queue instead of one failing when it tries to upgrade a read lock. Left to SQLite, a writer
//! that finds the lock taken sleeps in the busy handler (1, 2, 5, 10 … ms) and under load a
//! create waits tens of milliseconds for a lock that was free after a fraction of one. So the
//! writers of this process take turns on an async mutex held from `BEGIN IMMEDIATE` until the
//! transaction ends: the next one starts the moment the last one commits, in arrival order.
//! The busy timeout still covers the few single-statement writes made outside a transaction
//! (sessions seen, outbox claims, tokens used) and writers in other processes (the `linli`
//! commands).
//!
//! Every turn also writes through the same connection, the [`Writer`]'s own. In WAL mode a
//! connection empties its page cache whenever another connection has committed since its last
//! transaction; when writes went through any of the pool's connections, each one started cold
//! and read the index pages it was about to change back in. With one writing connection nobody
//! else commits, and its cache stays warm (district creates: +45%, docs/PERFORMANCE.md).
//!
//! PostgreSQL needs nothing special; audit chains are serialised by an advisory lock in
//! `audit.rs`.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{AssertSqlSafe, Database, Postgres, Sqlite, Transaction};
use tokio::sync::OwnedMutexGuard;

/// An open write transaction: the connection (`&mut *tx` is an executor) and, on SQLite, this
/// process's writing turn, given back when the transaction ends.
pub(crate) struct WriteTx<DB: Engine> {
    open: DB::Open,
}

/// What an open transaction is on each engine.
pub(crate) trait Engine: Database {
    type Open: DerefMut<Target = Self::Connection> + Send;
}

impl Engine for Postgres {
    type Open = Transaction<'static, Postgres>;
}

impl Engine for Sqlite {
    type Open = SqliteTx;
}

impl<DB: Engine> Deref for WriteTx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.open
    }
}

impl<DB: Engine> DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.open
    }
}

impl WriteTx<Postgres> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.open.commit().await
    }
}

impl WriteTx<Sqlite> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.open.end_with(AssertSqlSafe("COMMIT".to_owned()), SqliteArguments::default()).await
    }

    /// Runs `sql`, whose last statement is `COMMIT`, and ends the transaction with it: the last
    /// rows and the commit in one round trip (`batch.rs`).
    pub(crate) async fn commit_with(self, sql: String, args: SqliteArguments) -> Result<(), sqlx::Error> {
        self.open.end_with(AssertSqlSafe(sql), args).await
    }
}

pub(crate) trait WritePool {
    type Db: Engine;
    async fn begin_write(&self) -> Result<WriteTx<Self::Db>, sqlx::Error>;
}

impl WritePool for PgPool {
    type Db = Postgres;
    async fn begin_write(&self) -> Result<WriteTx<Postgres>, sqlx::Error> {
        Ok(WriteTx { open: self.begin().await? })
    }
}

impl WritePool for SqlitePool {
    type Db = Sqlite;
    async fn begin_write(&self) -> Result<WriteTx<Sqlite>, sqlx::Error> {
        Ok(self.begin_write_with("", SqliteArguments::default()).await?.0)
    }
}

/// SQLite's write transactions are begun, committed and rolled back by this module's own
/// statements rather than sqlx's `Transaction`, which sends each on its own: here the first
/// statement can travel with `BEGIN IMMEDIATE` and the last rows with `COMMIT`, so a create
/// holds the turn for two round trips instead of four.
pub(crate) struct SqliteTx {
    /// `None` once the transaction has ended.
    conn: Option<PoolConnection<Sqlite>>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl SqliteTx {
    async fn end_with(mut self, sql: AssertSqlSafe<String>, args: SqliteArguments) -> Result<(), sqlx::Error> {
        let Some(conn) = self.conn.as_mut() else { return Ok(()) };
        sqlx::query_with(sql, args).execute(&mut **conn).await?;
        // Ended: back to the pool, and the turn passes on.
        self.conn = None;
        Ok(())
    }
}

impl Deref for SqliteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &sqlx::SqliteConnection {
        // Present until the transaction ends, which consumes it.
        self.conn.as_deref().unwrap_or_else(|| unreachable!("a write transaction used after it ended"))
    }
}

impl DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut sqlx::SqliteConnection {
        self.conn.as_deref_mut().unwrap_or_else(|| unreachable!("a write transaction used after it ended"))
    }
}

impl Drop for SqliteTx {
    /// Not ended (an error, or the request went away): rolled back before the turn passes on.
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        let turn = self._turn.take();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime left to roll back on: closing the handle rolls back, and detached
            // from its pool it needs no runtime to close.
            drop(conn.detach());
            return;
        };
        runtime.spawn(async move {
            if let Err(e) = sqlx::query("ROLLBACK").execute(&mut *conn).await
                && !e.to_string().contains("no transaction is active")
            {
                tracing::error!(error = %e, "could not roll back an unfinished write; closing its connection, which does");
                conn.close_on_drop();
            }
            drop(turn);
        });
    }
}

pub(crate) trait BeginWith {
    /// Begins a write transaction and runs `first` (statements, or nothing) in the same round
    /// trip; returns every row they give.
    async fn begin_write_with(
        &self,
        first: &str,
        args: SqliteArguments,
    ) -> Result<(WriteTx<Sqlite>, Vec<SqliteRow>), sqlx::Error>;
}

impl BeginWith for SqlitePool {
    async fn begin_write_with(
        &self,
        first: &str,
        args: SqliteArguments,
    ) -> Result<(WriteTx<Sqlite>, Vec<SqliteRow>), sqlx::Error> {
        if self.is_closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        let (turn, conn) = match Writer::of(self) {
            Some(w) => {
                let turn = w.turn.clone().lock_owned().await;
                (Some(turn), w.pool.acquire().await?)
            }
            // A pool no store opened (none in linli): SQLite's busy handler orders its writers.
            None => (None, self.acquire().await?),
        };
        let mut open = SqliteTx { conn: Some(conn), _turn: turn };
        // From here on a failure rolls back as the transaction drops.
        let rows = if first.is_empty() {
            sqlx::query("BEGIN IMMEDIATE").execute(&mut *open).await?;
            Vec::new()
        } else {
            let sql = format!("BEGIN IMMEDIATE;\n{first}");
            sqlx::query_with(AssertSqlSafe(sql), args).fetch_all(&mut *open).await?
        };
        Ok((WriteTx { open }, rows))
    }
}

/// This process's writer on one SQLite file: the turn, and the one connection every turn
/// writes through. Shared by every [`crate::Store`] open on the file, kept alive by them, and
/// found again from any of their pools by the file's name.
#[derive(Debug)]
pub(crate) struct Writer {
    turn: Arc<tokio::sync::Mutex<()>>,
    pool: SqlitePool,
    /// Stores opened on the file and not yet closed: the last to close closes the writer.
    stores: std::sync::atomic::AtomicUsize,
}

type Writers = Mutex<HashMap<PathBuf, Weak<Writer>>>;

/// Writers by file name, both as the pools were opened and canonical (so two spellings of one
/// path share a writer): the pools know their file only by the name they were opened with.
static WRITERS: LazyLock<Writers> = LazyLock::new(Default::default);

impl Writer {
    /// The writer for `pool`'s file: the live one, or a new one with `pool`'s settings.
    pub(crate) fn open(pool: &SqlitePool) -> Arc<Writer> {
        let options = pool.connect_options();
        let named = options.get_filename().to_owned();
        let canonical = std::fs::canonicalize(&named).unwrap_or_else(|_| named.clone());
        let mut writers = WRITERS.lock().unwrap_or_else(PoisonError::into_inner);
        writers.retain(|_, w| w.strong_count() > 0);
        let writer = match writers.get(&canonical).and_then(Weak::upgrade) {
            Some(w) => w,
            None => Arc::new(Writer {
                turn: Arc::default(),
                // Connected on the first write, and kept: a new connection starts cold.
                pool: SqlitePoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    // 32 MiB of pages, kept warm: no other connection commits, so nothing empties
                    // them, and the indexes a large import writes into stay in memory.
                    .connect_lazy_with((*options).clone().pragma("cache_size", "-32768")),
                stores: Default::default(),
            }),
        };
        writer.stores.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        writers.insert(canonical, Arc::downgrade(&writer));
        writers.insert(named, Arc::downgrade(&writer));
        writer
    }

    /// The writer of the file `pool` is open on, while a store holds it.
    fn of(pool: &SqlitePool) -> Option<Arc<Writer>> {
        let writers = WRITERS.lock().unwrap_or_else(PoisonError::into_inner);
        writers.get(pool.connect_options().get_filename()).and_then(Weak::upgrade)
    }

    /// A store on the file is closing: the last one copies the log into the file and closes
    /// the writing connection, holding the turn.
    pub(crate) async fn store_closed(&self) {
        if self.stores.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
            let _turn = self.turn.lock().await;
            // Everything into the file and the log emptied, whoever else still has it open.
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await {
                tracing::warn!(error = %e, "could not copy the log into the database while closing; the next start will");
            }
            self.pool.close().await;
        }
    }

    /// Waits for the turn: no write of this process runs until it is dropped.
    pub(crate) async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.turn.lock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{Batch, RunBatch as _};
    use crate::db::{Db, PoolOptions};

    async fn count(pool: &SqlitePool) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(pool).await.expect("count")
    }

    // The transactions here are this module's own statements: one left unfinished, or failing
    // half-way through its last round trip, must leave nothing behind and the writer usable.
    #[tokio::test]
    async fn an_unfinished_write_leaves_nothing_and_the_next_one_runs() {
        let path = std::env::temp_dir().join(format!("linli-tx-{}.db", uuid::Uuid::now_v7().simple()));
        let store = crate::Store::connect(&path.display().to_string(), &PoolOptions::default()).await.expect("open");
        let Db::Sqlite(pool) = &store.db else { unreachable!("a SQLite file") };
        sqlx::query("CREATE TABLE t (x INTEGER NOT NULL)").execute(pool).await.expect("table");

        let mut tx = pool.begin_write().await.expect("begin");
        sqlx::query("INSERT INTO t VALUES (1)").execute(&mut *tx).await.expect("insert");
        drop(tx);

        let mut b = Batch::new();
        b.push("INSERT INTO t VALUES (2)");
        b.push("INSERT INTO missing VALUES (3)");
        let tx = pool.begin_write().await.expect("begin after a dropped one");
        assert!(tx.finish(b).await.is_err(), "the second statement fails");

        let (tx, rows) =
            pool.begin_write_with("SELECT count(*) FROM t", SqliteArguments::default()).await.expect("begin");
        assert_eq!(rows.len(), 1);
        let mut b = Batch::new();
        b.push("INSERT INTO t VALUES (4)");
        tx.finish(b).await.expect("commit");
        assert_eq!(count(pool).await, 1, "only the committed row");
        let x: i64 = sqlx::query_scalar("SELECT x FROM t").fetch_one(pool).await.expect("row");
        assert_eq!(x, 4);
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
