//! `linli check`: is the database sound, and is its schema the one this binary expects?

use serde::Serialize;

use crate::{Engine, Store, StoreResult};

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub database: String,
    /// Problems the engine itself reports (SQLite `integrity_check`, `foreign_key_check`).
    pub integrity_problems: Vec<String>,
    pub applied: Vec<i64>,
    /// Embedded migrations not yet applied (`linli migrate` applies them).
    pub pending: Vec<i64>,
    /// Applied migrations whose text differs from the embedded one: edited after release.
    pub modified: Vec<i64>,
    /// Applied migrations this binary does not know: the database is from a newer linli.
    pub unknown: Vec<i64>,
    /// Migrations that started but did not finish.
    pub failed: Vec<i64>,
}

impl CheckReport {
    pub fn is_healthy(&self) -> bool {
        self.integrity_problems.is_empty()
            && self.pending.is_empty()
            && self.modified.is_empty()
            && self.unknown.is_empty()
            && self.failed.is_empty()
    }
}

#[derive(sqlx::FromRow)]
struct Applied {
    version: i64,
    checksum: Vec<u8>,
    success: bool,
}

impl Store {
    pub async fn check(&self) -> StoreResult<CheckReport> {
        let mut problems = Vec::new();
        if let crate::db::Db::Sqlite(pool) = &self.db {
            let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(pool).await?;
            problems.extend(rows.into_iter().filter(|r| r != "ok"));
            let fk: Vec<(String, i64, String, i64)> =
                sqlx::query_as("PRAGMA foreign_key_check").fetch_all(pool).await?;
            problems.extend(
                fk.into_iter()
                    .map(|(table, rowid, parent, _)| format!("{table} row {rowid}: missing {parent} (foreign key)")),
            );
        }
        let exists = self.has_table("_sqlx_migrations").await?;
        let applied: Vec<Applied> = if exists {
            on_db!(self, |pool| sqlx::query_as(
                "SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version"
            )
            .fetch_all(pool)
            .await)?
        } else {
            Vec::new()
        };
        let embedded = self.migrator();
        let known = |v: i64| embedded.iter().find(|m| m.version == v && !m.migration_type.is_down_migration());
        let mut report = CheckReport {
            database: self.describe().to_owned(),
            integrity_problems: problems,
            applied: applied.iter().filter(|a| a.success).map(|a| a.version).collect(),
            pending: embedded
                .iter()
                .filter(|m| !m.migration_type.is_down_migration())
                .filter(|m| !applied.iter().any(|a| a.version == m.version))
                .map(|m| m.version)
                .collect(),
            modified: Vec::new(),
            unknown: Vec::new(),
            failed: applied.iter().filter(|a| !a.success).map(|a| a.version).collect(),
        };
        for a in &applied {
            match known(a.version) {
                None => report.unknown.push(a.version),
                Some(m) if *m.checksum != *a.checksum => report.modified.push(a.version),
                Some(_) => {}
            }
        }
        Ok(report)
    }

    /// Whether a table exists, on either engine.
    pub async fn has_table(&self, name: &str) -> StoreResult<bool> {
        let n: i64 = match self.engine() {
            Engine::Sqlite => on_db!(self, |pool| sqlx::query_scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
            )
            .bind(name)
            .fetch_one(pool)
            .await)?,
            Engine::Postgres => on_db!(self, |pool| {
                sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
            )
            .bind(name)
            .fetch_one(pool)
            .await
            })?,
        };
        Ok(n > 0)
    }

    /// Every table and its columns, for schema tests (tenant columns, engine alignment).
    pub async fn schema_columns(&self) -> StoreResult<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = match self.engine() {
            Engine::Sqlite => on_db!(self, |pool| {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' \
                 ORDER BY m.name, p.cid",
                )
                .fetch_all(pool)
                .await
            })?,
            Engine::Postgres => on_db!(self, |pool| sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' \
                 ORDER BY table_name, ordinal_position"
            )
            .fetch_all(pool)
            .await)?,
        };
        Ok(rows)
    }
}
