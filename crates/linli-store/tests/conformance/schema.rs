//! Schema alignment, migration state, the demo seed, key rotation.

use linli_domain::Role;
use linli_store::Store;
use linli_store::privacy::{Field, Keys};
use linli_testkit::{Engine, TestDb, on_both_engines, test_keys};

use crate::{as_user, code, demo};

// A fresh, migrated database passes `check`; the demo seeds once, one account per role.
async fn check_and_demo_seed(store: Store) {
    let report = store.check().await.expect("check");
    assert!(report.is_healthy(), "{report:?}");
    assert!(store.seed_demo().await.expect("seed"));
    assert!(!store.seed_demo().await.expect("seed again"), "idempotent");
    let admin = as_user(&store, "admin").await;
    let (users, _) = store
        .acting(&admin)
        .users(&linli_store::accounts::UserQuery { limit: 100, ..Default::default() })
        .await
        .expect("users");
    assert_eq!(users.len(), linli_store::seed::DEMO_USERS.len());
    let roles: std::collections::BTreeSet<Role> = users.iter().map(|u| u.user.role).collect();
    assert_eq!(roles.len(), Role::ALL.len(), "one demo user per role");
    let assessor = users.iter().find(|u| u.user.role == Role::Assessor).expect("assessor");
    assert!(assessor.user.access_until.is_some(), "the demo assessor is time-boxed");
}

// Rotation re-encrypts every personal field under the new key and rebuilds the blind index;
// running it again changes nothing; the old key no longer reads anything.
async fn key_rotation(store: Store) {
    let old = test_keys();
    let store = store.with_keys(old.clone());
    demo(&store).await;
    let jumin = store.user_by_username("jumin").await.expect("resident");
    let admin = as_user(&store, "admin").await;
    let before = store.acting(&admin).reveal_user_field(jumin.id, Field::IdNumber).await.expect("reveal");
    let new = Keys::from_base64(&Keys::generate()).expect("key");
    let op = linli_store::Actor::system("test rotate");
    let n = store.rotate_keys(&op, &old, &new).await.expect("rotate");
    assert!(n >= 8, "phones of members and accounts, and the resident's ID number: {n}");
    assert_eq!(store.rotate_keys(&op, &old, &new).await.expect("again"), 0, "nothing left to do");
    assert_eq!(store.key_fingerprint().await.expect("fingerprint"), Some(new.id()));
    let wrong = store.clone().bind_keys(old.clone()).await;
    assert!(matches!(wrong, Err(linli_store::StoreError::Key(_))), "the old key is refused now");
    let rotated = store.clone().with_keys(new);
    assert_eq!(rotated.acting(&admin).reveal_user_field(jumin.id, Field::IdNumber).await.expect("reveal"), before);
    let id = linli_domain::IdNumber::parse(&before, linli_store::today()).expect("valid");
    assert_eq!(rotated.acting(&admin).user_by_id_number(&id).await.expect("blind index").user.id, jumin.id);
    assert!(
        store.acting(&admin).reveal_user_field(jumin.id, Field::IdNumber).await.is_err(),
        "the old key no longer reads it"
    );
    assert!(rotated.acting(&admin).organisations(code("350103001001")).await.is_ok(), "members' phones decrypt");
}

on_both_engines!(check_and_demo_seed, key_rotation);

/// Tables shared by all communities (the tree, accounts, the calendar, tokens) or distributed
/// by their own node column (the audit log, by chain). Every other table belongs to one
/// community and must carry `community_code` (see DESIGN.md, scale plan).
const REFERENCE_TABLES: [&str; 9] = [
    "api_token",
    "app_user",
    "audit_head",
    "audit_log",
    "calendar_day",
    "node",
    "service_item", // distributed by its owner node (a district's catalogue serves its communities)
    "setting",
    "user_session",
];

// Both engines have the same tables and columns, and every tenant table has community_code.
#[tokio::test]
async fn schemas_are_aligned_and_tenant_tables_carry_the_community() {
    let lite = TestDb::new(Engine::Sqlite).await;
    let pg = TestDb::new(Engine::Postgres).await;
    let a = lite.store().schema_columns().await.expect("sqlite schema");
    let b = pg.store().schema_columns().await.expect("postgres schema");
    let sorted = |mut v: Vec<(String, String)>| {
        v.sort();
        v
    };
    assert_eq!(sorted(a.clone()), sorted(b), "the two migration folders have drifted");
    let mut tables: Vec<&str> = a.iter().map(|(t, _)| t.as_str()).collect();
    tables.dedup();
    for t in tables {
        let has = a.iter().any(|(tt, c)| tt == t && c == "community_code");
        assert!(has || REFERENCE_TABLES.contains(&t), "table {t} needs community_code or a place in REFERENCE_TABLES");
    }
}

// An empty database reports every migration pending; `migrate` applies them all.
#[tokio::test]
async fn unmigrated_databases_report_pending_migrations() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let db = TestDb::unmigrated(engine).await;
        let before = db.store().check().await.expect("check");
        assert!(!before.is_healthy() && !before.pending.is_empty() && before.applied.is_empty());
        db.store().migrate().await.expect("migrate");
        db.store().migrate().await.expect("migrating twice is harmless");
        assert!(db.store().check().await.expect("check").is_healthy());
    }
}

// SQLite: commits leave checkpoints to a task beside them (`checkpoint.rs`), and that task does
// copy the log into the database file while the store stays open. Read with `immutable`, the
// file alone (without its log) must come to hold everything written.
#[tokio::test]
async fn sqlite_log_reaches_the_database_file_while_open() {
    use sqlx::Connection as _;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    let db = TestDb::new(Engine::Sqlite).await;
    crate::demo(db.store()).await;
    let count = "SELECT count(*) FROM audit_log";
    let written: i64 = sqlx::query_scalar(count)
        .fetch_one(
            &mut SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(db.url())).await.expect("open"),
        )
        .await
        .expect("count through the log");
    assert!(written > 10, "the demo writes audit entries");
    let file_only = SqliteConnectOptions::new().filename(db.url()).immutable(true).read_only(true);
    let mut copied = 0;
    for _ in 0..100 {
        let mut c = SqliteConnection::connect_with(&file_only).await.expect("open the file alone");
        copied = sqlx::query_scalar(count).fetch_one(&mut c).await.unwrap_or(0);
        c.close().await.expect("close");
        if copied == written {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(copied, written, "the database file holds every entry within five seconds, the store still open");
}
