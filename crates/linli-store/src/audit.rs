//! The audit log: who did what, to what, when, from where — append-only and hash-chained.
//!
//! Each node has its own chain (entry n stores the hash of entry n−1), so communities never
//! wait for each other's writes and a chain can move with its community when the database is
//! distributed. An entry is appended in the same transaction as the change it records, so a
//! change without its entry (or the reverse) cannot happen. `Store::verify_audit` recomputes
//! every chain; altering, inserting or deleting a row breaks it.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Postgres, Sqlite};
use time::OffsetDateTime;

use crate::acting::{Acting, Actor};
use crate::batch::{Batch, RunBatch as _};
use crate::{Store, StoreResult, Ts, now};

/// Runs the statements of `$body` in one write transaction (`$tx` names it), appends `$entry`
/// to the audit log in the same transaction, and commits: a change and its record are stored
/// together or not at all. Yields `Result<(), sqlx::Error>`; `?` inside stays inside.
macro_rules! audited {
    ($acting:expr, $entry:expr, |$tx:ident| $body:block) => {{
        use $crate::audit::AuditTx as _;
        use $crate::tx::WritePool as _;
        let done: Result<(), sqlx::Error> = on_db!($acting.store, |pool| async {
            #[allow(unused_mut)] // a body that only reads, e.g. a ledger's export
            let mut $tx = pool.begin_write().await?;
            $body
            $tx.finish_audited($acting.actor, $entry).await
        }
        .await);
        done
    }};
}

/// The chain for changes that belong to no node (the calendar, changes made at the shell).
pub const GLOBAL_CHAIN: &str = "global";

/// What happened, before it is stamped with time, actor and hash.
#[derive(Debug, Clone)]
pub struct Entry {
    pub chain: String,
    /// `resource.verb`, e.g. `node.create`, `user.password_reset`, `phone.reveal`.
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    /// Before/after summary; never whole personal data (mask it first).
    pub summary: Value,
}

impl Entry {
    pub fn new(
        chain: impl Into<String>,
        action: &'static str,
        target_type: &'static str,
        target_id: impl Into<String>,
        summary: Value,
    ) -> Self {
        Entry { chain: chain.into(), action, target_type, target_id: target_id.into(), summary }
    }
}

/// A stored entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Record {
    pub id: i64,
    pub chain: String,
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub summary: String,
    pub ip: Option<String>,
    #[serde(skip)]
    pub prev_hash: Vec<u8>,
    #[serde(skip)]
    pub hash: Vec<u8>,
}

/// The hash of an entry: SHA-256 over length-prefixed fields, ending with the previous hash.
fn entry_hash(r: &Record) -> Vec<u8> {
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    field(r.chain.as_bytes());
    field(&r.seq.to_be_bytes());
    field(Ts(r.at).text().as_bytes());
    field(r.actor_kind.as_bytes());
    field(r.actor_id.as_deref().unwrap_or("").as_bytes());
    field(r.actor_name.as_bytes());
    field(r.action.as_bytes());
    field(r.target_type.as_bytes());
    field(r.target_id.as_bytes());
    field(r.summary.as_bytes());
    field(r.ip.as_deref().unwrap_or("").as_bytes());
    field(&r.prev_hash);
    h.finalize().to_vec()
}

/// SHA-256 over every chain head, in chain order.
fn anchor_of(heads: &[(String, i64, Vec<u8>)]) -> String {
    let mut h = Sha256::new();
    for (chain, seq, hash) in heads {
        h.update(chain.as_bytes());
        h.update(seq.to_be_bytes());
        h.update(hash);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A chain's last entry, as its `seq` and hash; none for a chain not yet begun.
pub(crate) type Head = Option<(i64, Vec<u8>)>;

/// The entry as it is written after `head`: stamped with its time, actor and hash.
pub(crate) fn stamp(actor: &Actor, entry: &Entry, head: Head) -> Record {
    let (seq, prev_hash) = head.map_or((1, Vec::new()), |(s, h)| (s + 1, h));
    let mut r = Record {
        id: 0,
        chain: entry.chain.clone(),
        seq,
        at: now(),
        actor_kind: actor.who.kind().to_owned(),
        actor_id: actor.who.id(),
        actor_name: actor.name.clone(),
        action: entry.action.to_owned(),
        target_type: entry.target_type.to_owned(),
        target_id: entry.target_id.clone(),
        summary: entry.summary.to_string(),
        ip: actor.ip.clone(),
        prev_hash,
        hash: Vec::new(),
    };
    r.hash = entry_hash(&r);
    r
}

/// Writes `r` and moves its chain's head to it. The head must have been read under the chain's
/// lock in the same transaction (see [`AuditTx::append_audit`]).
pub(crate) fn push_record(b: &mut Batch, r: &Record) {
    b.push(
        "INSERT INTO audit_log (chain, seq, at, actor_kind, actor_id, actor_name, action, target_type, \
         target_id, summary, ip, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&r.chain)
    .bind(r.seq)
    .bind(Ts(r.at))
    .bind(&r.actor_kind)
    .bind(r.actor_id.clone())
    .bind(&r.actor_name)
    .bind(&r.action)
    .bind(&r.target_type)
    .bind(&r.target_id)
    .bind(&r.summary)
    .bind(r.ip.clone())
    .bind(r.prev_hash.clone())
    .bind(r.hash.clone());
    b.push(
        "INSERT INTO audit_head (chain, seq, hash) VALUES ($1, $2, $3) \
         ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(&r.chain)
    .bind(r.seq)
    .bind(r.hash.clone());
}

/// Appending to the audit log inside an open write transaction.
pub(crate) trait AuditTx {
    /// Takes the chain's lock where the engine needs one and reads its head, for
    /// [`stamp`] and [`push_record`] to append with the transaction's other rows.
    async fn audit_head(&mut self, chain: &str) -> Result<Head, sqlx::Error>;
    async fn append_audit(&mut self, actor: &Actor, entry: &Entry) -> Result<(), sqlx::Error>;
    /// Appends the entry and commits, the entry travelling with the `COMMIT` on SQLite.
    async fn finish_audited(self, actor: &Actor, entry: &Entry) -> Result<(), sqlx::Error>;
    /// The entry stamped on its chain's head, as a batch with the new head.
    async fn record_batch(&mut self, actor: &Actor, entry: &Entry) -> Result<Batch, sqlx::Error> {
        let head = self.audit_head(&entry.chain).await?;
        let mut b = Batch::new();
        push_record(&mut b, &stamp(actor, entry, head));
        Ok(b)
    }
}

/// One body for both engines; `$lock` serialises appends to one chain where the engine needs it.
macro_rules! impl_audit_tx {
    ($db:ty, $lock:expr) => {
        impl AuditTx for crate::tx::WriteTx<$db> {
            async fn audit_head(&mut self, chain: &str) -> Result<Head, sqlx::Error> {
                let lock: Option<&'static str> = $lock;
                if let Some(sql) = lock {
                    sqlx::query(sql).bind(chain).execute(&mut **self).await?;
                }
                sqlx::query_as("SELECT seq, hash FROM audit_head WHERE chain = $1")
                    .bind(chain)
                    .fetch_optional(&mut **self)
                    .await
            }

            async fn append_audit(&mut self, actor: &Actor, entry: &Entry) -> Result<(), sqlx::Error> {
                let b = self.record_batch(actor, entry).await?;
                self.run(b).await
            }

            async fn finish_audited(mut self, actor: &Actor, entry: &Entry) -> Result<(), sqlx::Error> {
                let b = self.record_batch(actor, entry).await?;
                self.finish(b).await
            }
        }
    };
}

impl_audit_tx!(Sqlite, None);
impl_audit_tx!(Postgres, Some("SELECT pg_advisory_xact_lock(hashtext($1))"));

/// Filters for the audit page and export.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
}

/// A chain that failed verification, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    pub chain: String,
    pub seq: i64,
    pub reason: &'static str,
}

/// Verification of every chain.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub chains: usize,
    pub entries: usize,
    pub broken: Vec<Broken>,
    /// SHA-256 over every chain head: record it outside the database (a weekly message to the
    /// street office, the operator's log); a later verification whose anchor does not descend
    /// from it shows a rewritten log even if someone recomputed every hash.
    pub anchor: String,
}

impl Store {
    /// Appends one entry in its own transaction (for events that change nothing else, such as
    /// a sign-in or a reveal).
    pub async fn record(&self, actor: &Actor, entry: &Entry) -> StoreResult<()> {
        use crate::tx::WritePool;
        let done: Result<(), sqlx::Error> = on_db!(self, |pool| async {
            let mut tx = pool.begin_write().await?;
            tx.append_audit(actor, entry).await?;
            tx.commit().await
        }
        .await);
        Ok(done?)
    }

    /// Recomputes every chain from its first entry.
    pub async fn verify_audit(&self) -> StoreResult<Verification> {
        const PAGE: i64 = 2000;
        let mut v = Verification { chains: 0, entries: 0, broken: Vec::new(), anchor: String::new() };
        let mut ends: Vec<(String, i64, Vec<u8>)> = Vec::new();
        let mut last: Option<Record> = None;
        let mut after_chain = String::new();
        let mut after_seq = 0i64;
        loop {
            let rows: Vec<Record> = on_db!(self, |pool| {
                sqlx::query_as(
                "SELECT id, chain, seq, at, actor_kind, actor_id, actor_name, action, target_type, target_id, summary, \
                 ip, prev_hash, hash FROM audit_log WHERE chain > $1 OR (chain = $1 AND seq > $2) \
                 ORDER BY chain, seq LIMIT $3"
            )
            .bind(&after_chain)
            .bind(after_seq)
            .bind(PAGE)
            .fetch_all(pool)
            .await
            })?;
            let n = rows.len();
            for r in rows {
                let new_chain = last.as_ref().is_none_or(|l| l.chain != r.chain);
                if new_chain {
                    v.chains += 1;
                }
                v.entries += 1;
                let (expected_seq, expected_prev) = match &last {
                    Some(l) if !new_chain => (l.seq + 1, l.hash.clone()),
                    _ => (1, Vec::new()),
                };
                let broken = |reason| Broken { chain: r.chain.clone(), seq: r.seq, reason };
                if r.seq != expected_seq {
                    v.broken.push(broken("missing or extra entry"));
                } else if r.prev_hash != expected_prev {
                    v.broken.push(broken("previous hash does not match"));
                } else if entry_hash(&r) != r.hash {
                    v.broken.push(broken("entry altered"));
                }
                after_chain.clone_from(&r.chain);
                after_seq = r.seq;
                match ends.last_mut() {
                    Some(end) if end.0 == r.chain => {
                        end.1 = r.seq;
                        end.2.clone_from(&r.hash);
                    }
                    _ => ends.push((r.chain.clone(), r.seq, r.hash.clone())),
                }
                last = Some(r);
            }
            if n < PAGE as usize {
                break;
            }
        }
        self.compare_heads(&ends, &mut v).await?;
        Ok(v)
    }

    /// The newest entry of every chain must be its recorded head: otherwise entries were
    /// removed from the end, or a whole chain was.
    async fn compare_heads(&self, ends: &[(String, i64, Vec<u8>)], v: &mut Verification) -> StoreResult<()> {
        let heads: Vec<(String, i64, Vec<u8>)> =
            on_db!(self, |pool| sqlx::query_as("SELECT chain, seq, hash FROM audit_head ORDER BY chain")
                .fetch_all(pool)
                .await)?;
        for (chain, seq, hash) in &heads {
            match ends.iter().find(|e| &e.0 == chain) {
                None => v.broken.push(Broken { chain: chain.clone(), seq: *seq, reason: "chain missing" }),
                Some(e) if e.1 < *seq => {
                    v.broken.push(Broken { chain: chain.clone(), seq: e.1 + 1, reason: "newest entries missing" })
                }
                Some(e) if e.1 > *seq || e.2 != *hash => {
                    v.broken.push(Broken { chain: chain.clone(), seq: e.1, reason: "head does not match" })
                }
                Some(_) => {}
            }
        }
        for e in ends.iter().filter(|e| !heads.iter().any(|h| h.0 == e.0)) {
            v.broken.push(Broken { chain: e.0.clone(), seq: e.1, reason: "head missing" });
        }
        v.anchor = anchor_of(&heads);
        Ok(())
    }

    /// The anchor of the log as it stands (cheap: reads only the chain heads). Logged daily
    /// by the server and printed by `linli audit verify`, to be kept outside the database.
    pub async fn audit_anchor(&self) -> StoreResult<String> {
        let heads: Vec<(String, i64, Vec<u8>)> =
            on_db!(self, |pool| sqlx::query_as("SELECT chain, seq, hash FROM audit_head ORDER BY chain")
                .fetch_all(pool)
                .await)?;
        Ok(anchor_of(&heads))
    }
}

impl Acting<'_> {
    /// Audit entries the actor may read (their subtree's chains; the global chain for
    /// administrators), newest first.
    pub async fn audit_entries(&self, f: &AuditFilter, limit: i64, offset: i64) -> StoreResult<(Vec<Record>, i64)> {
        self.check_right(linli_domain::Resource::Audit, linli_domain::Action::Read)?;
        let global =
            self.actor.principal.role() == Some(linli_domain::Role::Admin) || self.actor.principal.node.is_none();
        let like = |s: &Option<String>| s.as_ref().map(|v| format!("%{}%", escape_like(v.trim())));
        let where_sql = "WHERE (chain LIKE $1 OR ($2 AND chain = 'global')) \
             AND ($3 IS NULL OR actor_name LIKE $3 ESCAPE '\\') \
             AND ($4 IS NULL OR action LIKE $4 ESCAPE '\\') \
             AND ($5 IS NULL OR target_id LIKE $5 ESCAPE '\\' OR target_type LIKE $5 ESCAPE '\\') \
             AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7)";
        let list_sql = format!(
            "SELECT id, chain, seq, at, actor_kind, actor_id, actor_name, action, target_type, target_id, summary, ip, \
             prev_hash, hash FROM audit_log {where_sql} ORDER BY at DESC, id DESC LIMIT $8 OFFSET $9"
        );
        let count_sql = format!("SELECT count(*) FROM audit_log {where_sql}");
        let (pattern, actor, action, target) = (self.scope_pattern(), like(&f.actor), like(&f.action), like(&f.target));
        let (from, to) = (f.from.map(Ts), f.to.map(Ts));
        let rows: Vec<Record> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(list_sql.as_str()))
            .bind(&pattern)
            .bind(global)
            .bind(&actor)
            .bind(&action)
            .bind(&target)
            .bind(from)
            .bind(to)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)?;
        let total: i64 = on_db!(self.store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.as_str()))
            .bind(&pattern)
            .bind(global)
            .bind(&actor)
            .bind(&action)
            .bind(&target)
            .bind(from)
            .bind(to)
            .fetch_one(pool)
            .await)?;
        Ok((rows, total))
    }

    /// Exporting is its own right, and is itself recorded.
    pub async fn audit_export(&self, f: &AuditFilter, max: i64) -> StoreResult<Vec<Record>> {
        self.check_right(linli_domain::Resource::Audit, linli_domain::Action::Export)?;
        let (rows, total) = self.audit_entries(f, max, 0).await?;
        let chain = self.actor.principal.node.map(|n| n.to_string()).unwrap_or_else(|| GLOBAL_CHAIN.to_owned());
        let summary = serde_json::json!({ "rows": rows.len(), "matching": total });
        self.store.record(self.actor, &Entry::new(chain, "audit.export", "audit", "", summary)).await?;
        Ok(rows)
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
