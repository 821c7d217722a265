//! Connecting, migrating and the one macro that runs a query body on either engine.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::StoreResult;

/// Runs `$body` with `$pool` bound to the concrete pool of whichever engine `$db` is.
///
/// The body is compiled twice, once per engine, so any query written in it must be valid
/// for both; where the engines truly differ, match on [`Store::engine`] instead.
macro_rules! on_db {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// [`on_db!`] for a statement run with `execute`: yields the number of rows affected, since
/// the two engines' result types differ.
macro_rules! exec_db {
    ($store:expr, |$pool:ident| $body:expr) => {
        on_db!($store, |$pool| ($body).map(|r| r.rows_affected()))
    };
}

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// The handle every other layer holds; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    description: String,
    /// The keys for personal data; operations that need them fail clearly without.
    keys: Option<std::sync::Arc<crate::privacy::Keys>>,
    /// The working-day calendar, read at most once a minute (deadlines and urgency need it on
    /// every queue and move); this process's own calendar writes clear it at once.
    pub(crate) calendar_cache: crate::calendar::CalendarCache,
    /// Sessions recently read (`session.rs`).
    pub(crate) sessions: std::sync::Arc<crate::session::SessionCache>,
    /// New work items waiting to be written with the next group (`window/group_commit.rs`).
    pub(crate) creates: std::sync::Arc<crate::window::group_commit::Creates>,
    /// Codes of nodes known to exist. Nodes are retired, never deleted, so a code once seen
    /// stays true and the check every community page and API call makes needs no query.
    pub(crate) known_nodes: std::sync::Arc<std::sync::RwLock<std::collections::HashSet<String>>>,
    /// A server recounts figures after a calendar change in the background; a command from the
    /// shell waits for it before it exits.
    background_recounts: bool,
    /// SQLite: copies the write-ahead log into the database, beside the writers.
    _checkpointer: Option<std::sync::Arc<crate::checkpoint::Checkpointer>>,
    /// SQLite: the turn and the connection every write transaction goes through (`tx.rs`).
    _writer: Option<std::sync::Arc<crate::tx::Writer>>,
    /// Set by the first [`Store::close`] of this store or any of its clones.
    closed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_connections: u32,
    /// How long to wait for a connection (or for PostgreSQL to answer) before giving up.
    pub connect_timeout: Duration,
    /// Create a missing SQLite file (`serve`, `demo`) or insist that it exists (`check`).
    pub create_sqlite: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_connections: 8, connect_timeout: Duration::from_secs(5), create_sqlite: true }
    }
}

/// Why a database could not be opened, worded for the person who typed the URL.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "不支持的数据库地址 “{0}”：请使用 SQLite 文件路径（如 linli.db）或 postgres:// 地址 / unsupported database URL"
    )]
    UnknownScheme(String),
    #[error("数据库文件不存在：{0} / database file not found")]
    Missing(String),
    #[error(
        "{path} 不是有效的 SQLite 数据库或已损坏（{cause}）：请从备份恢复，或换一个文件 / not a valid SQLite database"
    )]
    NotADatabase { path: String, cause: String },
    #[error("无法打开数据库文件 {path}：{cause} / cannot open database file")]
    Sqlite { path: String, cause: String },
    #[error("无法连接 PostgreSQL {url}：{cause}。请确认服务已启动、地址和账号正确 / cannot reach PostgreSQL")]
    Unreachable { url: String, cause: String },
    #[error("数据库迁移失败：{0} / migration failed")]
    Migrate(String),
    #[error(
        "此数据库由更新版本的 linli 建立（迁移 {0} 不在本程序中）：请升级 linli / database is newer than this binary"
    )]
    NewerSchema(i64),
}

/// The URL with any password replaced (in the user-info part or a `password=` parameter),
/// for messages and logs.
pub fn redact_url(url: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(s), Some(at)) if at > s => match base[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &base[..s + 3], &base[at..]),
            None => base.to_owned(),
        },
        _ => base.to_owned(),
    };
    match query {
        None => base,
        Some(q) => {
            let q: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{base}?{}", q.join("&"))
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens `url`: a `postgres://` URL, or a SQLite path (`linli.db`, `sqlite://linli.db`).
    pub async fn connect(url: &str, opts: &PoolOptions) -> Result<Store, ConnectError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::connect_postgres(url, opts).await;
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.contains("://") {
            return Err(ConnectError::UnknownScheme(redact_url(url)));
        }
        Self::connect_sqlite(path, opts).await
    }

    async fn connect_sqlite(path: &str, opts: &PoolOptions) -> Result<Store, ConnectError> {
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return Err(ConnectError::UnknownScheme(String::new()));
        }
        let existed = std::path::Path::new(path).exists();
        if !opts.create_sqlite && !existed {
            return Err(ConnectError::Missing(path.to_owned()));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(opts.create_sqlite)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("temp_store", "memory")
            // 8 MiB of page cache per reading connection (the default is 2 MiB): a reader's cache
            // is emptied whenever another connection commits, so more buys little and costs
            // memory per connection. The writing connection keeps 32 MiB (`tx.rs`).
            .pragma("cache_size", "-8192")
            // Not mapped. A mapped file served reads without copying, but SQLite unmaps all of it
            // whenever a reader finds another connection has committed, and every page is faulted
            // in again: under a mix of reads and writes on the 29 GB city file a quarter of the
            // server's time went to unmapping and faulting, and the mix ran at half the rate
            // (docs/PERFORMANCE.md, sixth round).
            .pragma("mmap_size", "0")
            // Checkpoints run beside the writers, not inside a commit (`checkpoint.rs`).
            .pragma("wal_autocheckpoint", "0")
            // A log that grew under a burst of writes is cut back when it starts again.
            .pragma("journal_size_limit", "67108864");
        let pool = SqlitePoolOptions::new()
            // A file cannot hang up: sqlx's ping before each use would cost a round trip to the
            // connection's thread per query.
            .test_before_acquire(false)
            .max_connections(opts.max_connections)
            .acquire_timeout(opts.connect_timeout)
            .connect_with(options)
            .await
            .map_err(|e| sqlite_error(path, &e))?;
        // A file that is not a database opens fine and fails on the first read: read now.
        sqlx::query("SELECT count(*) FROM sqlite_master").execute(&pool).await.map_err(|e| sqlite_error(path, &e))?;
        if !existed {
            // A new database holds password hashes and blind indexes: its owner's eyes only.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
        }
        let writer = crate::tx::Writer::open(&pool);
        Ok(Store {
            _checkpointer: Some(crate::checkpoint::start(pool.clone(), writer.clone())),
            _writer: Some(writer),
            closed: Default::default(),
            db: Db::Sqlite(pool),
            description: format!("SQLite {path}"),
            keys: None,
            calendar_cache: Default::default(),
            sessions: Default::default(),
            creates: Default::default(),
            known_nodes: Default::default(),
            background_recounts: false,
        })
    }

    async fn connect_postgres(url: &str, opts: &PoolOptions) -> Result<Store, ConnectError> {
        let unreachable =
            |e: &dyn std::fmt::Display| ConnectError::Unreachable { url: redact_url(url), cause: e.to_string() };
        let options = PgConnectOptions::from_str(url).map_err(|e| unreachable(&e))?;
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections)
            .acquire_timeout(opts.connect_timeout)
            .connect_with(options)
            .await
            .map_err(|e| unreachable(&e))?;
        Ok(Store {
            _checkpointer: None,
            _writer: None,
            closed: Default::default(),
            db: Db::Postgres(pool),
            description: format!("PostgreSQL {}", redact_url(url)),
            keys: None,
            calendar_cache: Default::default(),
            sessions: Default::default(),
            creates: Default::default(),
            known_nodes: Default::default(),
            background_recounts: false,
        })
    }

    /// This store with the keys that encrypt personal data.
    /// After a bulk write, PostgreSQL's planner statistics for `tables`, so the next queries are
    /// planned for the rows now there. SQLite's plans are written not to depend on statistics
    /// (docs/PERFORMANCE.md), so there it does nothing.
    pub async fn refresh_statistics(&self, tables: &[&str]) -> StoreResult<()> {
        if let Db::Postgres(pool) = &self.db {
            for t in tables {
                // Names from the code, never from input.
                sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {t}"))).execute(pool).await?;
            }
        }
        Ok(())
    }

    /// For a server: recounts after a calendar change run in the background.
    pub fn with_background_recounts(mut self) -> Store {
        self.background_recounts = true;
        self
    }

    pub(crate) fn waits_for_background(&self) -> bool {
        !self.background_recounts
    }

    pub fn with_keys(mut self, keys: crate::privacy::Keys) -> Store {
        self.keys = Some(std::sync::Arc::new(keys));
        self
    }

    pub(crate) fn keys(&self) -> StoreResult<&crate::privacy::Keys> {
        self.keys.as_deref().ok_or(crate::StoreError::Key(crate::privacy::KeyError::Missing))
    }

    pub fn engine(&self) -> Engine {
        match self.db {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// "SQLite linli.db" or "PostgreSQL postgres://user:***@host/db", for logs and `check`.
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub(crate) fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.db {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies every embedded migration not yet applied, then loads the built-in holiday
    /// schedules into an empty calendar (a fresh install). Refuses a database from a newer linli.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let result = on_db!(self, |pool| self.migrator().run(pool).await);
        result.map_err(|e| match e {
            sqlx::migrate::MigrateError::VersionMissing(v) => ConnectError::NewerSchema(v),
            other => ConnectError::Migrate(other.to_string()),
        })?;
        self.seed_calendar_if_empty()
            .await
            .map_err(|e| ConnectError::Migrate(format!("loading the holiday schedules: {e}")))?;
        Ok(())
    }

    /// Whether the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> StoreResult<()> {
        exec_db!(self, |pool| sqlx::query("SELECT 1").execute(pool).await)?;
        Ok(())
    }

    /// How creates have been grouped since the store opened (`window/group_commit.rs`).
    pub fn create_groups(&self) -> crate::window::CreateGroups {
        self.creates.counts()
    }

    /// Runs one fixed administrative statement (`CREATE DATABASE`, a test's deliberate
    /// tampering). Never pass text that came from a user.
    pub async fn execute_admin(&self, sql: &str) -> StoreResult<u64> {
        Ok(exec_db!(self, |pool| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await)?)
    }

    /// Closes the connections. On SQLite the last store on a file closes its writing connection
    /// last, which copies the log into the file and removes it.
    pub async fn close(&self) {
        if self.closed.swap(true, std::sync::atomic::Ordering::AcqRel) {
            return; // by another clone: the writer counts each store once
        }
        on_db!(self, |pool| pool.close().await);
        if let Some(c) = &self._checkpointer {
            c.stop().await;
        }
        if let Some(w) = &self._writer {
            w.store_closed().await;
        }
    }
}

fn sqlite_error(path: &str, e: &sqlx::Error) -> ConnectError {
    let cause = e.to_string();
    // SQLITE_NOTADB (26) and SQLITE_CORRUPT (11): the file is there but is not a sound database.
    let code = e.as_database_error().and_then(|d| d.code()).map(|c| c.to_string());
    if matches!(code.as_deref(), Some("26" | "11")) || cause.contains("not a database") || cause.contains("malformed") {
        ConnectError::NotADatabase { path: path.to_owned(), cause }
    } else {
        ConnectError::Sqlite { path: path.to_owned(), cause }
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact_url("postgres://linli:s3cret@db:5432/linli"), "postgres://linli:***@db:5432/linli");
        assert_eq!(redact_url("postgres://linli@db/linli"), "postgres://linli@db/linli");
        assert_eq!(redact_url("linli.db"), "linli.db");
        assert_eq!(
            redact_url("postgres://db/linli?user=x&password=s3cret&sslmode=require"),
            "postgres://db/linli?user=x&password=***&sslmode=require"
        );
    }
}
