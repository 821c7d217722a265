//! Community profiles and organisations: edited by the community's head, read by its staff,
//! invisible to other communities; members' phones encrypted, masked, revealed with a log.

use linli_domain::community::{MemberInput, OrganisationInput, ProfileInput};
use linli_store::{Store, StoreError};
use linli_testkit::on_both_engines;

use crate::{as_user, code, demo};

// The head edits the profile; a worker reads it; another community's worker cannot see it.
async fn profile_rights_and_validation(store: Store) {
    demo(&store).await;
    let head = as_user(&store, "shuji").await;
    let main = code("350103001001");
    let p = store.acting(&head).community_profile(main).await.expect("read");
    assert_eq!((p.name.as_str(), p.street_name.as_str()), ("榕华社区", "江滨街道"));
    assert_eq!(p.households, None, "no register yet");
    let input = ProfileInput { address: "新地址 1 号".into(), area_km2: "0.5".into(), ..Default::default() };
    let updated = store.acting(&head).update_community_profile(main, &input).await.expect("update");
    assert_eq!((updated.profile.address.as_str(), updated.profile.area_km2), ("新地址 1 号", Some(0.5)));
    assert_eq!(updated.updated_by.as_deref(), Some("郑丽华 (shuji)"));

    let bad = ProfileInput { area_km2: "lots".into(), email: "nope".into(), ..Default::default() };
    let e = store.acting(&head).update_community_profile(main, &bad).await;
    assert!(matches!(e, Err(StoreError::Invalid(i)) if i.0.len() == 2));

    let worker = as_user(&store, "chuangkou").await;
    assert!(store.acting(&worker).community_profile(main).await.is_ok());
    assert!(matches!(store.acting(&worker).update_community_profile(main, &input).await, Err(StoreError::Forbidden)));
    let other = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&other).community_profile(main).await, Err(StoreError::NotFound(_))));
    let resident = as_user(&store, "jumin").await;
    assert!(matches!(store.acting(&resident).community_profile(main).await, Err(StoreError::Forbidden)));
    let street = as_user(&store, "jiedao").await;
    assert!(
        matches!(store.acting(&street).community_profile(code("350103001000")).await, Err(StoreError::NotFound(_))),
        "a street has no community profile"
    );
}

// Organisations and members: created by the head, phones masked, revealing logged and limited.
async fn organisations_members_and_reveal(store: Store) {
    demo(&store).await;
    let head = as_user(&store, "shuji").await;
    let main = code("350103001001");
    let h = store.acting(&head);
    let before = h.organisations(main).await.expect("list").len();
    let org = h
        .create_organisation(
            main,
            &OrganisationInput {
                kind: "owners_committee".into(),
                name: "榕华花园业主委员会".into(),
                responsibilities: "".into(),
            },
        )
        .await
        .expect("create");
    let org = h
        .add_member(org.id, &MemberInput { name: "许文".into(), post: "主任".into(), phone: "13912345678".into() })
        .await
        .expect("member");
    assert_eq!(org.members[0].phone_masked, "139****5678");
    assert_eq!(h.organisations(main).await.expect("list").len(), before + 1);

    let bad = h
        .create_organisation(
            main,
            &OrganisationInput { kind: "club".into(), name: "".into(), responsibilities: "".into() },
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(e)) if e.0.len() == 2));

    let member = org.members[0].id;
    assert_eq!(h.reveal_member_phone(member).await.expect("reveal"), "13912345678");
    let grid = as_user(&store, "wangge").await;
    assert_eq!(
        store.acting(&grid).reveal_member_phone(member).await.expect("grid workers call households"),
        "13912345678"
    );
    let assessor = as_user(&store, "pingshen").await;
    assert!(matches!(store.acting(&assessor).reveal_member_phone(member).await, Err(StoreError::Forbidden)));
    let other = as_user(&store, "minjiang").await;
    assert!(matches!(store.acting(&other).reveal_member_phone(member).await, Err(StoreError::NotFound(_))));
    let reveals = h.audit_entries(&Default::default(), 200, 0).await.expect("audit").0;
    assert_eq!(reveals.iter().filter(|e| e.action == "phone.reveal").count(), 2, "each reveal is logged");
    assert!(reveals.iter().all(|e| !e.summary.contains("13912345678")), "the log never holds the whole number");

    let worker = as_user(&store, "chuangkou").await;
    assert!(matches!(store.acting(&worker).set_organisation_retired(org.id, true).await, Err(StoreError::Forbidden)));
    let retired = h.set_organisation_retired(org.id, true).await.expect("retire");
    assert!(retired.retired);
    let after = h.remove_member(member).await.expect("remove");
    assert!(after.members.is_empty());
}

on_both_engines!(profile_rights_and_validation, organisations_members_and_reveal);
