//! The storage conformance suite: every test here runs on SQLite and on PostgreSQL.

use linli_domain::calendar::{DayKind, DayRule};
use linli_domain::{Calendar, DivisionCode, Role, Username, password};
use linli_store::user::NewUser;
use linli_store::{Store, StoreError};
use linli_testkit::{Engine, TestDb, on_both_engines};
use time::Duration;
use time::macros::date;

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).expect("valid code in test")
}

async fn tree(store: &Store) {
    for (c, n) in [
        ("350000000000", "福建省"),
        ("350100000000", "福州市"),
        ("350103000000", "台江区"),
        ("350103001000", "江滨街道"),
        ("350103001001", "榕华社区"),
        ("350103001002", "闽江社区"),
        ("350103002000", "南湖街道"),
        ("350103002001", "荔园社区"),
    ] {
        store.create_node(code(c), n).await.expect("create node");
    }
}

fn new_user(username: &str, role: Role, node: &str) -> NewUser {
    NewUser {
        username: Username::parse(username).expect("valid username"),
        display_name: "王芳".into(),
        role,
        node_code: code(node),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into(),
        must_change_password: true,
    }
}

// A node needs its parent; a duplicate code is a conflict; a subtree never includes siblings.
async fn nodes_form_a_tree(store: Store) {
    let orphan = store.create_node(code("350103001001"), "榕华社区").await;
    assert!(
        matches!(orphan, Err(StoreError::Invalid(e)) if e.0[0].code == "division_parent_missing")
    );
    tree(&store).await;
    let dup = store.create_node(code("350103001001"), "重复").await;
    assert!(
        matches!(dup, Err(StoreError::Conflict { field: "code", .. })),
        "{dup:?}"
    );
    let blank = store.create_node(code("350103001003"), "  ").await;
    assert!(matches!(blank, Err(StoreError::Invalid(e)) if e.0[0].field == "name"));

    let street: Vec<String> = store
        .nodes_under(code("350103001000"))
        .await
        .expect("list")
        .iter()
        .map(|n| n.code.to_string())
        .collect();
    assert_eq!(street, ["350103001000", "350103001001", "350103001002"]);
    let node = store.node(code("350103001001")).await.expect("get");
    assert_eq!(
        (node.name.as_str(), node.parent_code),
        ("榕华社区", Some(code("350103001000")))
    );
    assert!(matches!(
        store.node(code("350103009001")).await,
        Err(StoreError::NotFound("node"))
    ));
    assert_eq!(store.root_nodes().await.expect("roots").len(), 1);
}

// Usernames are unique regardless of case; lookups find the account and its hash.
async fn users_are_unique_and_found_for_login(store: Store) {
    tree(&store).await;
    let u = store
        .create_user(&new_user("WangFang", Role::WindowWorker, "350103001001"))
        .await
        .expect("create");
    assert_eq!(
        (u.username.as_str(), u.role, u.must_change_password),
        ("wangfang", Role::WindowWorker, true)
    );
    let dup = store
        .create_user(&new_user("wangfang", Role::GridWorker, "350103001002"))
        .await;
    assert!(
        matches!(
            dup,
            Err(StoreError::Conflict {
                field: "username",
                ..
            })
        ),
        "{dup:?}"
    );
    let nowhere = store
        .create_user(&new_user("lisi", Role::GridWorker, "350103009001"))
        .await;
    assert!(
        matches!(nowhere, Err(StoreError::NotFound("node"))),
        "{nowhere:?}"
    );

    let (found, hash) = store
        .user_for_login(" WANGFANG ")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(found, u);
    assert!(hash.starts_with("$argon2id$"));
    assert!(
        store
            .user_for_login("nobody")
            .await
            .expect("query")
            .is_none()
    );

    store
        .create_user(&new_user("lisi", Role::GridWorker, "350103002001"))
        .await
        .expect("create");
    let under_street: Vec<String> = store
        .users_under(code("350103001000"))
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(under_street, ["wangfang"]);
}

// Failures count up in one statement and lock at the limit; success and a new password clear them.
async fn login_failures_lock_and_unlock(store: Store) {
    tree(&store).await;
    let u = store
        .create_user(&new_user("wangfang", Role::WindowWorker, "350103001001"))
        .await
        .expect("create");
    let until = linli_store::now() + Duration::minutes(15);
    for expected in 1..=4 {
        assert_eq!(
            store
                .record_login_failure(u.id, 5, until)
                .await
                .expect("count"),
            expected
        );
    }
    assert!(store.user(u.id).await.expect("get").locked_until.is_none());
    assert_eq!(
        store
            .record_login_failure(u.id, 5, until)
            .await
            .expect("count"),
        5
    );
    assert_eq!(
        store.user(u.id).await.expect("get").locked_until,
        Some(until)
    );

    store
        .set_password(u.id, &password::hash("Linli@2026").expect("hash"), false)
        .await
        .expect("set");
    let after = store.user(u.id).await.expect("get");
    assert_eq!(
        (
            after.failed_logins,
            after.locked_until,
            after.must_change_password
        ),
        (0, None, false)
    );
    let (_, hash) = store
        .user_for_login("wangfang")
        .await
        .expect("query")
        .expect("found");
    assert!(password::verify("Linli@2026", &hash));
}

// A session is found by its token until it expires, idles out, or is deleted.
async fn sessions_live_and_end(store: Store) {
    tree(&store).await;
    let u = store
        .create_user(&new_user("wangfang", Role::WindowWorker, "350103001001"))
        .await
        .expect("create");
    let idle = Duration::minutes(30);
    let a = store
        .create_session(u.id, Duration::hours(8), Some("127.0.0.1"), Some("test"))
        .await
        .expect("a");
    let b = store
        .create_session(u.id, Duration::hours(8), None, None)
        .await
        .expect("b");
    let (s, user) = store
        .session(&a.token, idle)
        .await
        .expect("query")
        .expect("live");
    assert_eq!(
        (user.id, s.csrf_token.as_str()),
        (u.id, a.csrf_token.as_str())
    );
    assert!(
        store
            .session("not-a-token", idle)
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        store
            .session(&a.token, Duration::ZERO)
            .await
            .expect("query")
            .is_none(),
        "idle timeout"
    );

    let expired = store
        .create_session(u.id, -Duration::seconds(1), None, None)
        .await
        .expect("expired");
    assert!(
        store
            .session(&expired.token, idle)
            .await
            .expect("query")
            .is_none(),
        "absolute expiry"
    );
    assert_eq!(store.purge_sessions(idle).await.expect("purge"), 1);

    assert_eq!(
        store
            .delete_user_sessions(u.id, Some(&a.token))
            .await
            .expect("others"),
        1
    );
    assert!(
        store
            .session(&b.token, idle)
            .await
            .expect("query")
            .is_none()
    );
    assert!(
        store
            .session(&a.token, idle)
            .await
            .expect("query")
            .is_some()
    );
    store.delete_session(&a.token).await.expect("delete");
    assert!(
        store
            .session(&a.token, idle)
            .await
            .expect("query")
            .is_none()
    );
}

// Migrating a new database loads the built-in calendar; a year is replaced all-or-nothing.
async fn calendar_is_stored_and_replaced_whole(store: Store) {
    assert!(
        !store.seed_calendar_if_empty().await.expect("seed again"),
        "migrate already seeded it"
    );
    let cal = store.calendar().await.expect("load");
    let builtin = Calendar::china();
    for y in [2025, 2026] {
        assert_eq!(
            cal.rules_in_year(y).collect::<Vec<_>>(),
            builtin.rules_in_year(y).collect::<Vec<_>>()
        );
    }
    assert_eq!(
        cal.add_working_days(date!(2026 - 02 - 12), 5),
        date!(2026 - 02 - 26)
    );

    let rule = |d, k, n: &str| DayRule {
        date: d,
        kind: k,
        name: n.into(),
    };
    let bad = [
        rule(date!(2027 - 01 - 01), DayKind::Holiday, "元旦"),
        rule(date!(2028 - 01 - 01), DayKind::Holiday, "元旦"),
    ];
    let err = store.replace_calendar_year(2027, &bad, "admin").await;
    assert!(matches!(err, Err(StoreError::Invalid(e)) if e.0[0].code == "calendar_outside_year"));
    let dup = [
        rule(date!(2027 - 01 - 01), DayKind::Holiday, "元旦"),
        rule(date!(2027 - 01 - 01), DayKind::Workday, "x"),
    ];
    assert!(
        store
            .replace_calendar_year(2027, &dup, "admin")
            .await
            .is_err()
    );
    assert!(
        !store.calendar().await.expect("load").has_year(2027),
        "nothing written by a failed load"
    );

    store
        .replace_calendar_year(2027, &bad[..1], "admin")
        .await
        .expect("load 2027");
    store
        .set_calendar_day(
            &rule(date!(2027 - 02 - 06), DayKind::Holiday, "春节"),
            "admin",
        )
        .await
        .expect("set");
    store
        .set_calendar_day(
            &rule(date!(2027 - 02 - 06), DayKind::Workday, "调休"),
            "admin",
        )
        .await
        .expect("change");
    let cal = store.calendar().await.expect("load");
    assert_eq!(
        cal.rule(date!(2027 - 02 - 06)),
        Some((DayKind::Workday, "调休"))
    );
    store
        .delete_calendar_day(date!(2027 - 02 - 06))
        .await
        .expect("delete");
    assert!(matches!(
        store.delete_calendar_day(date!(2027 - 02 - 06)).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store
            .replace_calendar_year(2026, &[], "admin")
            .await
            .expect("clear"),
        0
    );
    assert!(!store.calendar().await.expect("load").has_year(2026));
    assert!(store.calendar().await.expect("load").has_year(2025));
}

// Times come back exactly as written (microseconds, UTC) on both engines.
async fn times_round_trip_exactly(store: Store) {
    tree(&store).await;
    let u = store
        .create_user(&new_user("wangfang", Role::WindowWorker, "350103001001"))
        .await
        .expect("create");
    let until = linli_store::truncate(time::OffsetDateTime::now_utc() + Duration::minutes(15));
    store
        .record_login_failure(u.id, 1, until)
        .await
        .expect("lock");
    assert_eq!(
        store.user(u.id).await.expect("get").locked_until,
        Some(until)
    );
}

// A fresh, migrated database passes `check`; the demo seeds once.
async fn check_and_demo_seed(store: Store) {
    let report = store.check().await.expect("check");
    assert!(report.is_healthy(), "{report:?}");
    assert!(!report.applied.is_empty());
    assert!(store.seed_demo().await.expect("seed"));
    assert!(!store.seed_demo().await.expect("seed again"), "idempotent");
    let users = store
        .users_under(code("350000000000"))
        .await
        .expect("users");
    assert_eq!(users.len(), linli_store::seed::DEMO_USERS.len());
    let roles: std::collections::BTreeSet<Role> = users.iter().map(|u| u.role).collect();
    assert_eq!(roles.len(), Role::ALL.len(), "one demo user per role");
}

on_both_engines!(
    nodes_form_a_tree,
    users_are_unique_and_found_for_login,
    login_failures_lock_and_unlock,
    sessions_live_and_end,
    calendar_is_stored_and_replaced_whole,
    times_round_trip_exactly,
    check_and_demo_seed,
);

/// Tables that are shared by all communities (the tree, accounts, the calendar). Every other
/// table belongs to a community and must carry `community_code`, so the schema can be
/// distributed by community (see DESIGN.md, scale plan).
const REFERENCE_TABLES: [&str; 4] = ["app_user", "calendar_day", "node", "user_session"];

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
    assert_eq!(
        sorted(a.clone()),
        sorted(b),
        "the two migration folders have drifted"
    );
    let mut tables: Vec<&str> = a.iter().map(|(t, _)| t.as_str()).collect();
    tables.dedup();
    for t in tables {
        let has = a.iter().any(|(tt, c)| tt == t && c == "community_code");
        assert!(
            has || REFERENCE_TABLES.contains(&t),
            "table {t} needs community_code or a place in REFERENCE_TABLES"
        );
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
        db.store()
            .migrate()
            .await
            .expect("migrating twice is harmless");
        assert!(db.store().check().await.expect("check").is_healthy());
    }
}
