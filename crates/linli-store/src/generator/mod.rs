//! `linli gen`: deterministic synthetic data at community, district or city scale, made with
//! the app's own rules and written in bulk.
//!
//! The tree, accounts, grids, buildings and catalogue go through the app's operations (few
//! rows, audited as usual). Residents go through the register import (validated, encrypted
//! and indexed as an uploaded workbook; one audit entry per community). A year of requests,
//! ratings, rectifications, complaints and visits is built in memory — every form checked by
//! the domain's validation, every move by its flow's declaration, every deadline by the
//! working-day calendar — and written with multi-row INSERTs in one transaction per community.
//! Those bulk rows get no audit entry each (the app would write one per move) and no outbox
//! notifications (nobody is to be texted about last year); everything pages and figures read
//! — items, their history, numbers and daily sequences — is written as the app writes it.
//!
//! The same seed on the same day gives the same data (names, ID numbers, numbers, states and
//! times); dates are anchored to the day of the run so the last twelve months are always full.

mod codes;
mod names;
mod people;
mod requests;
mod rng;
mod track;
mod tree;
mod write;

use std::collections::HashMap;

use linli_domain::workflow::MoveError;
use linli_domain::{DivisionCode, Invalid, Role, password};
use sha2::{Digest, Sha256};

pub use requests::YearCounts;

use crate::seed::DEMO_PASSWORD;
use crate::{Actor, Store, StoreError};
use requests::Desk;
use rng::Rng;
use track::Who;
use tree::Accounts;
use write::WriteRows as _;

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 0x6c69_6e6c_6967_656e;

/// Residents and requests a year per community at every scale but `tiny`.
const RESIDENTS: usize = 10_000;
const REQUESTS: usize = 20_000;
const RESIDENT_ACCOUNTS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Two small communities, for tests.
    Tiny,
    Community,
    District,
    City,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Scale> {
        match s.trim() {
            "tiny" => Some(Scale::Tiny),
            "community" => Some(Scale::Community),
            "district" => Some(Scale::District),
            "city" => Some(Scale::City),
            _ => None,
        }
    }

    fn communities(self) -> usize {
        match self {
            Scale::Tiny => 2,
            Scale::Community => 1,
            Scale::District => 50,
            Scale::City => 500,
        }
    }
}

#[derive(Debug, Clone)]
pub struct GenOptions {
    pub scale: Scale,
    pub seed: u64,
    /// Overrides of the scale's communities, residents and requests a year per community.
    pub communities: Option<usize>,
    pub residents: Option<usize>,
    pub requests: Option<usize>,
}

impl GenOptions {
    pub fn new(scale: Scale) -> GenOptions {
        GenOptions { scale, seed: DEFAULT_SEED, communities: None, residents: None, requests: None }
    }

    fn sizes(&self) -> (usize, usize, usize) {
        let (residents, requests) = if self.scale == Scale::Tiny { (300, 400) } else { (RESIDENTS, REQUESTS) };
        (
            self.communities.unwrap_or(self.scale.communities()),
            self.residents.unwrap_or(residents).max(10),
            self.requests.unwrap_or(requests),
        )
    }
}

/// What a run made.
#[derive(Debug, Clone, Default)]
pub struct GenReport {
    /// The generated communities' codes, first to last.
    pub communities: Vec<String>,
    pub accounts: u64,
    pub households: u64,
    pub residents: u64,
    pub visits: u64,
    pub year: YearCounts,
    /// SHA-256 of what was generated (names, ID numbers, request numbers, states, moves):
    /// equal for equal seeds on the same day.
    pub checksum: String,
}

/// Where a run is, for the progress display.
#[derive(Debug, Clone)]
pub struct GenProgress<'a> {
    pub done: usize,
    pub of: usize,
    pub community: &'a str,
    pub report: &'a GenReport,
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error(
        "数据库中已有社区 {0}（{1}）：linli gen 只写入新库或尚未生成的社区。请换一个数据库，或删除该数据库后重试 / the database already has community {0}: use a new database"
    )]
    Exists(String, String),
    #[error("社区数 {0} 超出范围（1–{max}）/ communities out of range", max = tree::MAX_COMMUNITIES)]
    Size(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("生成的数据未通过校验 / generated data failed validation: {0:?}")]
    Invalid(Invalid),
    #[error("生成的状态变更不符合流程 / generated move refused by its flow: {0}")]
    Move(MoveError),
}

impl From<sqlx::Error> for GenError {
    fn from(e: sqlx::Error) -> Self {
        GenError::Store(StoreError::Db(e))
    }
}

impl Store {
    /// Generates the data `o` asks for (see the module); `progress` hears after each community.
    /// Refuses a database that already has any of the communities it would make.
    pub async fn generate(
        &self,
        o: &GenOptions,
        progress: &(dyn Fn(&GenProgress<'_>) + Send + Sync),
    ) -> Result<GenReport, GenError> {
        let (n, residents, requests) = o.sizes();
        let rng = Rng::new(o.seed);
        let (nodes, places) = tree::layout(&rng, n)?;
        for p in &places {
            if let Ok(node) = self.node(p.code).await {
                return Err(GenError::Exists(p.code.to_string(), node.name));
            }
        }
        let keys = self.keys()?;
        let cal = self.calendar().await?;
        let now = crate::now();
        let today = crate::today();
        let system = Actor::system("linli gen");
        let acting = self.acting(&system);
        tree::create_nodes(&acting, &nodes).await?;
        let hash = password::hash(DEMO_PASSWORD)
            .map_err(|e| StoreError::Db(sqlx::Error::Protocol(format!("password hashing failed: {e}"))))?;
        let accounts = Accounts { store: self, hash };
        let mut report = GenReport::default();
        let mut sums = Sha256::new();
        let mut supervisors: HashMap<DivisionCode, Who> = HashMap::new();
        for (i, place) in places.iter().enumerate() {
            let mut crng = rng.fork(place.ordinal);
            if let std::collections::hash_map::Entry::Vacant(e) = supervisors.entry(place.district) {
                let all: Vec<&tree::Place> = places.iter().filter(|p| p.district == place.district).collect();
                tree::catalogue(&acting, place.district, &all).await?;
                let username = format!("{}.qu", place.district);
                e.insert(accounts.staff(&mut crng, &username, Role::Supervisor, place.district).await?);
                report.accounts += 1;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = supervisors.entry(place.street) {
                let username = format!("{}.jiedao", place.street);
                e.insert(accounts.staff(&mut crng, &username, Role::Supervisor, place.street).await?);
                report.accounts += 1;
            }
            let supervisor = supervisors
                .get(&place.street)
                .cloned()
                .ok_or_else(|| GenError::Invalid(Invalid::one("street", "required")))?;
            let code = place.code;
            let head = accounts.staff(&mut crng, &format!("{code}.shuji"), Role::CommunityHead, code).await?;
            let mut workers = Vec::new();
            for w in 1..=2 {
                workers
                    .push(accounts.staff(&mut crng, &format!("{code}.chuangkou{w}"), Role::WindowWorker, code).await?);
            }
            let reg = people::register(&acting, &accounts, &mut crng, code, residents, now).await?;
            if reg.applicants.is_empty() {
                return Err(GenError::Invalid(Invalid::one("residents", "required")));
            }
            let mut online = Vec::new();
            for k in 0..RESIDENT_ACCOUNTS.min(reg.applicants.len()) {
                let a = reg.applicants[(k * 7919) % reg.applicants.len()].clone();
                let who = accounts.add(&format!("{code}.jumin{}", k + 1), &a.name, Role::Resident, code).await?;
                online.push((who, a));
            }
            report.accounts += 3 + reg.grid_workers.len() as u64 + online.len() as u64;
            let items: Vec<_> =
                acting.catalogue(code).await?.into_iter().filter(|i| i.adopted && i.in_force(today)).collect();
            if items.is_empty() {
                return Err(GenError::Invalid(Invalid::one("item", "required")));
            }
            let desk = Desk {
                community: code,
                ordinal: place.ordinal,
                street: place.street,
                cal: &cal,
                now,
                items: &items,
                workers: &workers,
                head: &head,
                supervisor: &supervisor,
                applicants: &reg.applicants,
                accounts: &online,
                keys,
            };
            let y = desk.year(&mut crng, requests)?;
            let written: Result<(), sqlx::Error> = on_db!(self, |pool| async {
                use crate::tx::WritePool as _;
                let mut tx = pool.begin_write().await?;
                for rows in [&y.items, &y.events, &y.requests, &y.ratings, &y.rectifications, &y.complaints] {
                    tx.write_rows(rows).await?;
                }
                tx.write_rows(&reg.visits).await?;
                tx.write_rows(&y.sequences).await?;
                tx.commit().await
            }
            .await);
            written?;
            // Written in bulk, beside the engine: its figures are counted from the records.
            self.rebuild_figures(code.as_str()).await?;
            for line in reg.digest.iter().chain(&y.digest) {
                sums.update(line.as_bytes());
                sums.update(b"\n");
            }
            report.communities.push(code.to_string());
            report.households += reg.households as u64;
            report.residents += reg.residents as u64;
            report.visits += reg.visits.len() as u64;
            let c = y.counts;
            report.year.requests += c.requests;
            report.year.open_requests += c.open_requests;
            report.year.events += c.events;
            report.year.ratings += c.ratings;
            report.year.rectifications += c.rectifications;
            report.year.complaints += c.complaints;
            progress(&GenProgress { done: i + 1, of: places.len(), community: &place.name, report: &report });
        }
        report.checksum = hex::encode(sums.finalize());
        self.refresh_statistics(&[
            "resident",
            "household",
            "building",
            "resident_tag",
            "work_item",
            "work_item_event",
            "service_request",
            "rating",
            "complaint",
            "figures_day",
            "visit",
        ])
        .await?;
        Ok(report)
    }
}
