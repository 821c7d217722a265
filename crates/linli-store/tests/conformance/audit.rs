//! The audit log: every change and reveal recorded, chains verify, tampering is detected.

use linli_domain::community::ProfileInput;
use linli_store::audit::AuditFilter;
use linli_store::{Store, StoreError};
use linli_testkit::{Engine, TestDb, on_both_engines};

use crate::{as_user, code, demo};

// Entries name who did what to what, are filtered by the reader's subtree, and the chains verify.
async fn changes_are_recorded_and_scoped(store: Store) {
    demo(&store).await;
    let head = as_user(&store, "shuji").await;
    let input = ProfileInput { address: "审计路 1 号".into(), ..Default::default() };
    store.acting(&head).update_community_profile(code("350103001001"), &input).await.expect("update");
    let (entries, total) = store.acting(&head).audit_entries(&AuditFilter::default(), 50, 0).await.expect("read");
    assert!(total >= 1);
    let e = entries.iter().find(|e| e.action == "community.update").expect("entry");
    assert_eq!(
        (e.actor_name.as_str(), e.chain.as_str(), e.ip.as_deref()),
        ("郑丽华 (shuji)", "350103001001", Some("127.0.0.1"))
    );
    assert!(e.summary.contains("审计路 1 号"));
    let filtered = AuditFilter { action: Some("community".into()), ..Default::default() };
    let (only, _) = store.acting(&head).audit_entries(&filtered, 50, 0).await.expect("filter");
    assert!(only.iter().all(|e| e.action.starts_with("community")));

    let other = as_user(&store, "minjiang").await;
    let other_reads = store.acting(&other).audit_entries(&AuditFilter::default(), 50, 0).await;
    assert!(matches!(other_reads, Err(StoreError::Forbidden)), "window workers do not read the audit log");
    let street_b = as_user(&store, "jiedao").await;
    let (street_entries, _) =
        store.acting(&street_b).audit_entries(&AuditFilter::default(), 500, 0).await.expect("read");
    assert!(street_entries.iter().all(|e| e.chain.starts_with("350103001")));
    assert!(matches!(store.acting(&head).audit_export(&AuditFilter::default(), 100).await, Err(StoreError::Forbidden)));
    let rows = store.acting(&street_b).audit_export(&AuditFilter::default(), 100).await.expect("export");
    assert!(!rows.is_empty());

    let v = store.verify_audit().await.expect("verify");
    assert!(v.broken.is_empty() && v.entries > 10 && v.chains >= 2, "{v:?}");
}

on_both_engines!(changes_are_recorded_and_scoped);

// The log refuses updates and deletes; and if someone gets past that, verification notices.
#[tokio::test]
async fn tampering_is_refused_and_detected() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let mut db = TestDb::new(engine).await;
        db.skip_audit_check();
        let store = db.store();
        demo(store).await;
        let refused = store.execute_admin("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 1").await;
        assert!(refused.is_err(), "{engine:?}: the trigger refuses updates");
        assert!(store.execute_admin("DELETE FROM audit_log").await.is_err(), "{engine:?}: and deletes");
        let drop_triggers: &[&str] = match engine {
            Engine::Sqlite => &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
            Engine::Postgres => &["DROP TRIGGER audit_log_no_update ON audit_log"],
        };
        for sql in drop_triggers {
            store.execute_admin(sql).await.expect("an attacker with database access drops the triggers");
        }
        store
            .execute_admin("UPDATE audit_log SET summary = '{\"address\":\"forged\"}' WHERE id = (SELECT min(id) FROM audit_log WHERE action = 'community.update')")
            .await
            .expect("alter a row by hand");
        let v = store.verify_audit().await.expect("verify");
        assert_eq!(v.broken.len(), 1, "{engine:?}: {v:?}");
        assert_eq!(v.broken[0].reason, "entry altered");
        store
            .execute_admin("DELETE FROM audit_log WHERE seq = 2 AND chain = '350103001001'")
            .await
            .expect("delete a row");
        let v = store.verify_audit().await.expect("verify");
        assert!(v.broken.iter().any(|b| b.reason == "missing or extra entry"), "{engine:?}: {v:?}");
        // Removing the newest entries of a chain, or a whole chain, is caught by the heads.
        store
            .execute_admin(
                "DELETE FROM audit_log WHERE chain = '350103001001' \
                 AND seq = (SELECT max(seq) FROM audit_log WHERE chain = '350103001001')",
            )
            .await
            .expect("delete the newest");
        let v = store.verify_audit().await.expect("verify");
        let reasons: Vec<&str> = v.broken.iter().map(|b| b.reason).collect();
        assert!(reasons.contains(&"newest entries missing"), "{engine:?}: {reasons:?}");
        assert_eq!(v.anchor.len(), 64);
        store.execute_admin("DELETE FROM audit_log WHERE chain = '350103001001'").await.expect("delete a chain");
        let v = store.verify_audit().await.expect("verify");
        assert!(v.broken.iter().any(|b| b.reason == "chain missing"), "{engine:?}: {v:?}");
    }
}
