//! API tokens: scoped to a node and a set of rights, revocable, expiring, stored hashed.

use linli_store::{Store, StoreError};
use linli_testkit::on_both_engines;

use crate::{as_user, code, demo};

async fn tokens_carry_only_their_scopes(store: Store) {
    demo(&store).await;
    let admin = as_user(&store, "admin").await;
    let a = store.acting(&admin);
    let scopes = vec!["node:read".to_owned(), "community:read".to_owned()];
    let (t, secret) = a.create_token("政务热线", code("350103001000"), &scopes, Some(30)).await.expect("create");
    assert!(secret.starts_with("linli_") && t.expires_at.is_some());
    assert!(!a.tokens().await.expect("list").iter().any(|x| x.name.contains(&secret)));

    let bad = a.create_token("", code("350103001000"), &["user:create".to_owned(), "nope".to_owned()], Some(0)).await;
    let Err(StoreError::Invalid(e)) = bad else { panic!("expected field errors, got {bad:?}") };
    let codes: Vec<&str> = e.0.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["required", "token_scope", "token_scope", "token_days"]);

    let actor = store.token_actor(&secret, None).await.expect("query").expect("valid token");
    let t_acting = store.acting(&actor);
    assert!(t_acting.community_profile(code("350103001001")).await.is_ok(), "in its subtree, with its scope");
    assert!(
        matches!(t_acting.community_profile(code("350103002001")).await, Err(StoreError::NotFound(_))),
        "another street"
    );
    assert!(matches!(t_acting.users(&Default::default()).await, Err(StoreError::Forbidden)), "no scope for accounts");
    assert!(store.token_actor("linli_forged", None).await.expect("query").is_none());

    let worker = as_user(&store, "chuangkou").await;
    assert!(matches!(
        store.acting(&worker).create_token("x", code("350103001001"), &scopes, None).await,
        Err(StoreError::Forbidden)
    ));
    a.revoke_token(t.id).await.expect("revoke");
    assert!(store.token_actor(&secret, None).await.expect("query").is_none(), "revoked tokens stop working");
}

on_both_engines!(tokens_carry_only_their_scopes);
