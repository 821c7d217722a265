//! A fresh, migrated database per test, removed when the test ends.

use linli_store::{PoolOptions, Store};

pub use linli_store::Engine;

pub struct TestDb {
    store: Store,
    url: String,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

/// The server the PostgreSQL tests use; the test command exports it when it starts its own.
pub fn pg_admin_url() -> String {
    std::env::var("LINLI_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

impl TestDb {
    /// A new empty database on `engine`, migrated to the current schema.
    pub async fn new(engine: Engine) -> TestDb {
        let db = Self::unmigrated(engine).await;
        if let Err(e) = db.store.migrate().await {
            panic!("migrating the test database failed: {e}");
        }
        db
    }

    /// A new empty database with no schema at all (for migration tests).
    pub async fn unmigrated(engine: Engine) -> TestDb {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = dir.path().join("linli-test.db").display().to_string();
                let store = Store::connect(&url, &PoolOptions::default())
                    .await
                    .expect("open SQLite test database");
                TestDb {
                    store,
                    url,
                    _dir: Some(dir),
                    drop_pg: None,
                }
            }
            Engine::Postgres => {
                let admin = pg_admin_url();
                let name = format!("linli_t_{}", uuid::Uuid::now_v7().simple());
                let admin_store = Store::connect(&admin, &PoolOptions { max_connections: 1, ..Default::default() })
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL tests need a server at {admin} (set LINLI_TEST_PG_URL, or run scripts/test, which starts one): {e}")
                    });
                admin_store
                    .execute_admin(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin_store.close().await;
                let url = with_database(&admin, &name);
                let store = Store::connect(
                    &url,
                    &PoolOptions {
                        max_connections: 5,
                        ..Default::default()
                    },
                )
                .await
                .expect("connect to the new test database");
                TestDb {
                    store,
                    url,
                    _dir: None,
                    drop_pg: Some((admin, name)),
                }
            }
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The URL this database opens with, e.g. for running the CLI against it.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Replaces the database name of a PostgreSQL URL, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.drop_pg.take() else {
            return;
        };
        // Drop cannot await, and the test's runtime is busy dropping us: a thread with its own
        // runtime drops the database; FORCE ends the test pool's connections server-side.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = Store::connect(
                    &admin,
                    &PoolOptions {
                        max_connections: 1,
                        ..Default::default()
                    },
                )
                .await
                {
                    let _ = admin
                        .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_and_query_kept() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
