//! A fresh, migrated database per test, removed when the test ends — after its audit chains
//! have been verified, so every test of the suite also checks the audit log.

use linli_store::privacy::Keys;
use linli_store::{PoolOptions, Store};

pub use linli_store::Engine;

pub struct TestDb {
    store: Store,
    url: String,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
    /// Verify the audit chains on drop, unless a test breaks them on purpose.
    check_audit: bool,
    /// The database's key for personal data (base64), e.g. for the CLI via LINLI_SECRET_KEY.
    key: String,
}

/// The server the PostgreSQL tests use; the test command exports it when it starts its own.
pub fn pg_admin_url() -> String {
    std::env::var("LINLI_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh random key per test database: personal data is encrypted in tests as in production.
pub fn test_keys() -> Keys {
    Keys::from_base64(&Keys::generate()).expect("a generated key is valid")
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
        let (store, url, dir, drop_pg) = match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = dir.path().join("linli-test.db").display().to_string();
                let store = Store::connect(&url, &PoolOptions::default()).await.expect("open SQLite test database");
                (store, url, Some(dir), None)
            }
            Engine::Postgres => {
                let admin = pg_admin_url();
                let name = format!("linli_t_{}", uuid::Uuid::now_v7().simple());
                let admin_store = Store::connect(&admin, &PoolOptions { max_connections: 1, ..Default::default() })
                    .await
                    .unwrap_or_else(|e| {
                        panic!("PostgreSQL tests need a server at {admin} (set LINLI_TEST_PG_URL, or run scripts/test, which starts one): {e}")
                    });
                admin_store.execute_admin(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin_store.close().await;
                let url = with_database(&admin, &name);
                let store = Store::connect(&url, &PoolOptions { max_connections: 5, ..Default::default() })
                    .await
                    .expect("connect to the new test database");
                (store, url, None, Some((admin, name)))
            }
        };
        let key = Keys::generate();
        let keys = Keys::from_base64(&key).expect("a generated key is valid");
        TestDb { store: store.with_keys(keys), url, _dir: dir, drop_pg, check_audit: true, key }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The URL this database opens with, e.g. for running the CLI against it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The key (base64) the store encrypts personal data with.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// For a test that tampers with the audit log on purpose.
    pub fn skip_audit_check(&mut self) {
        self.check_audit = false;
    }
}

/// Replaces the database name of a PostgreSQL URL, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// Verifies the audit chains over a fresh connection; returns what is broken, if anything.
/// Not being able to verify counts as broken: a check that silently does not run proves nothing.
async fn audit_problems(url: &str) -> Option<String> {
    let opts = PoolOptions { max_connections: 1, create_sqlite: false, ..Default::default() };
    let store = match Store::connect(url, &opts).await {
        Ok(s) => s,
        Err(e) => return Some(format!("could not open the database to verify it: {e}")),
    };
    let verdict = store.verify_audit().await;
    store.close().await;
    match verdict {
        Ok(v) if v.broken.is_empty() => None,
        Ok(v) => Some(format!("{:?}", v.broken)),
        Err(e) => Some(format!("could not verify: {e}")),
    }
}

async fn drop_database(admin: &str, name: &str) {
    if let Ok(admin) = Store::connect(admin, &PoolOptions { max_connections: 1, ..Default::default() }).await {
        let _ = admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        admin.close().await;
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime is busy dropping us: a thread with its own
        // runtime does the work over fresh connections (FORCE ends the test pool's ones).
        let url = self.url.clone();
        let check = self.check_audit && !std::thread::panicking();
        let drop_pg = self.drop_pg.take();
        let broken = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return Some("could not start a runtime to verify the audit log".to_owned());
            };
            rt.block_on(async move {
                let broken = if check { audit_problems(&url).await } else { None };
                if let Some((admin, name)) = drop_pg {
                    drop_database(&admin, &name).await;
                }
                broken
            })
        })
        .join()
        .unwrap_or_else(|_| Some("the verification thread panicked".to_owned()));
        if let Some(b) = broken {
            panic!("the audit log of this test's database does not verify: {b}");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_and_query_kept() {
        assert_eq!(super::with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            super::with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
