//! Accounts, sign-in failures and sessions.

use linli_domain::account::UserInput;
use linli_domain::{IdNumber, password};
use linli_store::accounts::UserQuery;
use linli_store::privacy::Field;
use linli_store::{Store, StoreError};
use linli_testkit::on_both_engines;
use time::Duration;

use crate::{as_user, code, demo};

fn input(username: &str, role: &str, node: &str) -> UserInput {
    UserInput {
        username: username.into(),
        display_name: "林小丽".into(),
        role: role.into(),
        node_code: node.into(),
        phone: "13800001111".into(),
        id_number: "11010519491231002X".into(),
        access_until: String::new(),
    }
}

// The administrator creates an account with an initial password that must be changed;
// personal fields are masked in lists, found by blind index, revealed only with the right.
async fn accounts_are_created_masked_and_found(store: Store) {
    demo(&store).await;
    let admin = as_user(&store, "admin").await;
    let a = store.acting(&admin);
    let (u, initial) = a.create_user(&input("LinXL", "window_worker", "350103001002")).await.expect("create");
    assert!(u.user.must_change_password && password::check_strength(&initial, "linxl").is_ok());
    assert_eq!(u.phone_masked.as_deref(), Some("138****1111"));
    assert_eq!(u.id_number_masked.as_deref(), Some("110105********002X"));
    let (_, hash) = store.user_for_login("linxl").await.expect("query").expect("found");
    assert!(password::verify(&initial, &hash));

    let dup = a.create_user(&input("linxl", "window_worker", "350103001002")).await;
    assert!(matches!(dup, Err(StoreError::Conflict { field: "username", .. })));
    let nowhere = a.create_user(&input("nobody1", "window_worker", "350103009001")).await;
    assert!(matches!(nowhere, Err(StoreError::Invalid(e)) if e.0[0].code == "node_missing"));

    let id = IdNumber::parse("11010519491231002x", linli_store::today()).expect("valid");
    assert_eq!(a.user_by_id_number(&id).await.expect("by blind index").user.id, u.user.id);
    let (found, total) =
        a.users(&UserQuery { q: Some("林小".into()), limit: 20, ..Default::default() }).await.expect("search");
    assert_eq!((found.len(), total), (1, 1));
    let (page, total) = a.users(&UserQuery { limit: 5, offset: 5, ..Default::default() }).await.expect("page");
    assert_eq!((page.len(), total), (5, 12));

    // Staff of one community see their own accounts only; workers see none.
    let head = as_user(&store, "shuji").await;
    let (mine, _) = store.acting(&head).users(&UserQuery { limit: 50, ..Default::default() }).await.expect("list");
    assert!(mine.iter().all(|s| s.user.node_code == code("350103001001")));
    assert!(
        matches!(store.acting(&head).user(u.user.id).await, Err(StoreError::NotFound(_))),
        "another community's account"
    );
    let worker = as_user(&store, "chuangkou").await;
    assert!(matches!(store.acting(&worker).users(&UserQuery::default()).await, Err(StoreError::Forbidden)));
    assert!(matches!(
        store.acting(&head).create_user(&input("x123", "admin", "350103001001")).await,
        Err(StoreError::Forbidden)
    ));

    // Revealing: the administrator may; the log says so without the value.
    assert_eq!(a.reveal_user_field(u.user.id, Field::IdNumber).await.expect("reveal"), "11010519491231002X");
    let jumin = store.user_by_username("jumin").await.expect("resident");
    assert!(matches!(store.acting(&head).reveal_user_field(jumin.id, Field::Phone).await, Ok(p) if p == "13905910123"));
    let street = as_user(&store, "jiedao").await;
    assert!(matches!(
        store.acting(&street).reveal_user_field(jumin.id, Field::Phone).await,
        Err(StoreError::Forbidden)
    ));
}

// Editing, disabling and resetting end the sessions that carried the old state.
async fn editing_disabling_and_resetting(store: Store) {
    demo(&store).await;
    let admin = as_user(&store, "admin").await;
    let a = store.acting(&admin);
    let wang = store.user_by_username("wangge").await.expect("grid worker");
    let s = store.create_session(wang.id, Duration::hours(1), None, None).await.expect("session");
    let mut edit = input("", "social_worker", "350103001001");
    edit.display_name = "刘强".into();
    let changed = a.update_user(wang.id, &edit, linli_store::accounts::KeepBlank::NONE).await.expect("update");
    assert_eq!(changed.user.role, linli_domain::Role::SocialWorker);
    assert!(
        store.session(&s.token, Duration::minutes(30)).await.expect("query").is_none(),
        "a new role ends old sessions"
    );

    let s = store.create_session(wang.id, Duration::hours(1), None, None).await.expect("session");
    a.set_user_disabled(wang.id, true).await.expect("disable");
    assert!(store.session(&s.token, Duration::minutes(30)).await.expect("query").is_none());
    assert!(a.set_user_disabled(wang.id, false).await.expect("enable").user.disabled_at.is_none());
    let me = store.user_by_username("admin").await.expect("admin");
    assert!(
        matches!(a.set_user_disabled(me.id, true).await, Err(StoreError::Invalid(e)) if e.0[0].code == "own_account")
    );

    let initial = a.reset_user_password(wang.id).await.expect("reset");
    let (after, hash) = store.user_for_login("wangge").await.expect("query").expect("found");
    assert!(after.must_change_password && password::verify(&initial, &hash));

    // An assessor's access ends with its window.
    let mut assessor = input("pingshen2", "assessor", "350103001001");
    assessor.id_number.clear();
    let e = a.create_user(&assessor).await;
    assert!(matches!(e, Err(StoreError::Invalid(i)) if i.0[0].code == "assessor_needs_end"));
}

// Failures count up in one statement, with an audit entry, and lock at the limit; during a
// lock nothing is counted or extended; a lock that has run out starts the count afresh.
async fn login_failures_lock_and_unlock(store: Store) {
    demo(&store).await;
    let u = store.user_by_username("chuangkou").await.expect("user");
    let me = linli_store::Actor::user(&u, None);
    let fail = |limit: i32, until| store.record_password_failure(&u, &me, "session.sign_in_failed", limit, until);
    let until = linli_store::now() + Duration::minutes(15);
    for expected in 1..=4 {
        assert_eq!(fail(5, until).await.expect("count"), (expected, false));
    }
    assert!(store.user(u.id).await.expect("get").locked_until.is_none());
    assert_eq!(fail(5, until).await.expect("count"), (5, true));
    let locked = store.user(u.id).await.expect("get").locked_until;
    assert_eq!(locked, Some(linli_store::truncate(until)));
    let later = until + Duration::minutes(15);
    assert_eq!(
        fail(5, later).await.expect("count"),
        (5, false),
        "a failure during a lock neither counts nor extends it"
    );
    assert_eq!(store.user(u.id).await.expect("get").locked_until, locked);

    // A lock that has run out (written in the past here): the next failure is the first of a new count.
    let admin = as_user(&store, "admin").await;
    store.acting(&admin).unlock_user(u.id).await.expect("unlock");
    let past = linli_store::now() - Duration::minutes(1);
    assert_eq!(fail(1, past).await.expect("lock in the past"), (1, true));
    assert_eq!(fail(5, until).await.expect("count"), (1, false), "one mistake after a lock does not relock");
    assert!(store.user(u.id).await.expect("get").locked_until.is_none());
    let log = store.acting(&admin).audit_entries(&Default::default(), 100, 0).await.expect("audit").0;
    assert_eq!(log.iter().filter(|e| e.action == "user.locked").count(), 2);
    assert!(log.iter().any(|e| e.action == "session.sign_in_failed"));
}

// A session is found by its token until it expires, idles out, or is deleted.
async fn sessions_live_and_end(store: Store) {
    demo(&store).await;
    let u = store.user_by_username("chuangkou").await.expect("user");
    let idle = Duration::minutes(30);
    let a = store.create_session(u.id, Duration::hours(8), Some("127.0.0.1"), Some("test")).await.expect("a");
    let b = store.create_session(u.id, Duration::hours(8), None, None).await.expect("b");
    let (s, user) = store.session(&a.token, idle).await.expect("query").expect("live");
    assert_eq!((user.id, s.csrf_token.as_str()), (u.id, a.csrf_token.as_str()));
    assert!(store.session("not-a-token", idle).await.expect("query").is_none());
    assert!(store.session(&a.token, Duration::ZERO).await.expect("query").is_none(), "idle timeout");
    let expired = store.create_session(u.id, -Duration::seconds(1), None, None).await.expect("expired");
    assert!(store.session(&expired.token, idle).await.expect("query").is_none(), "absolute expiry");
    assert_eq!(store.purge_sessions(idle).await.expect("purge"), 1);

    // Changing one's own password keeps this session and ends the others, even one just read
    // (and so remembered: `session.rs` keeps recently read sessions).
    assert!(store.session(&b.token, idle).await.expect("query").is_some());
    let me = linli_store::Actor::user(&u, None);
    store
        .acting(&me)
        .change_own_password(&password::hash("Better#Pass9").expect("hash"), &a.token)
        .await
        .expect("change");
    assert!(store.session(&b.token, idle).await.expect("query").is_none());
    assert!(store.session(&a.token, idle).await.expect("query").is_some());
    assert_eq!(store.delete_user_sessions(u.id, None).await.expect("all"), 1);
    assert!(store.session(&a.token, idle).await.expect("query").is_none(), "ended while remembered");

    // Signing out, disabling the account and moving it to another node end a remembered
    // session at once.
    let c = store.create_session(u.id, Duration::hours(8), None, None).await.expect("c");
    assert!(store.session(&c.token, idle).await.expect("query").is_some());
    store.delete_session(&c.token).await.expect("sign out");
    assert!(store.session(&c.token, idle).await.expect("query").is_none(), "signed out");
    let admin = as_user(&store, "admin").await;
    let d = store.create_session(u.id, Duration::hours(8), None, None).await.expect("d");
    assert!(store.session(&d.token, idle).await.expect("query").is_some());
    store.acting(&admin).set_user_disabled(u.id, true).await.expect("disable");
    assert!(store.session(&d.token, idle).await.expect("query").is_none(), "disabled");
    store.acting(&admin).set_user_disabled(u.id, false).await.expect("enable");
    let e = store.create_session(u.id, Duration::hours(8), None, None).await.expect("e");
    assert!(store.session(&e.token, idle).await.expect("query").is_some());
    store.acting(&admin).reset_user_password(u.id).await.expect("reset");
    assert!(store.session(&e.token, idle).await.expect("query").is_none(), "password reset");
}

on_both_engines!(
    accounts_are_created_masked_and_found,
    editing_disabling_and_resetting,
    login_failures_lock_and_unlock,
    sessions_live_and_end
);
