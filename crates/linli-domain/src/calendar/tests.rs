use proptest::prelude::*;
use time::{Date, Month, macros::date};

use super::*;

fn cal() -> Calendar {
    Calendar::china()
}

#[test]
fn builtin_schedules_parse_and_cover_2025_and_2026() {
    let c = cal();
    assert!(c.has_year(2025) && c.has_year(2026) && !c.has_year(2027));
    // The swapped working days the notices list: 5 in 2025, 6 in 2026.
    assert_eq!(c.rules_in_year(2025).filter(|r| r.kind == DayKind::Workday).count(), 5);
    assert_eq!(c.rules_in_year(2026).filter(|r| r.kind == DayKind::Workday).count(), 6);
}

#[test]
fn spring_festival_2026_closes_nine_days_and_opens_two_saturdays() {
    let c = cal();
    for d in 15..=23 {
        let day = Date::from_calendar_date(2026, Month::February, d).expect("valid");
        assert!(!c.is_working_day(day), "{day} is 春节");
    }
    assert!(c.is_working_day(date!(2026 - 02 - 14)), "Saturday 2-14 is 调休上班");
    assert!(c.is_working_day(date!(2026 - 02 - 28)), "Saturday 2-28 is 调休上班");
    assert_eq!(c.rule(date!(2026 - 02 - 17)), Some((DayKind::Holiday, "春节")));
}

#[test]
fn a_five_day_limit_accepted_before_spring_festival_2026_runs_past_it() {
    // Accepted Thursday 2026-02-12: Fri 13, Sat 14 (调休), then the holiday to Mon 23,
    // then Tue 24, Wed 25, Thu 26.
    assert_eq!(cal().add_working_days(date!(2026 - 02 - 12), 5), date!(2026 - 02 - 26));
}

#[test]
fn national_day_2026_week() {
    let c = cal();
    // Accepted Wednesday 2026-09-30 with 3 working days: 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, 调休).
    assert_eq!(c.add_working_days(date!(2026 - 09 - 30), 3), date!(2026 - 10 - 10));
    // Mid-autumn (Fri 9-25) and the swapped Sunday 9-20 in the same month.
    assert!(!c.is_working_day(date!(2026 - 09 - 25)));
    assert!(c.is_working_day(date!(2026 - 09 - 20)));
    assert_eq!(c.working_days_between(date!(2026 - 09 - 30), date!(2026 - 10 - 10)), 3);
}

#[test]
fn national_day_2025_eight_days() {
    let c = cal();
    // 2025-09-30 (Tue) + 1 working day skips 10-01..10-08 and lands on Thu 10-09.
    assert_eq!(c.add_working_days(date!(2025 - 09 - 30), 1), date!(2025 - 10 - 09));
    // Sunday 9-28 and Saturday 10-11 are 调休 working days.
    assert!(c.is_working_day(date!(2025 - 09 - 28)) && c.is_working_day(date!(2025 - 10 - 11)));
}

#[test]
fn spring_festival_2025_and_new_year_2026_across_the_year_end() {
    let c = cal();
    // Friday 2025-01-24 + 2: Sun 01-26 (调休), Mon 01-27.
    assert_eq!(c.add_working_days(date!(2025 - 01 - 24), 2), date!(2025 - 01 - 27));
    // Wednesday 2025-12-31 + 1 skips 01-01..01-03 and lands on Sunday 2026-01-04 (调休).
    assert_eq!(c.add_working_days(date!(2025 - 12 - 31), 1), date!(2026 - 01 - 04));
}

#[test]
fn zero_days_is_same_day_and_weekends_skip_without_rules() {
    let c = Calendar::default();
    assert_eq!(c.add_working_days(date!(2027 - 03 - 06), 0), date!(2027 - 03 - 06));
    // Friday + 1 = Monday.
    assert_eq!(c.add_working_days(date!(2027 - 03 - 05), 1), date!(2027 - 03 - 08));
    assert_eq!(c.working_days_between(date!(2027 - 03 - 05), date!(2027 - 03 - 08)), 1);
    assert_eq!(c.working_days_between(date!(2027 - 03 - 08), date!(2027 - 03 - 05)), -1);
    assert_eq!(c.working_days_between(date!(2027 - 03 - 06), date!(2027 - 03 - 06)), 0);
}

#[test]
fn whole_years_have_the_published_number_of_working_days() {
    // 2026: 365 days − 104 weekend days − 19 weekday holidays + 6 swapped weekend days = 248;
    // 2025: 365 − 104 − 18 + 5 = 248. Both agree with `chinese-calendar` 1.11.
    let c = cal();
    assert_eq!(c.working_days_between(date!(2025 - 12 - 31), date!(2026 - 12 - 31)), 248);
    assert_eq!(c.working_days_between(date!(2024 - 12 - 31), date!(2025 - 12 - 31)), 248);
}

#[test]
fn text_form_round_trips_and_reports_every_bad_line() {
    let rules = Calendar::china_rules();
    let text = format_rules(rules.clone());
    assert_eq!(parse_rules(&text), Ok(rules));
    assert!(text.contains("2026-02-15..2026-02-23 holiday 春节"));

    let bad = "2027-01-01 holiday 元旦\n2027-13-01 holiday x\n2027-02-01 nap 午睡\n2027-03-01 holiday\n\
               2027-05-05..2027-05-01 holiday 反\n2027-01-01..2027-03-01 holiday 长\n2027-01-01 workday 重复\n\
               9999-12-31 holiday 远";
    let errs = parse_rules(bad).unwrap_err();
    let codes: Vec<_> = errs.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!(
        codes,
        [
            (2, "calendar_date"),
            (3, "calendar_kind"),
            (4, "calendar_name_missing"),
            (5, "calendar_range_reversed"),
            (6, "calendar_range_too_long"),
            (8, "calendar_year"),
            (0, "calendar_duplicate_day"),
        ]
    );
}

fn any_date() -> impl Strategy<Value = Date> {
    (2024i32..2028, 1u16..=365).prop_map(|(y, d)| Date::from_ordinal_date(y, d).expect("ordinal in range"))
}

proptest! {
    #[test]
    fn between_inverts_add(start in any_date(), n in 0u32..80) {
        let c = cal();
        let due = c.add_working_days(start, n);
        prop_assert_eq!(c.working_days_between(start, due), i64::from(n));
        if n > 0 {
            prop_assert!(c.is_working_day(due));
        }
    }

    #[test]
    fn between_matches_day_by_day_count(a in any_date(), b in any_date()) {
        let c = cal();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let mut n = 0i64;
        let mut d = lo;
        while d < hi {
            d = d.next_day().expect("in range");
            n += i64::from(c.is_working_day(d));
        }
        prop_assert_eq!(c.working_days_between(lo, hi), n);
        prop_assert_eq!(c.working_days_between(hi, lo), -n);
    }
}
