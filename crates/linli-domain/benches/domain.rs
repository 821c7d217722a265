//! Hot domain paths (issue 7): ID number validation, working-day arithmetic and deadlines,
//! and the rights check every store operation starts with.
//!
//! `cargo bench -p linli-domain --bench domain` (divan; optimised build).

use std::collections::BTreeSet;

use divan::black_box;
use linli_domain::calendar::{Calendar, deadline};
use linli_domain::ids::check_char;
use linli_domain::rights::{Rights, TokenScope};
use linli_domain::workflow::{Limit, due_at};
use linli_domain::{Action, DivisionCode, IdNumber, Phone, Principal, Resource, Role};
use time::macros::{date, datetime};

fn main() {
    divan::main();
}

/// 100 valid ID numbers born 1940–2015 in Fuzhou, check digits computed, as a register holds.
fn id_numbers() -> Vec<String> {
    (0..100u32)
        .map(|i| {
            let first17 = format!("350103{}{:02}{:02}{:03}", 1940 + (i * 7) % 76, 1 + i % 12, 1 + i % 28, i);
            let check = char::from(check_char(first17.as_bytes()));
            format!("{first17}{check}")
        })
        .collect()
}

#[divan::bench]
fn id_number_valid(bencher: divan::Bencher) {
    let ids = id_numbers();
    let today = date!(2026 - 11 - 29);
    bencher.bench(|| {
        for id in &ids {
            black_box(IdNumber::parse(black_box(id), today).is_ok());
        }
    });
}

#[divan::bench]
fn id_number_bad_checksum(bencher: divan::Bencher) {
    // The last digit shifted by one: every number fails only at the final check.
    let ids: Vec<String> = id_numbers()
        .into_iter()
        .map(|mut s| {
            let last = if s.ends_with('0') { '1' } else { '0' };
            s.pop();
            s.push(last);
            s
        })
        .collect();
    let today = date!(2026 - 11 - 29);
    bencher.bench(|| {
        for id in &ids {
            black_box(IdNumber::parse(black_box(id), today).is_err());
        }
    });
}

#[divan::bench]
fn phone_parse(bencher: divan::Bencher) {
    let phones: Vec<String> = (0..100u32).map(|i| format!("1380591{i:04}")).collect();
    bencher.bench(|| {
        for p in &phones {
            black_box(Phone::parse(black_box(p)).is_ok());
        }
    });
}

#[divan::bench]
fn calendar_china_build() -> Calendar {
    Calendar::china()
}

/// A request's deadline: 1–20 working days from a day in 2026, across the holidays.
#[divan::bench(args = [1, 5, 20])]
fn add_working_days(bencher: divan::Bencher, n: u32) {
    let cal = Calendar::china();
    // The Friday before the Spring Festival week: the worst case of the year.
    let start = date!(2026 - 02 - 13);
    bencher.bench(|| cal.add_working_days(black_box(start), black_box(n)));
}

#[divan::bench]
fn working_days_between_year(bencher: divan::Bencher) {
    let cal = Calendar::china();
    bencher.bench(|| cal.working_days_between(black_box(date!(2026 - 01 - 01)), black_box(date!(2026 - 12 - 31))));
}

#[divan::bench]
fn deadline_20_days(bencher: divan::Bencher) {
    let cal = Calendar::china();
    bencher.bench(|| deadline(&cal, black_box(date!(2026 - 09 - 28)), black_box(20)));
}

/// What the store computes on every intake: the due moment (end of the last working day, CST).
#[divan::bench]
fn due_at_working_days(bencher: divan::Bencher) {
    let cal = Calendar::china();
    let start = datetime!(2026-09-28 09:15 +8);
    bencher.bench(|| due_at(&cal, black_box(start), black_box(Limit::WorkingDays(20))));
}

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).expect("valid code in the bench")
}

/// A window worker taking a request in their own community: the check that passes.
#[divan::bench]
fn rights_check_allowed(bencher: divan::Bencher) {
    let p = Principal { rights: Rights::Role(Role::WindowWorker), node: Some(code("350103001001")) };
    let target = code("350103001001");
    bencher.bench(|| p.check(black_box(Resource::ServiceRequest), black_box(Action::Create), black_box(&target)));
}

/// A supervisor trying to create one (no right): the matrix is walked to its end.
#[divan::bench]
fn rights_check_denied(bencher: divan::Bencher) {
    let p = Principal { rights: Rights::Role(Role::Supervisor), node: Some(code("350103000000")) };
    let target = code("350103001001");
    bencher.bench(|| p.check(black_box(Resource::ServiceRequest), black_box(Action::Create), black_box(&target)));
}

/// A community worker's target outside their subtree.
#[divan::bench]
fn rights_check_out_of_scope(bencher: divan::Bencher) {
    let p = Principal { rights: Rights::Role(Role::WindowWorker), node: Some(code("350103001001")) };
    let target = code("350103001002");
    bencher.bench(|| p.check(black_box(Resource::ServiceRequest), black_box(Action::Read), black_box(&target)));
}

/// An API token holding every grantable scope.
#[divan::bench]
fn rights_check_token(bencher: divan::Bencher) {
    let scopes: BTreeSet<TokenScope> = TokenScope::all_grantable().collect();
    let p = Principal { rights: Rights::Scopes(scopes), node: Some(code("350103000000")) };
    let target = code("350103001001");
    bencher.bench(|| p.check(black_box(Resource::ServiceRequest), black_box(Action::Update), black_box(&target)));
}

#[divan::bench]
fn division_code_parse() -> bool {
    DivisionCode::parse(black_box("350103001001")).is_ok()
}
