//! The stored working-day calendar.

use linli_domain::Calendar;
use linli_domain::calendar::{DayKind, DayRule};
use linli_store::{Store, StoreError};
use linli_testkit::on_both_engines;
use time::macros::date;

use crate::{as_user, demo, system};

// Migrating loads the built-in calendar; a year is replaced all-or-nothing; only
// administrators edit it.
async fn calendar_is_stored_and_replaced_whole(store: Store) {
    assert!(!store.seed_calendar_if_empty().await.expect("seed again"), "migrate already seeded it");
    let cal = store.calendar().await.expect("load");
    let builtin = Calendar::china();
    for y in [2025, 2026] {
        assert_eq!(cal.rules_in_year(y).collect::<Vec<_>>(), builtin.rules_in_year(y).collect::<Vec<_>>());
    }
    assert_eq!(cal.add_working_days(date!(2026 - 02 - 12), 5), date!(2026 - 02 - 26));

    let sys = system();
    let a = store.acting(&sys);
    let rule = |d, k, n: &str| DayRule { date: d, kind: k, name: n.into() };
    let bad =
        [rule(date!(2027 - 01 - 01), DayKind::Holiday, "元旦"), rule(date!(2028 - 01 - 01), DayKind::Holiday, "元旦")];
    let err = a.replace_calendar_year(2027, &bad).await;
    assert!(matches!(err, Err(StoreError::Invalid(e)) if e.0[0].code == "calendar_outside_year"));
    let dup =
        [rule(date!(2027 - 01 - 01), DayKind::Holiday, "元旦"), rule(date!(2027 - 01 - 01), DayKind::Workday, "x")];
    assert!(a.replace_calendar_year(2027, &dup).await.is_err());
    assert!(!store.calendar().await.expect("load").has_year(2027), "nothing written by a failed load");
    assert!(
        matches!(a.replace_calendar_year(1999, &[]).await, Err(StoreError::Invalid(e)) if e.0[0].code == "calendar_year")
    );

    a.replace_calendar_year(2027, &bad[..1]).await.expect("load 2027");
    a.set_calendar_day(&rule(date!(2027 - 02 - 06), DayKind::Holiday, "春节")).await.expect("set");
    a.set_calendar_day(&rule(date!(2027 - 02 - 06), DayKind::Workday, "调休")).await.expect("change");
    assert_eq!(store.calendar().await.expect("load").rule(date!(2027 - 02 - 06)), Some((DayKind::Workday, "调休")));
    a.delete_calendar_day(date!(2027 - 02 - 06)).await.expect("delete");
    assert!(matches!(a.delete_calendar_day(date!(2027 - 02 - 06)).await, Err(StoreError::NotFound(_))));

    demo(&store).await;
    let worker = as_user(&store, "chuangkou").await;
    let refused = store.acting(&worker).set_calendar_day(&rule(date!(2027 - 03 - 01), DayKind::Holiday, "x")).await;
    assert!(matches!(refused, Err(StoreError::Forbidden)));
}

on_both_engines!(calendar_is_stored_and_replaced_whole);
