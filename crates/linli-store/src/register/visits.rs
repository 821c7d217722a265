//! 走访: grid workers' household visits, and who is due for one.

use linli_domain::calendar::parse_date;
use linli_domain::validation::{Checker, multiline, text};
use linli_domain::{Action, DivisionCode, FieldError, Resource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::Date;
use uuid::Uuid;

use super::residents::vulnerable_tags;
use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::stored_code;
use crate::{StoreError, StoreResult, Ts, now};

/// A visit as typed on the phone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VisitInput {
    /// `YYYY-MM-DD`; today when left empty.
    pub visited_on: String,
    pub purpose: String,
    pub findings: String,
    /// "1" / "on" / "true" when something needs following up.
    pub follow_up: String,
    pub follow_up_note: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Visit {
    pub id: Uuid,
    pub household_id: Uuid,
    pub worker_name: String,
    pub visited_on: Date,
    pub purpose: String,
    pub findings: String,
    pub follow_up: bool,
    pub follow_up_note: String,
}

/// A household (or a vulnerable resident's household) and when it was last visited.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    pub household_id: Uuid,
    pub address: String,
    pub grid_name: Option<String>,
    /// For the vulnerable list: who, and why they are on it.
    pub resident: Option<(Uuid, String, Vec<String>)>,
    pub last_visit: Option<Date>,
    pub days_since: Option<i64>,
}

impl Acting<'_> {
    pub async fn record_visit(&self, household: Uuid, input: &VisitInput) -> StoreResult<Uuid> {
        self.check_right(Resource::Visit, Action::Create)?;
        let row: Option<(String, Option<Uuid>)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT h.community_code, b.grid_id FROM household h JOIN building b ON b.id = h.building_id \
             WHERE h.id = $1"
        )
        .bind(household)
        .fetch_optional(pool)
        .await)?;
        let (community, grid) = row.ok_or(StoreError::NotFound("household"))?;
        let community = stored_code(&community)?;
        self.check(Resource::Visit, Action::Create, &community)?;
        let today = crate::today();
        let mut c = Checker::new();
        let visited_on = match input.visited_on.trim() {
            "" => Some(today),
            s => match parse_date(s) {
                Some(d) if d <= today && today - d <= time::Duration::days(366) => Some(d),
                _ => {
                    c.push(FieldError::new("visited_on", "visit_date"));
                    None
                }
            },
        };
        let purpose = c.take("purpose", text(&input.purpose, 100));
        let findings = c.take("findings", multiline(&input.findings, 2000));
        let follow_up = matches!(input.follow_up.trim(), "1" | "on" | "true" | "yes");
        let note = c.take("follow_up_note", multiline(&input.follow_up_note, 500));
        if follow_up && input.follow_up_note.trim().is_empty() {
            c.push(FieldError::new("follow_up_note", "follow_up_note"));
        }
        c.finish()?;
        let (Some(visited_on), Some(purpose), Some(findings), Some(note)) = (visited_on, purpose, findings, note)
        else {
            return Err(StoreError::Invalid(linli_domain::Invalid::one("", "required")));
        };
        let id = Uuid::now_v7();
        let entry = Entry::new(
            community.to_string(),
            "visit.record",
            "household",
            household.to_string(),
            json!({ "visited_on": visited_on.to_string(), "purpose": purpose, "follow_up": follow_up }),
        );
        let worker = self.actor.user_id();
        let worker_name = self.actor.name.clone();
        audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO visit (id, community_code, household_id, grid_id, worker_id, worker_name, visited_on, \
                 purpose, findings, follow_up, follow_up_note, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(household)
            .bind(grid)
            .bind(worker)
            .bind(&worker_name)
            .bind(visited_on)
            .bind(&purpose)
            .bind(&findings)
            .bind(follow_up)
            .bind(&note)
            .bind(Ts(now()))
            .execute(&mut *tx)
            .await?;
        })?;
        Ok(id)
    }

    pub async fn visits(&self, household: Uuid) -> StoreResult<Vec<Visit>> {
        self.check_right(Resource::Visit, Action::Read)?;
        let community: Option<String> =
            on_db!(self.store, |pool| sqlx::query_scalar("SELECT community_code FROM household WHERE id = $1")
                .bind(household)
                .fetch_optional(pool)
                .await)?;
        let community = stored_code(&community.ok_or(StoreError::NotFound("household"))?)?;
        self.check(Resource::Visit, Action::Read, &community)?;
        let rows: Vec<Visit> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, household_id, worker_name, visited_on, purpose, findings, follow_up, follow_up_note \
             FROM visit WHERE household_id = $1 ORDER BY visited_on DESC, created_at DESC"
        )
        .bind(household)
        .fetch_all(pool)
        .await)?;
        Ok(rows)
    }

    /// Households with residents that were not visited within `days` (never visited first).
    pub async fn unvisited_households(
        &self,
        community: DivisionCode,
        days: i64,
        limit: i64,
    ) -> StoreResult<Vec<CoverageRow>> {
        self.community_for(Resource::Visit, Action::Read, community).await?;
        let today = crate::today();
        let since = today - time::Duration::days(days);
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            building_name: String,
            unit: String,
            room: String,
            grid_name: Option<String>,
            last_visit: Option<Date>,
        }
        let rows: Vec<Row> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT h.id, b.name AS building_name, h.unit, h.room, g.name AS grid_name, \
             (SELECT max(v.visited_on) FROM visit v WHERE v.household_id = h.id) AS last_visit \
             FROM household h JOIN building b ON b.id = h.building_id LEFT JOIN grid g ON g.id = b.grid_id \
             WHERE h.community_code = $1 AND h.dissolved_at IS NULL \
             AND EXISTS (SELECT 1 FROM resident r WHERE r.household_id = h.id AND r.status = 'active') \
             AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id AND v.visited_on > $2) \
             ORDER BY last_visit NULLS FIRST, b.name, h.unit, h.room LIMIT $3"
        )
        .bind(community.as_str())
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| CoverageRow {
                household_id: r.id,
                address: super::address(&r.building_name, &r.unit, &r.room),
                grid_name: r.grid_name,
                resident: None,
                days_since: r.last_visit.map(|d| (today - d).whole_days()),
                last_visit: r.last_visit,
            })
            .collect())
    }

    /// Vulnerable residents (独居/空巢老人, 残疾人, 困境/留守儿童) whose household was not visited
    /// within the community's interval.
    pub async fn vulnerable_due(&self, community: DivisionCode) -> StoreResult<(i64, Vec<CoverageRow>)> {
        self.community_for(Resource::Visit, Action::Read, community).await?;
        let interval: Option<i32> = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT visit_interval_days FROM community_profile WHERE community_code = $1"
        )
        .bind(community.as_str())
        .fetch_optional(pool)
        .await)?;
        let interval = i64::from(interval.unwrap_or(linli_domain::register::DEFAULT_VISIT_INTERVAL_DAYS as i32));
        let today = crate::today();
        let since = today - time::Duration::days(interval);
        let tags = vulnerable_tags();
        #[derive(sqlx::FromRow)]
        struct Row {
            household_id: Uuid,
            resident_id: Uuid,
            name: String,
            tag: String,
            building_name: String,
            unit: String,
            room: String,
            grid_name: Option<String>,
            last_visit: Option<Date>,
        }
        let rows: Vec<Row> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT h.id AS household_id, r.id AS resident_id, r.name, t.tag, b.name AS building_name, \
             h.unit, h.room, g.name AS grid_name, \
             (SELECT max(v.visited_on) FROM visit v WHERE v.household_id = h.id) AS last_visit \
             FROM resident_tag t JOIN resident r ON r.id = t.resident_id JOIN household h ON h.id = r.household_id \
             JOIN building b ON b.id = h.building_id LEFT JOIN grid g ON g.id = b.grid_id \
             WHERE t.community_code = $1 AND r.status = 'active' AND t.tag IN ($2, $3, $4, $5, $6) \
             AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id AND v.visited_on > $7) \
             ORDER BY last_visit NULLS FIRST, b.name, h.unit, h.room, r.name"
        )
        .bind(community.as_str())
        .bind(tags.first().copied().unwrap_or(""))
        .bind(tags.get(1).copied().unwrap_or(""))
        .bind(tags.get(2).copied().unwrap_or(""))
        .bind(tags.get(3).copied().unwrap_or(""))
        .bind(tags.get(4).copied().unwrap_or(""))
        .bind(since)
        .fetch_all(pool)
        .await)?;
        let mut out: Vec<CoverageRow> = Vec::new();
        for r in rows {
            if let Some(existing) = out.iter_mut().find(|o| o.resident.as_ref().is_some_and(|x| x.0 == r.resident_id)) {
                if let Some(res) = existing.resident.as_mut() {
                    res.2.push(r.tag);
                }
                continue;
            }
            out.push(CoverageRow {
                household_id: r.household_id,
                address: super::address(&r.building_name, &r.unit, &r.room),
                grid_name: r.grid_name,
                resident: Some((r.resident_id, r.name, vec![r.tag])),
                days_since: r.last_visit.map(|d| (today - d).whole_days()),
                last_visit: r.last_visit,
            });
        }
        Ok((interval, out))
    }
}
