//! 社区概况: one profile per community, edited by its head or an administrator.

use linli_domain::community::{Profile, ProfileInput};
use linli_domain::{Action, DivisionCode, Level, Resource};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::acting::Acting;
use crate::audit::Entry;
use crate::{StoreError, StoreResult, Ts, now};

/// A community as its profile page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityProfile {
    pub code: DivisionCode,
    pub name: String,
    /// The street (街道) it belongs to.
    pub street_name: String,
    pub retired: bool,
    #[serde(flatten)]
    pub profile: Profile,
    /// Derived from the resident register once it exists; `None` until then.
    pub households: Option<i64>,
    pub population: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
    pub updated_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    address: String,
    area_km2: Option<f64>,
    service_hours: String,
    phone: String,
    email: String,
    introduction: String,
    visit_interval_days: i32,
    updated_at: OffsetDateTime,
    updated_by: String,
}

impl Acting<'_> {
    pub async fn community_profile(&self, code: DivisionCode) -> StoreResult<CommunityProfile> {
        self.check(Resource::Community, Action::Read, &code)?;
        self.load_profile(code).await
    }

    /// The profile for an operation whose rights the caller checked.
    async fn load_profile(&self, code: DivisionCode) -> StoreResult<CommunityProfile> {
        let node = self.store.node(code).await?;
        if node.level != Level::Community {
            return Err(StoreError::NotFound("community"));
        }
        let street_name = match node.parent_code {
            Some(p) => self.store.node(p).await.map(|n| n.name).unwrap_or_default(),
            None => String::new(),
        };
        let row: Option<ProfileRow> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT address, area_km2, service_hours, phone, email, introduction, visit_interval_days, updated_at, updated_by \
             FROM community_profile WHERE community_code = $1"
        )
        .bind(code.as_str())
        .fetch_optional(pool)
        .await
        })?;
        let (profile, updated_at, updated_by) = match row {
            Some(r) => (
                Profile {
                    address: r.address,
                    area_km2: r.area_km2,
                    service_hours: r.service_hours,
                    phone: r.phone,
                    email: r.email,
                    introduction: r.introduction,
                    visit_interval_days: u32::try_from(r.visit_interval_days)
                        .unwrap_or(linli_domain::register::DEFAULT_VISIT_INTERVAL_DAYS),
                },
                Some(r.updated_at),
                Some(r.updated_by),
            ),
            None => (ProfileInput::default().validate().map_err(StoreError::Invalid)?, None, None),
        };
        // Derived from the register, never typed: what the register says is what the profile says.
        let (households, population): (i64, i64) = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT count(DISTINCT household_id), count(*) FROM resident WHERE community_code = $1 AND status = 'active'"
        )
        .bind(code.as_str())
        .fetch_one(pool)
        .await
        })?;
        Ok(CommunityProfile {
            code,
            name: node.name,
            street_name,
            retired: node.retired_at.is_some(),
            profile,
            households: (households > 0).then_some(households),
            population: (population > 0).then_some(population),
            updated_at,
            updated_by,
        })
    }

    pub async fn update_community_profile(
        &self,
        code: DivisionCode,
        input: &ProfileInput,
    ) -> StoreResult<CommunityProfile> {
        self.check(Resource::Community, Action::Update, &code)?;
        let before = self.load_profile(code).await?;
        let p = input.validate()?;
        let changed: serde_json::Map<String, serde_json::Value> = [
            ("address", json!(before.profile.address), json!(p.address)),
            ("area_km2", json!(before.profile.area_km2), json!(p.area_km2)),
            ("service_hours", json!(before.profile.service_hours), json!(p.service_hours)),
            ("phone", json!(before.profile.phone), json!(p.phone)),
            ("email", json!(before.profile.email), json!(p.email)),
            ("introduction", json!(before.profile.introduction.chars().count()), json!(p.introduction.chars().count())),
            ("visit_interval_days", json!(before.profile.visit_interval_days), json!(p.visit_interval_days)),
        ]
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(k, a, b)| (k.to_owned(), json!({ "before": a, "after": b })))
        .collect();
        if changed.is_empty() {
            return Ok(before);
        }
        let entry = Entry::new(code.to_string(), "community.update", "community", code.to_string(), json!(changed));
        let sql = "INSERT INTO community_profile (community_code, address, area_km2, service_hours, phone, email, introduction, \
                   visit_interval_days, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                   ON CONFLICT (community_code) DO UPDATE SET address = excluded.address, area_km2 = excluded.area_km2, \
                   service_hours = excluded.service_hours, phone = excluded.phone, email = excluded.email, \
                   introduction = excluded.introduction, \
                   visit_interval_days = excluded.visit_interval_days, updated_at = excluded.updated_at, updated_by = excluded.updated_by";
        let at = Ts(now());
        let done = audited!(self, &entry, |tx| {
            sqlx::query(sql)
                .bind(code.as_str())
                .bind(&p.address)
                .bind(p.area_km2)
                .bind(&p.service_hours)
                .bind(&p.phone)
                .bind(&p.email)
                .bind(&p.introduction)
                .bind(p.visit_interval_days as i32)
                .bind(at)
                .bind(&self.actor.name)
                .execute(&mut *tx)
                .await?;
        });
        done?;
        self.load_profile(code).await
    }
}

/// What a community publishes about its office (居务公开): address, opening hours and the
/// office phone; nothing personal, so no sign-in is needed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PublicContacts {
    pub name: String,
    pub address: String,
    pub service_hours: String,
    pub phone: String,
}

impl crate::Store {
    pub async fn public_contacts(&self, code: DivisionCode) -> StoreResult<PublicContacts> {
        let node = self.node(code).await?;
        if node.level != Level::Community {
            return Err(StoreError::NotFound("community"));
        }
        let row: Option<(String, String, String)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT address, service_hours, phone FROM community_profile WHERE community_code = $1"
        )
        .bind(code.as_str())
        .fetch_optional(pool)
        .await)?;
        let (address, service_hours, phone) = row.unwrap_or_default();
        Ok(PublicContacts { name: node.name, address, service_hours, phone })
    }
}
