//! A community's register: grids with their workers, buildings, households and residents
//! (laid out by the demo register's generator and written by the register import, so they are
//! validated, encrypted and indexed exactly as an uploaded workbook's), and a year of visits.

use std::collections::HashMap;

use linli_domain::{DivisionCode, Invalid, Role};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::GenError;
use super::names;
use super::requests::Applicant;
use super::rng::Rng;
use super::track::Who;
use super::tree::Accounts;
use super::write::{Rows, Val};
use crate::register::address;
use crate::seed_register::{Plan, import_rows, plan};
use crate::{Acting, Ts};

/// Households of about 300–500 make a grid (GB/T 34300); ~2.7 people a household, ~50 a building.
const HOUSEHOLDS_PER_GRID: usize = 450;
const PEOPLE_PER_THOUSAND_HOUSEHOLDS: usize = 2_730;
const HOUSEHOLDS_PER_BUILDING: usize = 50;

pub(crate) struct Register {
    pub households: usize,
    pub residents: usize,
    pub grid_workers: Vec<Who>,
    /// Adults with a phone, who come to the window.
    pub applicants: Vec<Applicant>,
    pub visits: Rows,
    pub digest: Vec<String>,
}

const PURPOSES: [&str; 6] =
    ["日常走访", "人口信息核查", "反诈宣传", "燃气与电动车安全排查", "医保参保缴费提醒", "防汛防台提醒"];
const CARE_PURPOSES: [&str; 4] = ["关爱走访", "独居老人探访", "健康状况了解", "节前慰问"];
const FINDINGS: [&str; 5] =
    ["家中情况正常，信息无变化", "家中无人，已留联系卡", "反映楼道灯损坏", "对社区服务满意", ""];
const CARE_FINDINGS: [&str; 4] =
    ["老人身体状况良好", "血压偏高，建议到社区卫生服务中心复查", "腿脚不便，希望有人帮忙代购", "情绪低落，需多关心"];
const FOLLOW_UPS: [&str; 3] = ["协助申请居家养老服务补贴", "转介社工跟进", "一周后复访"];

/// Lays out and writes one community's register; `residents` is approximate.
pub(crate) async fn register(
    acting: &Acting<'_>,
    accounts: &Accounts<'_>,
    rng: &mut Rng,
    community: DivisionCode,
    residents: usize,
    now: OffsetDateTime,
) -> Result<Register, GenError> {
    let today = now.to_offset(linli_domain::workflow::CHINA).date();
    let households = (residents * 1_000 / PEOPLE_PER_THOUSAND_HOUSEHOLDS).max(1);
    let grids = households.div_ceil(HOUSEHOLDS_PER_GRID).max(1);
    let compounds = names::compounds(rng);
    let compound_refs: Vec<(&str, &str)> = compounds.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let layout =
        plan(rng.next(), today, households, &compound_refs, grids, households.div_ceil(HOUSEHOLDS_PER_BUILDING));
    let mut grid_ids = Vec::with_capacity(grids);
    let mut grid_workers = Vec::with_capacity(grids);
    for g in 0..grids {
        let grid = acting.create_grid(community, &format!("{:02}", g + 1), &format!("第{}网格", g + 1)).await?;
        let username = format!("{community}.wangge{}", g + 1);
        let worker = accounts.staff(rng, &username, Role::GridWorker, community).await?;
        if let Some(id) = worker.id {
            acting.set_grid_workers(grid.id, &[id]).await?;
        }
        grid_ids.push(grid.id);
        grid_workers.push(worker);
    }
    for b in &layout.buildings {
        acting.save_building(community, None, &b.name, &b.address, grid_ids.get(b.grid).copied()).await?;
    }
    let rows = import_rows(&layout);
    let digest =
        rows.iter().map(|r| format!("{}|{}|{}", r.resident.name, r.resident.document_number, r.room)).collect();
    let import = acting.plan_import(community, rows).await?;
    if let Some(p) = import.problems.first() {
        // The layout made a row the register's rules refuse: say which, rather than import half.
        let mut errors = p.errors.clone();
        for e in &mut errors {
            e.params.push(("line", p.line.to_string()));
        }
        return Err(GenError::Invalid(Invalid(errors)));
    }
    let written = acting.commit_import(community, import, "linli gen.xlsx", &|_| {}).await?;
    let visits = visits(acting, rng, community, &layout, &grid_workers, now).await?;
    Ok(Register {
        households: layout.homes.len(),
        residents: written.created,
        applicants: applicants(&layout),
        grid_workers,
        visits,
        digest,
    })
}

fn applicants(layout: &Plan) -> Vec<Applicant> {
    let mut out = Vec::new();
    for home in &layout.homes {
        let Some(b) = layout.buildings.get(home.building) else { continue };
        for p in home.people.iter().filter(|p| p.age >= 18 && !p.phone.is_empty()) {
            out.push(Applicant {
                name: p.name.clone(),
                phone: p.phone.clone(),
                address: address(&b.name, &home.unit, &home.room),
            });
        }
    }
    out
}

/// A year of visits: vulnerable households mostly monthly (some lapsed, some never), others
/// once to three times; each by the worker of the building's grid.
async fn visits(
    acting: &Acting<'_>,
    rng: &mut Rng,
    community: DivisionCode,
    layout: &Plan,
    workers: &[Who],
    now: OffsetDateTime,
) -> Result<Rows, GenError> {
    let found: Vec<(Uuid, String, String, String, Option<Uuid>)> = on_db!(acting.store, |pool| sqlx::query_as(
        "SELECT h.id, b.name, h.unit, h.room, b.grid_id FROM household h JOIN building b ON b.id = h.building_id \
         WHERE h.community_code = $1"
    )
    .bind(community.as_str())
    .fetch_all(pool)
    .await)?;
    let ids: HashMap<String, (Uuid, Option<Uuid>)> =
        found.into_iter().map(|(id, b, u, r, g)| (address(&b, &u, &r), (id, g))).collect();
    let today = now.to_offset(linli_domain::workflow::CHINA).date();
    let mut rows = Rows::new(
        "INSERT INTO visit (id, community_code, household_id, grid_id, worker_id, worker_name, visited_on, purpose, \
         findings, follow_up, follow_up_note, created_at) ",
    );
    for home in &layout.homes {
        let (Some(b), false) = (layout.buildings.get(home.building), home.people.is_empty()) else { continue };
        let Some(&(household, grid)) = ids.get(&address(&b.name, &home.unit, &home.room)) else { continue };
        let Some(worker) = workers.get(b.grid) else { continue };
        let care = home.vulnerable();
        let mut days: Vec<i64> = Vec::new();
        if care {
            match rng.weighted(&[("monthly", 70), ("lapsed", 15), ("never", 15)]) {
                "monthly" => {
                    let mut d = rng.range(0, 24);
                    while d < 364 {
                        days.push(d);
                        d += rng.range(24, 34);
                    }
                }
                "lapsed" => days.push(rng.range(35, 200)),
                _ => {}
            }
        } else if rng.chance(0.6) {
            for _ in 0..rng.range(1, 3) {
                days.push(rng.range(0, 364));
            }
        }
        for d in days {
            let on: Date = today - Duration::days(d);
            let at = (on.midnight().assume_offset(linli_domain::workflow::CHINA)
                + Duration::minutes(rng.range(9 * 60, 17 * 60)))
            .min(now);
            let follow_up = rng.chance(if care { 0.12 } else { 0.05 });
            rows.push([
                Val::Id(rng.uuid_at(at)),
                Val::Text(community.to_string()),
                Val::Id(household),
                Val::OptId(grid),
                Val::OptId(worker.id),
                Val::Text(worker.name.clone()),
                Val::Day(on),
                Val::Str(if care { rng.pick(&CARE_PURPOSES) } else { rng.pick(&PURPOSES) }),
                Val::Str(if care { rng.pick(&CARE_FINDINGS) } else { rng.pick(&FINDINGS) }),
                Val::Bool(follow_up),
                Val::Str(if follow_up { rng.pick(&FOLLOW_UPS) } else { "" }),
                Val::At(Ts(at)),
            ]);
        }
    }
    Ok(rows)
}
