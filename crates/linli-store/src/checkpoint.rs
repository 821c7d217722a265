//! SQLite's WAL checkpoints, moved out of the commits.
//!
//! Left to itself SQLite checkpoints inside the COMMIT that takes the log past 1,000 pages:
//! that commit copies the log into the database file and waits for two `fsync`s, while this
//! process's writing turn (`tx.rs`) is still held, so every other writer waits on the disk too.
//! Under a stream of creates that was several checkpoints a second and a third of the
//! machine's time in I/O wait. Every connection is opened with `wal_autocheckpoint = 0`
//! instead, and one task per pool runs a PASSIVE checkpoint (which waits for no reader or
//! writer) every tenth of a second while the log is changing, and every second while it is
//! not. Closing the store copies in what is left and empties the log (`Writer::store_closed`).
//!
//! The log starts again from its beginning only when a writer finds all of it copied, which
//! never happens while writes keep landing during the checkpoints: so once the log passes
//! 256 MiB, a checkpoint is also run holding the writing turn, copying the little that arrived
//! since the last one, and the next write starts the log afresh.

use std::sync::Arc;
use std::time::Duration;

use sqlx::ConnectOptions as _;
use sqlx::sqlite::SqlitePool;
use tokio::task::JoinHandle;

use crate::tx::Writer;

/// How often a changing log is copied into the database.
const BUSY: Duration = Duration::from_millis(100);
/// How often a quiet log is looked at.
const IDLE: Duration = Duration::from_secs(1);
/// The log's length, in 4 KiB pages, past which it is made to start again.
const RESTART_AT: i64 = 65_536;

/// The running task; stopped when the last [`crate::Store`] clone holding it is dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    task: JoinHandle<()>,
    /// The task's own connection, shared so that closing the store can close it.
    own: Arc<tokio::sync::Mutex<Option<sqlx::SqliteConnection>>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Checkpointer {
    /// Closes the task's connection, once the store's pool is closed (the task then stops
    /// without opening another).
    pub(crate) async fn stop(&self) {
        if let Some(conn) = self.own.lock().await.take() {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}

/// Starts checkpointing `pool`'s database.
pub(crate) fn start(pool: SqlitePool, writer: Arc<Writer>) -> Arc<Checkpointer> {
    let own: Arc<tokio::sync::Mutex<Option<sqlx::SqliteConnection>>> = Arc::default();
    let shared = own.clone();
    let task = tokio::spawn(async move {
        let mut wait = BUSY;
        let mut last = -1;
        // Its own connection, with sqlx's slow-statement warning off: a checkpoint that copies a
        // large log takes more than a second by design, and is not a slow query.
        let options = (*pool.connect_options()).clone().disable_statement_logging();
        loop {
            tokio::time::sleep(wait).await;
            let mut own = shared.lock().await;
            // Checked under the lock: `stop` closes the connection after the pool.
            if pool.is_closed() {
                return;
            }
            if own.is_none() {
                *own = options.connect().await.ok();
            }
            // (busy, frames in the log, frames copied): someone wrote since the last look when
            // the log's length changed (it grew, or started again from the beginning).
            let mut done = match own.as_mut() {
                Some(conn) => checkpoint(conn).await,
                None => checkpoint(&pool).await,
            };
            if matches!(done, Ok((_, log, _)) if log >= RESTART_AT)
                && let Some(conn) = own.as_mut()
            {
                let _turn = writer.turn().await;
                done = checkpoint(conn).await;
            }
            if done.is_err() {
                *own = None; // opened again at the next look
            }
            match done {
                Ok((_, log, _)) => {
                    wait = if log != last { BUSY } else { IDLE };
                    last = log;
                }
                Err(e) => {
                    if pool.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "WAL checkpoint failed; the log keeps growing until the next one succeeds");
                    wait = IDLE;
                }
            }
        }
    });
    Arc::new(Checkpointer { task, own })
}

/// (busy, frames in the log, frames copied so far)
async fn checkpoint<'c>(db: impl sqlx::SqliteExecutor<'c>) -> Result<(i64, i64, i64), sqlx::Error> {
    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(db).await
}
