//! The bare ceiling linli's load figures are measured against (issue 7): the same HTTP
//! framework (axum) and database engine (sqlx, SQLite with linli's pragmas or PostgreSQL)
//! inserting and listing rows of a service request's shape — `work_item` plus
//! `service_request`, in one write transaction — with no authentication, validation, rights,
//! calendar, numbering sequence or audit.
//!
//! `POST /communities/{code}/requests` inserts one request; `GET /communities/{code}/requests
//! ?state=in_progress&limit=20` lists a page ordered by deadline, as linli's queue does. The
//! tables are prefixed `ceiling_` and recreated at start, so pointing this at a database never
//! touches linli's own tables.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(version, about = "linli 的裸基线服务 / the bare ceiling server for linli's load figures")]
struct Args {
    /// A SQLite file path or a postgres:// URL (its `ceiling_*` tables are recreated).
    #[arg(long, default_value = "/tmp/linli-ceiling.db")]
    db: String,
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Pool size; linli's default is 8.
    #[arg(long, default_value_t = 8)]
    max_connections: u32,
    /// Rows to insert before serving, so the list has data of a realistic size to sort.
    #[arg(long, default_value_t = 1000)]
    seed: u64,
    /// Communities the seeded rows belong to (comma-separated division codes).
    #[arg(long, value_delimiter = ',', default_value = "350103001001,350103001002")]
    communities: Vec<String>,
}

#[derive(Clone, Debug)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool and `$ts` to that engine's way of
/// binding a time (SQLite keeps linli's fixed-width text, PostgreSQL a timestamptz).
macro_rules! on_db {
    ($db:expr, |$pool:ident, $ts:ident| $body:expr) => {
        match $db {
            Db::Sqlite($pool) => {
                let $ts = sqlite_ts;
                $body
            }
            Db::Postgres($pool) => {
                let $ts = pg_ts;
                $body
            }
        }
    };
}

/// linli's `Ts`: six fraction digits and `Z`, so text order is time order.
fn sqlite_ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

fn pg_ts(t: OffsetDateTime) -> OffsetDateTime {
    t
}

trait WritePool {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl WritePool for SqlitePool {
    type Db = sqlx::Sqlite;
    /// As linli: the write lock at BEGIN, so writers queue on the busy timeout.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl WritePool for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

const SQLITE_SCHEMA: &[&str] = &[
    "DROP TABLE IF EXISTS ceiling_service_request",
    "DROP TABLE IF EXISTS ceiling_work_item",
    "CREATE TABLE ceiling_work_item (
        id BLOB PRIMARY KEY, community_code TEXT NOT NULL, kind TEXT NOT NULL, number TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL, title TEXT NOT NULL, owner_id BLOB, owner_name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL, accepted_at TEXT, due_at TEXT, closed_at TEXT, updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1) STRICT",
    "CREATE INDEX ceiling_work_item_queue ON ceiling_work_item (community_code, kind, state, due_at)",
    "CREATE INDEX ceiling_work_item_created ON ceiling_work_item (community_code, kind, created_at)",
    "CREATE INDEX ceiling_work_item_owner ON ceiling_work_item (owner_id, state)",
    "CREATE TABLE ceiling_service_request (
        work_item_id BLOB PRIMARY KEY REFERENCES ceiling_work_item (id), community_code TEXT NOT NULL,
        item_id BLOB NOT NULL, item_name TEXT NOT NULL, time_limit_days INTEGER NOT NULL, source TEXT NOT NULL,
        mode TEXT NOT NULL, applicant_name TEXT NOT NULL, phone_enc BLOB NOT NULL, phone_idx BLOB NOT NULL,
        applicant_user_id BLOB, address TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
        field_values TEXT NOT NULL, missing TEXT NOT NULL, transfer_office TEXT NOT NULL DEFAULT '',
        transfer_due_at TEXT, token TEXT UNIQUE) STRICT",
    "CREATE INDEX ceiling_service_request_item ON ceiling_service_request (item_id)",
];

const POSTGRES_SCHEMA: &[&str] = &[
    "DROP TABLE IF EXISTS ceiling_service_request",
    "DROP TABLE IF EXISTS ceiling_work_item",
    "CREATE TABLE ceiling_work_item (
        id UUID PRIMARY KEY, community_code TEXT NOT NULL, kind TEXT NOT NULL, number TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL, title TEXT NOT NULL, owner_id UUID, owner_name TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL, accepted_at TIMESTAMPTZ, due_at TIMESTAMPTZ, closed_at TIMESTAMPTZ,
        updated_at TIMESTAMPTZ NOT NULL, version INTEGER NOT NULL DEFAULT 1)",
    "CREATE INDEX ceiling_work_item_queue ON ceiling_work_item (community_code, kind, state, due_at)",
    "CREATE INDEX ceiling_work_item_created ON ceiling_work_item (community_code, kind, created_at)",
    "CREATE INDEX ceiling_work_item_owner ON ceiling_work_item (owner_id, state)",
    "CREATE TABLE ceiling_service_request (
        work_item_id UUID PRIMARY KEY REFERENCES ceiling_work_item (id), community_code TEXT NOT NULL,
        item_id UUID NOT NULL, item_name TEXT NOT NULL, time_limit_days INTEGER NOT NULL, source TEXT NOT NULL,
        mode TEXT NOT NULL, applicant_name TEXT NOT NULL, phone_enc BYTEA NOT NULL, phone_idx BYTEA NOT NULL,
        applicant_user_id UUID, address TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
        field_values TEXT NOT NULL, missing TEXT NOT NULL, transfer_office TEXT NOT NULL DEFAULT '',
        transfer_due_at TIMESTAMPTZ, token TEXT UNIQUE)",
    "CREATE INDEX ceiling_service_request_item ON ceiling_service_request (item_id)",
];

async fn connect(url: &str, max: u32) -> Result<Db> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = PgConnectOptions::from_str(url).context("PostgreSQL URL")?;
        let pool = PgPoolOptions::new().max_connections(max).connect_with(options).await.context("PostgreSQL")?;
        for s in POSTGRES_SCHEMA {
            sqlx::query(*s).execute(&pool).await.with_context(|| format!("schema: {s}"))?;
        }
        return Ok(Db::Postgres(pool));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    // linli's pragmas (crates/linli-store/src/db.rs), so the engine does the same work per row —
    // except checkpoints: the ceiling keeps SQLite's own, inside the commit that fills the log.
    // It has no writing turn held across the commit (linli's `tx.rs`), so they hold up only the
    // connection that runs them, and moving them out is linli's answer to its turn, not the
    // engine's work per row.
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .pragma("temp_store", "memory")
        .pragma("cache_size", "-8192")
        .pragma("mmap_size", "0");
    // Nor does it ping a file before each use, as linli does not: the least work for the job.
    let pool = SqlitePoolOptions::new()
        .max_connections(max)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .context("SQLite")?;
    for s in SQLITE_SCHEMA {
        sqlx::query(*s).execute(&pool).await.with_context(|| format!("schema: {s}"))?;
    }
    Ok(Db::Sqlite(pool))
}

#[derive(Clone)]
struct App {
    db: Db,
    /// Numbers must be unique; a process counter is the least work that guarantees it.
    seq: Arc<AtomicU64>,
}

/// What a window worker types; the rest of the row is filled in as linli would.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewRequest {
    item_name: String,
    applicant_name: String,
    applicant_phone: String,
    address: String,
    description: String,
    /// The state to store; `in_progress` (accepted at once) by default.
    state: String,
}

/// A row of both tables, ready to bind.
struct Row {
    id: Uuid,
    community: String,
    number: String,
    state: String,
    item_name: String,
    applicant_name: String,
    phone: Vec<u8>,
    address: String,
    description: String,
    created: OffsetDateTime,
    due: OffsetDateTime,
}

impl App {
    fn row(&self, community: &str, r: NewRequest) -> Row {
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let created = OffsetDateTime::now_utc();
        let created = created.replace_nanosecond(created.microsecond() * 1000).unwrap_or(created);
        let state = if r.state.is_empty() { "in_progress".to_owned() } else { r.state };
        // Spread deadlines like real limits (0–20 days) so the ORDER BY has work to do.
        let due = created + time::Duration::days((n % 21) as i64);
        Row {
            id: Uuid::now_v7(),
            community: community.to_owned(),
            number: format!(
                "{community}-{:04}{:02}{:02}-{n:06}",
                created.year(),
                u8::from(created.month()),
                created.day()
            ),
            state,
            item_name: if r.item_name.is_empty() { "居住证明".to_owned() } else { r.item_name },
            applicant_name: r.applicant_name,
            // linli stores the phone encrypted (AES-GCM) with an HMAC index: same sizes here.
            phone: r.applicant_phone.into_bytes().into_iter().chain([0u8; 28]).collect(),
            address: r.address,
            description: r.description,
            created,
            due,
        }
    }

    async fn insert(&self, rows: Vec<Row>) -> Result<(), sqlx::Error> {
        on_db!(&self.db, |pool, ts| {
            let mut tx = pool.begin_write().await?;
            for r in rows {
                sqlx::query(
                    "INSERT INTO ceiling_work_item (id, community_code, kind, number, state, title, owner_id, \
                     owner_name, created_at, accepted_at, due_at, updated_at) \
                     VALUES ($1, $2, 'service_request', $3, $4, $5, $6, $7, $8, $8, $9, $8)",
                )
                .bind(r.id)
                .bind(&r.community)
                .bind(&r.number)
                .bind(&r.state)
                .bind(&r.item_name)
                .bind(r.id)
                .bind("王芳")
                .bind(ts(r.created))
                .bind(ts(r.due))
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO ceiling_service_request (work_item_id, community_code, item_id, item_name, \
                     time_limit_days, source, mode, applicant_name, phone_enc, phone_idx, address, description, \
                     field_values, missing) \
                     VALUES ($1, $2, $3, $4, 10, 'window', 'window', $5, $6, $7, $8, $9, '[]', '[]')",
                )
                .bind(r.id)
                .bind(&r.community)
                .bind(r.id)
                .bind(&r.item_name)
                .bind(&r.applicant_name)
                .bind(&r.phone)
                .bind(&r.phone[..32.min(r.phone.len())])
                .bind(&r.address)
                .bind(&r.description)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        })
    }
}

fn internal(e: sqlx::Error) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}

async fn create(
    State(app): State<App>,
    Path(code): Path<String>,
    Json(body): Json<NewRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), Response> {
    let row = app.row(&code, body);
    let out = json!({ "id": row.id, "number": row.number, "state": row.state });
    app.insert(vec![row]).await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListParams {
    state: String,
    limit: Option<i64>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
struct QueueRow {
    id: Uuid,
    number: String,
    state: String,
    item_name: String,
    applicant_name: String,
    owner_name: String,
    source: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    due_at: Option<OffsetDateTime>,
}

/// The queue's query without linli's search, owner filter, window total and urgency.
async fn list(
    State(app): State<App>,
    Path(code): Path<String>,
    Query(p): Query<ListParams>,
) -> Result<Json<serde_json::Value>, Response> {
    let state = if p.state.is_empty() { "in_progress" } else { p.state.as_str() };
    let limit = p.limit.unwrap_or(20).clamp(1, 200);
    let sql = "SELECT w.id, w.number, w.state, r.item_name, r.applicant_name, w.owner_name, r.source, \
               w.created_at, w.due_at FROM ceiling_work_item w \
               JOIN ceiling_service_request r ON r.work_item_id = w.id \
               WHERE w.community_code = $1 AND w.kind = 'service_request' AND w.state = $2 \
               ORDER BY w.due_at LIMIT $3";
    let rows: Vec<QueueRow> = on_db!(&app.db, |pool, _ts| sqlx::query_as(sql)
        .bind(&code)
        .bind(state)
        .bind(limit)
        .fetch_all(pool)
        .await
        .map_err(internal)?);
    Ok(Json(json!({ "items": rows })))
}

/// Fills the tables in batches so the list sorts as many rows as linli's does.
async fn seed(app: &App, n: u64, communities: &[String]) -> Result<()> {
    const STATES: [&str; 6] = ["in_progress", "completed", "archived", "archived", "awaiting_materials", "in_progress"];
    let mut left = n;
    let mut i = 0usize;
    while left > 0 {
        let batch = left.min(1000);
        let rows = (0..batch)
            .map(|_| {
                i += 1;
                let community = &communities[i % communities.len().max(1)];
                let r = NewRequest {
                    applicant_name: format!("居民{i}"),
                    applicant_phone: format!("138{:08}", i % 100_000_000),
                    state: STATES[i % STATES.len()].to_owned(),
                    ..NewRequest::default()
                };
                app.row(community, r)
            })
            .collect();
        app.insert(rows).await?;
        left -= batch;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    anyhow::ensure!(!args.communities.is_empty(), "--communities needs at least one code");
    let db = connect(&args.db, args.max_connections).await?;
    let app = App { db, seq: Arc::new(AtomicU64::new(0)) };
    seed(&app, args.seed, &args.communities).await?;
    let router = Router::new().route("/communities/{code}/requests", get(list).post(create)).with_state(app);
    let listener = tokio::net::TcpListener::bind(&args.listen).await.context("listen")?;
    // The bench script reads the port from this line.
    println!("listening on http://{}", listener.local_addr()?);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
