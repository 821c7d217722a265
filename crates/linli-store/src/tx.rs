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
//! PostgreSQL needs nothing special; audit chains are serialised by an advisory lock in
//! `audit.rs`.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;
use sqlx::{Database, Postgres, Sqlite, Transaction};
use tokio::sync::OwnedMutexGuard;

/// An open write transaction: the connection (`&mut *tx` is an executor) and, on SQLite, this
/// process's writing turn, given back when the transaction commits or is dropped.
pub(crate) struct WriteTx<DB: Database> {
    tx: Transaction<'static, DB>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl<DB: Database> WriteTx<DB> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx { tx, _turn } = self;
        tx.commit().await
    }
}

impl<DB: Database> Deref for WriteTx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: Database> DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

pub(crate) trait WritePool {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<WriteTx<Self::Db>, sqlx::Error>;
}

/// One turn per database file, shared by every pool this process opens on it.
pub(crate) fn turn_for(pool: &SqlitePool) -> Arc<tokio::sync::Mutex<()>> {
    static TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> = LazyLock::new(Default::default);
    let named = pool.connect_options().get_filename().to_owned();
    let file = std::fs::canonicalize(&named).unwrap_or(named);
    let mut turns = TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    turns.entry(file).or_default().clone()
}

impl WritePool for SqlitePool {
    type Db = Sqlite;
    async fn begin_write(&self) -> Result<WriteTx<Sqlite>, sqlx::Error> {
        let turn = turn_for(self).lock_owned().await;
        let tx = self.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: Some(turn) })
    }
}

impl WritePool for PgPool {
    type Db = Postgres;
    async fn begin_write(&self) -> Result<WriteTx<Postgres>, sqlx::Error> {
        Ok(WriteTx { tx: self.begin().await?, _turn: None })
    }
}
