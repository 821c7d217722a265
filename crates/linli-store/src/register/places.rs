//! Grids, buildings and households: where residents live and who looks after them.

use linli_domain::validation::{optional_text, text};
use linli_domain::{Action, DivisionCode, FieldError, Invalid, Resource, Role};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::address;
use super::search::ResidentSummary;
use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::stored_code;
use crate::{StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, Serialize)]
pub struct Grid {
    pub id: Uuid,
    pub community_code: DivisionCode,
    pub code: String,
    pub name: String,
    /// (user id, name) of its grid workers.
    pub workers: Vec<(Uuid, String)>,
    pub buildings: i64,
    pub households: i64,
    pub retired: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Building {
    pub id: Uuid,
    pub community_code: DivisionCode,
    pub name: String,
    pub address: String,
    pub grid_id: Option<Uuid>,
    pub grid_name: Option<String>,
    pub households: i64,
    pub residents: i64,
    pub retired: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Household {
    pub id: Uuid,
    pub community_code: DivisionCode,
    pub building_id: Uuid,
    pub building_name: String,
    pub unit: String,
    pub room: String,
    pub address: String,
    pub head_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
    /// Everyone registered there, the present first.
    pub members: Vec<ResidentSummary>,
    /// `YYYY-MM-DD` of the last household visit.
    pub last_visit: Option<String>,
}

/// One entry of a household's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HouseholdEvent {
    pub resident_id: Uuid,
    pub name: String,
    pub kind: String,
    pub on_date: time::Date,
    pub details: String,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A household as a building's list shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct HouseholdLine {
    pub id: Uuid,
    pub unit: String,
    pub room: String,
    pub head_name: Option<String>,
    pub members: i64,
    pub last_visit: Option<time::Date>,
}

#[derive(sqlx::FromRow)]
struct GridRow {
    id: Uuid,
    community_code: String,
    code: String,
    name: String,
    retired_at: Option<OffsetDateTime>,
    buildings: i64,
    households: i64,
}

#[derive(sqlx::FromRow)]
struct BuildingRow {
    id: Uuid,
    community_code: String,
    name: String,
    address: String,
    grid_id: Option<Uuid>,
    grid_name: Option<String>,
    retired_at: Option<OffsetDateTime>,
    households: i64,
    residents: i64,
}

impl TryFrom<BuildingRow> for Building {
    type Error = StoreError;
    fn try_from(r: BuildingRow) -> StoreResult<Building> {
        Ok(Building {
            id: r.id,
            community_code: stored_code(&r.community_code)?,
            name: r.name,
            address: r.address,
            grid_id: r.grid_id,
            grid_name: r.grid_name,
            households: r.households,
            residents: r.residents,
            retired: r.retired_at.is_some(),
        })
    }
}

const BUILDING_SELECT: &str = "SELECT b.id, b.community_code, b.name, b.address, b.grid_id, g.name AS grid_name, b.retired_at, \
     (SELECT count(*) FROM household h WHERE h.building_id = b.id AND h.dissolved_at IS NULL) AS households, \
     (SELECT count(*) FROM resident r JOIN household h ON h.id = r.household_id \
        WHERE h.building_id = b.id AND r.status = 'active') AS residents \
     FROM building b LEFT JOIN grid g ON g.id = b.grid_id";

fn name_field(field: &str, value: &str, max: usize) -> StoreResult<String> {
    Ok(text(value, max).map_err(|e| e.at(field))?)
}

impl Acting<'_> {
    pub async fn grids(&self, community: DivisionCode) -> StoreResult<Vec<Grid>> {
        self.community_for(Resource::Grid, Action::Read, community).await?;
        let rows: Vec<GridRow> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT g.id, g.community_code, g.code, g.name, g.retired_at, \
             (SELECT count(*) FROM building b WHERE b.grid_id = g.id AND b.retired_at IS NULL) AS buildings, \
             (SELECT count(*) FROM household h JOIN building b ON b.id = h.building_id \
                WHERE b.grid_id = g.id AND h.dissolved_at IS NULL) AS households \
             FROM grid g WHERE g.community_code = $1 ORDER BY g.retired_at IS NOT NULL, g.code"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let workers: Vec<(Uuid, Uuid, String)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT w.grid_id, u.id, u.display_name FROM grid_worker w JOIN app_user u ON u.id = w.user_id \
             WHERE w.community_code = $1 ORDER BY u.display_name"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        rows.into_iter()
            .map(|r| {
                Ok(Grid {
                    workers: workers.iter().filter(|w| w.0 == r.id).map(|w| (w.1, w.2.clone())).collect(),
                    id: r.id,
                    community_code: stored_code(&r.community_code)?,
                    code: r.code,
                    name: r.name,
                    buildings: r.buildings,
                    households: r.households,
                    retired: r.retired_at.is_some(),
                })
            })
            .collect()
    }

    pub async fn create_grid(&self, community: DivisionCode, code: &str, name: &str) -> StoreResult<Grid> {
        // Outside the subtree: forbidden (nothing is revealed); inside, a street is no community.
        self.check_right(Resource::Grid, Action::Create)?;
        self.check(Resource::Grid, Action::Create, &community).map_err(crate::node::not_found_is_forbidden)?;
        self.community_for(Resource::Grid, Action::Create, community).await?;
        let code = name_field("code", code, 20)?;
        let name = name_field("name", name, 40)?;
        let id = Uuid::now_v7();
        let entry = Entry::new(
            community.to_string(),
            "grid.create",
            "grid",
            id.to_string(),
            json!({ "code": code, "name": name }),
        );
        let done = audited!(self, &entry, |tx| {
            sqlx::query("INSERT INTO grid (id, community_code, code, name, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(community.as_str())
                .bind(&code)
                .bind(&name)
                .bind(Ts(now()))
                .execute(&mut *tx)
                .await?;
        });
        done.map_err(StoreError::unique("grid", "code"))?;
        self.grids(community).await?.into_iter().find(|g| g.id == id).ok_or(StoreError::NotFound("grid"))
    }

    /// Changes a grid's code and name, or retires it (only once no building is left in it) or
    /// brings it back.
    pub async fn update_grid(&self, grid: Uuid, code: &str, name: &str, retired: bool) -> StoreResult<Grid> {
        self.check_right(Resource::Grid, Action::Update)?;
        let community: String =
            on_db!(self.store, |pool| sqlx::query_scalar("SELECT community_code FROM grid WHERE id = $1")
                .bind(grid)
                .fetch_optional(pool)
                .await)?
            .ok_or(StoreError::NotFound("grid"))?;
        let community = stored_code(&community)?;
        self.community_for(Resource::Grid, Action::Update, community).await?;
        let mut c = linli_domain::validation::Checker::new();
        let code = c.take("code", text(code, 20));
        let name = c.take("name", text(name, 40));
        let before =
            self.grids(community).await?.into_iter().find(|g| g.id == grid).ok_or(StoreError::NotFound("grid"))?;
        if retired && !before.retired && before.buildings > 0 {
            c.push(FieldError::new("retired", "grid_has_buildings").with("count", before.buildings));
        }
        c.finish()?;
        let (Some(code), Some(name)) = (code, name) else {
            return Err(StoreError::Invalid(Invalid::one("name", "required")));
        };
        let action = match (before.retired, retired) {
            (false, true) => "grid.retire",
            (true, false) => "grid.reinstate",
            _ => "grid.update",
        };
        let summary = json!({ "code": [before.code, code], "name": [before.name, name] });
        let entry = Entry::new(community.to_string(), action, "grid", grid.to_string(), summary);
        let done = audited!(self, &entry, |tx| {
            sqlx::query(
                "UPDATE grid SET code = $2, name = $3, \
                 retired_at = CASE WHEN $4 THEN COALESCE(retired_at, $5) ELSE NULL END WHERE id = $1",
            )
            .bind(grid)
            .bind(&code)
            .bind(&name)
            .bind(retired)
            .bind(Ts(now()))
            .execute(&mut *tx)
            .await?;
        });
        done.map_err(StoreError::unique("grid", "code"))?;
        self.grids(community).await?.into_iter().find(|g| g.id == grid).ok_or(StoreError::NotFound("grid"))
    }

    /// Removes a household that was opened by mistake or has emptied: only when nobody is
    /// registered in it now. Its history stays; opening the address again brings it back.
    pub async fn dissolve_household(&self, household: Uuid) -> StoreResult<()> {
        self.check_right(Resource::Register, Action::Delete)?;
        let row: Option<(String, i64)> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT h.community_code, (SELECT count(*) FROM resident r WHERE r.household_id = h.id AND r.status = 'active') \
             FROM household h WHERE h.id = $1 AND h.dissolved_at IS NULL"
        )
        .bind(household)
        .fetch_optional(pool)
        .await
        })?;
        let (community, members) = row.ok_or(StoreError::NotFound("household"))?;
        let community = stored_code(&community)?;
        self.check(Resource::Register, Action::Delete, &community)?;
        if members > 0 {
            return Err(StoreError::Invalid(Invalid(vec![
                FieldError::new("household", "household_not_empty").with("count", members),
            ])));
        }
        let entry =
            Entry::new(community.to_string(), "household.dissolve", "household", household.to_string(), json!({}));
        audited!(self, &entry, |tx| {
            sqlx::query("UPDATE household SET dissolved_at = $2, head_id = NULL WHERE id = $1")
                .bind(household)
                .bind(Ts(now()))
                .execute(&mut *tx)
                .await?;
        })?;
        Ok(())
    }

    /// The grid's workers: accounts with the grid-worker role in the same community.
    pub async fn set_grid_workers(&self, grid: Uuid, workers: &[Uuid]) -> StoreResult<Grid> {
        self.check_right(Resource::Grid, Action::Update)?;
        let community: String =
            on_db!(self.store, |pool| sqlx::query_scalar("SELECT community_code FROM grid WHERE id = $1")
                .bind(grid)
                .fetch_optional(pool)
                .await)?
            .ok_or(StoreError::NotFound("grid"))?;
        let community = stored_code(&community)?;
        self.community_for(Resource::Grid, Action::Update, community).await?;
        for w in workers {
            let u =
                self.store.user(*w).await.map_err(|_| StoreError::Invalid(Invalid::one("workers", "grid_worker")))?;
            if u.role != Role::GridWorker || u.node_code != community {
                return Err(StoreError::Invalid(Invalid(vec![
                    FieldError::new("workers", "grid_worker").with("name", &u.display_name),
                ])));
            }
        }
        let entry =
            Entry::new(community.to_string(), "grid.workers", "grid", grid.to_string(), json!({ "workers": workers }));
        audited!(self, &entry, |tx| {
            sqlx::query("DELETE FROM grid_worker WHERE grid_id = $1").bind(grid).execute(&mut *tx).await?;
            for w in workers {
                sqlx::query("INSERT INTO grid_worker (grid_id, user_id, community_code) VALUES ($1, $2, $3)")
                    .bind(grid)
                    .bind(w)
                    .bind(community.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        })?;
        self.grids(community).await?.into_iter().find(|g| g.id == grid).ok_or(StoreError::NotFound("grid"))
    }

    /// The community's active grid-worker accounts, to choose a grid's workers from.
    pub async fn grid_worker_accounts(&self, community: DivisionCode) -> StoreResult<Vec<(Uuid, String)>> {
        self.community_for(Resource::Grid, Action::Update, community).await?;
        let rows: Vec<(Uuid, String)> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT id, display_name FROM app_user WHERE role = 'grid_worker' AND node_code = $1 AND disabled_at IS NULL \
             ORDER BY display_name"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await
        })?;
        Ok(rows)
    }

    pub async fn buildings(&self, community: DivisionCode) -> StoreResult<Vec<Building>> {
        self.community_for(Resource::Register, Action::Read, community).await?;
        let sql = format!("{BUILDING_SELECT} WHERE b.community_code = $1 ORDER BY b.retired_at IS NOT NULL, b.name");
        let rows: Vec<BuildingRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(community.as_str())
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(Building::try_from).collect()
    }

    async fn building_row(&self, id: Uuid) -> StoreResult<Building> {
        let sql = format!("{BUILDING_SELECT} WHERE b.id = $1");
        let row: Option<BuildingRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        row.ok_or(StoreError::NotFound("building"))?.try_into()
    }

    /// Adds a building, or changes one (`id`); `grid` puts it in a grid of the same community.
    pub async fn save_building(
        &self,
        community: DivisionCode,
        id: Option<Uuid>,
        name: &str,
        address_text: &str,
        grid: Option<Uuid>,
    ) -> StoreResult<Building> {
        let action = if id.is_some() { Action::Update } else { Action::Create };
        self.check_right(Resource::Register, action)?;
        self.check(Resource::Register, action, &community).map_err(crate::node::not_found_is_forbidden)?;
        self.community_for(Resource::Register, action, community).await?;
        let name = name_field("name", name, 40)?;
        let address_text = optional_text(address_text, 100).map_err(|e| e.at("address"))?;
        if let Some(g) = grid {
            let in_community: i64 = on_db!(self.store, |pool| sqlx::query_scalar(
                "SELECT count(*) FROM grid WHERE id = $1 AND community_code = $2 AND retired_at IS NULL"
            )
            .bind(g)
            .bind(community.as_str())
            .fetch_one(pool)
            .await)?;
            if in_community == 0 {
                return Err(StoreError::Invalid(Invalid::one("grid", "grid_unknown")));
            }
        }
        if let Some(existing) = id {
            let before = self.building_row(existing).await?;
            if before.community_code != community {
                return Err(StoreError::NotFound("building"));
            }
        }
        let building = id.unwrap_or_else(Uuid::now_v7);
        let action_name = if id.is_some() { "building.update" } else { "building.create" };
        let entry = Entry::new(
            community.to_string(),
            action_name,
            "building",
            building.to_string(),
            json!({ "name": name, "grid": grid }),
        );
        let done = audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO building (id, community_code, name, address, grid_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, grid_id = excluded.grid_id",
            )
            .bind(building)
            .bind(community.as_str())
            .bind(&name)
            .bind(&address_text)
            .bind(grid)
            .bind(Ts(now()))
            .execute(&mut *tx)
            .await?;
        });
        done.map_err(StoreError::unique("building", "name"))?;
        self.building_row(building).await
    }

    /// A household with its members and last visit.
    pub async fn household(&self, id: Uuid) -> StoreResult<Household> {
        self.check_right(Resource::Register, Action::Read)?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            community_code: String,
            building_id: Uuid,
            building_name: String,
            unit: String,
            room: String,
            head_id: Option<Uuid>,
            grid_id: Option<Uuid>,
            last_visit: Option<time::Date>,
        }
        let row: Option<Row> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT h.id, h.community_code, h.building_id, b.name AS building_name, h.unit, h.room, h.head_id, b.grid_id, \
             (SELECT max(v.visited_on) FROM visit v WHERE v.household_id = h.id) AS last_visit \
             FROM household h JOIN building b ON b.id = h.building_id WHERE h.id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await
        })?;
        let r = row.ok_or(StoreError::NotFound("household"))?;
        let community = stored_code(&r.community_code)?;
        self.check(Resource::Register, Action::Read, &community)?;
        let members = self.household_members(id).await?;
        Ok(Household {
            id: r.id,
            community_code: community,
            building_id: r.building_id,
            address: address(&r.building_name, &r.unit, &r.room),
            building_name: r.building_name,
            unit: r.unit,
            room: r.room,
            head_id: r.head_id,
            grid_id: r.grid_id,
            members,
            last_visit: r.last_visit.map(|d| d.to_string()),
        })
    }

    /// A building and its households in address order, with head, size and last visit.
    pub async fn building_households(&self, building: Uuid) -> StoreResult<(Building, Vec<HouseholdLine>)> {
        self.check_right(Resource::Register, Action::Read)?;
        let b = self.building_row(building).await?;
        self.check(Resource::Register, Action::Read, &b.community_code)?;
        let rows: Vec<HouseholdLine> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT h.id, h.unit, h.room, \
             (SELECT r.name FROM resident r WHERE r.id = h.head_id) AS head_name, \
             (SELECT count(*) FROM resident r WHERE r.household_id = h.id AND r.status = 'active') AS members, \
             (SELECT max(v.visited_on) FROM visit v WHERE v.household_id = h.id) AS last_visit \
             FROM household h WHERE h.building_id = $1 AND h.dissolved_at IS NULL \
             ORDER BY length(h.unit), h.unit, length(h.room), h.room"
        )
        .bind(building)
        .fetch_all(pool)
        .await)?;
        Ok((b, rows))
    }

    /// What happened in a household, newest first: each member's registration, changes, moves
    /// in and out, deaths.
    pub async fn household_history(&self, household: Uuid, limit: i64) -> StoreResult<Vec<HouseholdEvent>> {
        self.check_right(Resource::Register, Action::Read)?;
        let community: Option<String> =
            on_db!(self.store, |pool| sqlx::query_scalar("SELECT community_code FROM household WHERE id = $1")
                .bind(household)
                .fetch_optional(pool)
                .await)?;
        let community = stored_code(&community.ok_or(StoreError::NotFound("household"))?)?;
        self.check(Resource::Register, Action::Read, &community)?;
        let rows: Vec<HouseholdEvent> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT e.resident_id, r.name, e.kind, e.on_date, e.details, e.recorded_by, e.recorded_at \
             FROM resident_event e JOIN resident r ON r.id = e.resident_id WHERE e.household_id = $1 \
             ORDER BY e.on_date DESC, e.recorded_at DESC LIMIT $2"
        )
        .bind(household)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows)
    }

    /// The household at an address, made if there is none yet.
    pub async fn household_at(&self, building: Uuid, unit: &str, room: &str) -> StoreResult<Uuid> {
        let b = self.building_row(building).await?;
        self.community_for(Resource::Register, Action::Create, b.community_code).await?;
        let unit = optional_text(unit, 20).map_err(|e| e.at("unit"))?;
        let room = name_field("room", room, 20)?;
        let found: Option<(Uuid, bool)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, dissolved_at IS NOT NULL FROM household WHERE building_id = $1 AND unit = $2 AND room = $3"
        )
        .bind(building)
        .bind(&unit)
        .bind(&room)
        .fetch_optional(pool)
        .await)?;
        if let Some((id, dissolved)) = found {
            if dissolved {
                // A dissolved household at the address is opened again, with its history.
                let entry = Entry::new(
                    b.community_code.to_string(),
                    "household.reopen",
                    "household",
                    id.to_string(),
                    json!({ "address": address(&b.name, &unit, &room) }),
                );
                audited!(self, &entry, |tx| {
                    sqlx::query("UPDATE household SET dissolved_at = NULL WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                })?;
            }
            return Ok(id);
        }
        let id = Uuid::now_v7();
        let entry = Entry::new(
            b.community_code.to_string(),
            "household.create",
            "household",
            id.to_string(),
            json!({ "address": address(&b.name, &unit, &room) }),
        );
        audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO household (id, community_code, building_id, unit, room, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(b.community_code.as_str())
            .bind(building)
            .bind(&unit)
            .bind(&room)
            .bind(Ts(now()))
            .execute(&mut *tx)
            .await?;
        })?;
        Ok(id)
    }
}
