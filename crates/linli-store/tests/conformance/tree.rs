//! The administrative tree: creating, renaming and retiring nodes, within one's subtree.

use linli_store::{Store, StoreError};
use linli_testkit::on_both_engines;

use crate::{as_user, code, demo, system};

// A node needs its parent; duplicates conflict; bad names are named; subtrees exclude siblings.
async fn nodes_form_a_tree(store: Store) {
    let sys = system();
    let a = store.acting(&sys);
    let orphan = a.create_node(code("350103001001"), "榕华社区").await;
    assert!(matches!(orphan, Err(StoreError::Invalid(e)) if e.0[0].code == "division_parent_missing"));
    demo(&store).await;
    let dup = a.create_node(code("350103001001"), "重复").await;
    assert!(matches!(dup, Err(StoreError::Conflict { field: "code", .. })), "{dup:?}");
    let blank = a.create_node(code("350103001004"), "  ").await;
    assert!(matches!(blank, Err(StoreError::Invalid(e)) if e.0[0].field == "name"));

    let street = as_user(&store, "jiedao").await;
    let seen: Vec<String> =
        store.acting(&street).nodes().await.expect("list").iter().map(|n| n.code.to_string()).collect();
    assert_eq!(seen, ["350103001000", "350103001001", "350103001002", "350103001003"]);
    assert!(
        matches!(store.acting(&street).node(code("350103002001")).await, Err(StoreError::NotFound(_))),
        "other street"
    );
    assert!(matches!(store.node(code("350103009001")).await, Err(StoreError::NotFound("node"))));
}

// Only administrators change the tree, and only inside their subtree; retiring needs the
// children retired first and keeps the node.
async fn renaming_and_retiring(store: Store) {
    demo(&store).await;
    let admin = as_user(&store, "admin").await;
    let a = store.acting(&admin);
    let worker = as_user(&store, "chuangkou").await;
    let w = store.acting(&worker);
    assert!(matches!(w.rename_node(code("350103001001"), "新名").await, Err(StoreError::Forbidden)));
    assert!(matches!(w.create_node(code("350103001009"), "新社区").await, Err(StoreError::Forbidden)));

    let n = a.rename_node(code("350103001003"), "茉莉花社区").await.expect("rename");
    assert_eq!(n.name, "茉莉花社区");
    let busy = a.set_node_retired(code("350103001000"), true).await;
    assert!(matches!(busy, Err(StoreError::Invalid(e)) if e.0[0].code == "node_has_active_children"));
    let retired = a.set_node_retired(code("350103001003"), true).await.expect("retire");
    assert!(retired.retired_at.is_some());
    assert!(store.node(code("350103001003")).await.is_ok(), "retired nodes keep their record");
    assert!(a.create_node(code("350103001004"), "新社区").await.is_ok(), "siblings of a retired node are fine");
    assert!(a.set_node_retired(code("350103001003"), false).await.expect("reinstate").retired_at.is_none());

    // A new province is beyond a provincial administrator.
    assert!(matches!(a.create_node(code("440000000000"), "广东省").await, Err(StoreError::Forbidden)));
    let entries = store.acting(&admin).audit_entries(&Default::default(), 100, 0).await.expect("audit").0;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for expected in ["node.rename", "node.retire", "node.reinstate", "node.create"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
}

on_both_engines!(nodes_form_a_tree, renaming_and_retiring);
