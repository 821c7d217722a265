//! Importing a whole workbook (人口台账): every row is checked against the rules, the file itself
//! (duplicates) and the register (unknown buildings and grids, existing people); a plan says
//! what would be created and updated; committing writes it all in one transaction or nothing.

use std::collections::{HashMap, HashSet};

use linli_domain::register::{Relation, ResidentFields, ResidentInput};
use linli_domain::{Action, DivisionCode, FieldError, Resource};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::bulk;
use super::residents::{encode, fields_summary, tag_codes};
use crate::acting::Acting;
use crate::audit::Entry;
use crate::{StoreError, StoreResult, Ts, now};

/// One spreadsheet row: where the person lives, and the person.
#[derive(Debug, Clone, Default)]
pub struct ImportRow {
    /// The row number in the file as people see it (the header is row 1).
    pub line: usize,
    pub building: String,
    pub unit: String,
    pub room: String,
    /// A grid code or name; when given, it must be the building's grid.
    pub grid: String,
    pub resident: ResidentInput,
}

/// What is wrong with one row.
#[derive(Debug, Clone, Serialize)]
pub struct RowProblem {
    pub line: usize,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone)]
struct Planned {
    building: Uuid,
    unit: String,
    room: String,
    fields: ResidentFields,
    /// The existing resident this row updates, if any, and whether they had left.
    existing: Option<Uuid>,
    returning: bool,
}

/// The outcome of checking a file: what it would do, or every row that stops it.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    rows: Vec<Planned>,
    pub problems: Vec<RowProblem>,
    pub creates: usize,
    pub updates: usize,
    pub new_households: usize,
    /// Rows in the file (a row can be planned and still be named by a household's problem).
    lines: usize,
}

impl ImportPlan {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn rows(&self) -> usize {
        self.lines
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    pub households_created: usize,
}

/// Rows written per bulk statement, and between progress reports.
const BATCH: usize = 500;

impl Acting<'_> {
    /// Checks every row; nothing is written.
    pub async fn plan_import(&self, community: DivisionCode, rows: Vec<ImportRow>) -> StoreResult<ImportPlan> {
        self.community_for(Resource::Register, Action::Create, community).await?;
        self.community_for(Resource::Register, Action::Update, community).await?;
        let keys = self.store.keys()?;
        let today = crate::today();
        let buildings: Vec<(Uuid, String, Option<Uuid>)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, name, grid_id FROM building WHERE community_code = $1 AND retired_at IS NULL"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let grids: Vec<(Uuid, String, String)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, code, name FROM grid WHERE community_code = $1 AND retired_at IS NULL"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let existing: Vec<(Vec<u8>, Uuid, String)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT document_idx, id, status FROM resident WHERE community_code = $1"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let households: Vec<(Uuid, String, String)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT building_id, unit, room FROM household WHERE community_code = $1"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let by_name: HashMap<&str, (Uuid, Option<Uuid>)> =
            buildings.iter().map(|(id, n, g)| (n.as_str(), (*id, *g))).collect();
        let existing: HashMap<Vec<u8>, (Uuid, bool)> =
            existing.into_iter().map(|(idx, id, status)| (idx, (id, status != "active"))).collect();
        let known_households: HashSet<(Uuid, String, String)> = households.into_iter().collect();

        let mut plan = ImportPlan {
            rows: Vec::new(),
            problems: Vec::new(),
            creates: 0,
            updates: 0,
            new_households: 0,
            lines: rows.len(),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut new_households: HashMap<(Uuid, String, String), (usize, bool)> = HashMap::new();
        for row in rows {
            let mut errors = Vec::new();
            let building = row.building.trim();
            let found = by_name.get(building).copied();
            if building.is_empty() {
                errors.push(FieldError::new("building", "required"));
            } else if found.is_none() {
                errors.push(FieldError::new("building", "building_unknown").with("value", building));
            }
            let room = row.room.trim().to_owned();
            if room.is_empty() {
                errors.push(FieldError::new("room", "required"));
            }
            let grid = row.grid.trim();
            if !grid.is_empty() {
                match grids.iter().find(|(_, code, name)| code == grid || name == grid) {
                    None => errors.push(FieldError::new("grid", "grid_unknown").with("value", grid)),
                    Some((g, _, _)) if found.is_some_and(|(_, bg)| bg != Some(*g)) => {
                        errors.push(FieldError::new("grid", "grid_mismatch").with("value", grid))
                    }
                    Some(_) => {}
                }
            }
            let fields = match row.resident.validate(today) {
                Ok(f) => Some(f),
                Err(e) => {
                    errors.extend(e.0);
                    None
                }
            };
            if let Some(f) = &fields {
                let key = f.document.lookup_key();
                if let Some(first) = seen.get(&key) {
                    errors.push(FieldError::new("document_number", "duplicate_in_file").with("line", first));
                } else {
                    seen.insert(key, row.line);
                }
            }
            match (found, fields, errors.is_empty()) {
                (Some((building_id, _)), Some(fields), true) => {
                    let unit = row.unit.trim().to_owned();
                    let place = (building_id, unit.clone(), room.clone());
                    if !known_households.contains(&place) {
                        let entry = new_households.entry(place).or_insert((row.line, false));
                        entry.1 |= fields.relation == Relation::Head;
                    }
                    let found = existing.get(&keys.blind_index(&fields.document.lookup_key())).copied();
                    if found.is_some() {
                        plan.updates += 1;
                    } else {
                        plan.creates += 1;
                    }
                    let (existing, returning) = found.map_or((None, false), |(id, left)| (Some(id), left));
                    plan.rows.push(Planned { building: building_id, unit, room, fields, existing, returning });
                }
                _ => plan.problems.push(RowProblem { line: row.line, errors }),
            }
        }
        // A new household needs its head in the file.
        for ((_, unit, room), (line, has_head)) in &new_households {
            if !has_head {
                let e = FieldError::new("relation", "household_without_head").with("address", format!("{unit}{room}"));
                plan.problems.push(RowProblem { line: *line, errors: vec![e] });
            }
        }
        plan.problems.sort_by_key(|p| p.line);
        plan.new_households = new_households.len();
        Ok(plan)
    }

    /// Writes a clean plan in one transaction, with one audit entry for the import.
    /// `progress` is told how many rows are written as it goes.
    pub async fn commit_import(
        &self,
        community: DivisionCode,
        plan: ImportPlan,
        filename: &str,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> StoreResult<ImportOutcome> {
        if !plan.is_clean() {
            return Err(StoreError::Invalid(linli_domain::Invalid::one("file", "import_has_problems")));
        }
        self.community_for(Resource::Register, Action::Create, community).await?;
        let keys = self.store.keys()?;
        let at = Ts(now());
        let today = crate::today();
        let outcome =
            ImportOutcome { created: plan.creates, updated: plan.updates, households_created: plan.new_households };
        let entry = Entry::new(
            community.to_string(),
            "register.import",
            "register",
            filename.to_owned(),
            json!({ "created": outcome.created, "updated": outcome.updated, "households": outcome.households_created }),
        );
        // Households first: every address gets its id (existing or new).
        let existing: Vec<(Uuid, Uuid, String, String)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, building_id, unit, room FROM household WHERE community_code = $1"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let mut household_of: HashMap<(Uuid, String, String), Uuid> =
            existing.into_iter().map(|(id, b, u, r)| ((b, u, r), id)).collect();
        let mut new_households: Vec<(Uuid, Uuid, String, String)> = Vec::new();
        let mut rows: Vec<(Uuid, Uuid, &Planned)> = Vec::with_capacity(plan.rows.len());
        for p in &plan.rows {
            let key = (p.building, p.unit.clone(), p.room.clone());
            let h = *household_of.entry(key).or_insert_with(|| {
                let id = Uuid::now_v7();
                new_households.push((id, p.building, p.unit.clone(), p.room.clone()));
                id
            });
            rows.push((p.existing.unwrap_or_else(Uuid::now_v7), h, p));
        }
        // A new household gets its head in its INSERT; only existing ones need an UPDATE.
        let fresh: HashSet<Uuid> = new_households.iter().map(|h| h.0).collect();
        let head_of: HashMap<Uuid, Uuid> =
            rows.iter().filter(|(_, _, p)| p.fields.relation == Relation::Head).map(|(id, h, _)| (*h, *id)).collect();
        let mut households = bulk::Households::default();
        for (id, building, unit, room) in new_households {
            households.head.push(head_of.get(&id).copied());
            households.id.push(id);
            households.building.push(building);
            households.unit.push(unit);
            households.room.push(room);
        }
        let actor_name = self.actor.name.clone();
        let common = bulk::Common { community: community.as_str(), at, on_date: today, recorded_by: &actor_name };
        let started = std::time::Instant::now();
        let done = audited!(self, &entry, |tx| {
            bulk::BulkTx::households(&mut tx, &common, &households).await?;
            let mut written = 0;
            for chunk in rows.chunks(BATCH) {
                let (mut residents, mut tags, mut events) =
                    (bulk::Residents::default(), bulk::Tags::default(), bulk::Events::default());
                for (id, h, p) in chunk {
                    let f = &p.fields;
                    let e = encode(keys, id, f);
                    match p.existing {
                        None => residents.push(*id, *h, f, e),
                        Some(_) => {
                            crate::register::residents::bind_resident!(
                                sqlx::query(crate::register::residents::UPDATE_RESIDENT),
                                *id,
                                community.as_str(),
                                *h,
                                f,
                                e,
                                at
                            )
                            .execute(&mut *tx)
                            .await?;
                            sqlx::query("DELETE FROM resident_tag WHERE resident_id = $1")
                                .bind(*id)
                                .execute(&mut *tx)
                                .await?;
                            // Someone who moved flat in the file, or is no longer the head, heads
                            // nothing else now (a head stays head of the household the file puts
                            // them in).
                            let keep = if f.relation == Relation::Head { Some(*h) } else { None };
                            sqlx::query(
                                "UPDATE household SET head_id = NULL WHERE head_id = $1 AND ($2 IS NULL OR id <> $2)",
                            )
                            .bind(*id)
                            .bind(keep)
                            .execute(&mut *tx)
                            .await?;
                            if p.returning {
                                sqlx::query("UPDATE resident SET status = 'active', status_date = NULL WHERE id = $1")
                                    .bind(*id)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                    }
                    for t in tag_codes(f) {
                        tags.resident.push(*id);
                        tags.tag.push(t);
                    }
                    // A registration's facts are the row itself; a change says what it became.
                    let (kind, details) = match (p.existing, p.returning) {
                        (None, _) => ("registered", json!({ "source": filename })),
                        (Some(_), returning) => {
                            let mut d = fields_summary(f);
                            d["source"] = json!(filename);
                            (if returning { "moved_in" } else { "changed" }, d)
                        }
                    };
                    events.id.push(Uuid::now_v7());
                    events.resident.push(*id);
                    events.household.push(*h);
                    events.kind.push(kind.to_owned());
                    events.details.push(details.to_string());
                }
                bulk::BulkTx::residents(&mut tx, &common, &residents).await?;
                bulk::BulkTx::tags(&mut tx, &common, &tags).await?;
                for (id, h, p) in chunk {
                    if p.fields.relation == Relation::Head && !fresh.contains(h) {
                        sqlx::query("UPDATE household SET head_id = $2 WHERE id = $1")
                            .bind(*h)
                            .bind(*id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                bulk::BulkTx::events(&mut tx, &common, &events).await?;
                written += chunk.len();
                progress(written);
            }
            // A dissolved household someone is imported into is a household again.
            sqlx::query(
                "UPDATE household SET dissolved_at = NULL WHERE community_code = $1 AND dissolved_at IS NOT NULL \
                 AND EXISTS (SELECT 1 FROM resident r WHERE r.household_id = household.id AND r.status = 'active')",
            )
            .bind(community.as_str())
            .execute(&mut *tx)
            .await?;
        });
        tracing::info!(
            community = %community,
            file = filename,
            rows = rows.len(),
            ok = done.is_ok(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "register import written"
        );
        done.map_err(StoreError::unique("resident", "document_number"))?;
        // A large import changes the register's shape before autovacuum notices: without fresh
        // statistics PostgreSQL planned the next search for an empty table (1.5 s instead of ms).
        if outcome.created >= 1000 {
            self.store.refresh_statistics(&["resident", "household", "building", "resident_tag"]).await?;
        }
        Ok(outcome)
    }

    /// Keeps an uploaded file between its preview and its import.
    pub async fn keep_upload(&self, community: DivisionCode, filename: &str, content: &[u8]) -> StoreResult<Uuid> {
        self.community_for(Resource::Register, Action::Create, community).await?;
        let user = self.actor.user_id().ok_or(StoreError::Forbidden)?;
        let id = Uuid::now_v7();
        let cutoff = Ts(now() - time::Duration::hours(1));
        exec_db!(self.store, |pool| sqlx::query("DELETE FROM import_upload WHERE created_at < $1")
            .bind(cutoff)
            .execute(pool)
            .await)?;
        exec_db!(self.store, |pool| sqlx::query(
            "INSERT INTO import_upload (id, community_code, user_id, filename, content, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(id)
        .bind(community.as_str())
        .bind(user)
        .bind(filename)
        .bind(content)
        .bind(Ts(now()))
        .execute(pool)
        .await)?;
        Ok(id)
    }

    /// An upload kept by this user for this community (and less than an hour old).
    pub async fn upload(&self, id: Uuid, community: DivisionCode) -> StoreResult<(String, Vec<u8>)> {
        let user = self.actor.user_id().ok_or(StoreError::Forbidden)?;
        let row: Option<(String, Vec<u8>)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT filename, content FROM import_upload \
             WHERE id = $1 AND user_id = $2 AND community_code = $3 AND created_at > $4"
        )
        .bind(id)
        .bind(user)
        .bind(community.as_str())
        .bind(Ts(now() - time::Duration::hours(1)))
        .fetch_optional(pool)
        .await)?;
        row.ok_or(StoreError::NotFound("upload"))
    }
}
