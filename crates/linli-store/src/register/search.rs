//! Finding residents — by name, pinyin, initials, the last digits of a document or phone,
//! address or category — and the population figures of a community.

use linli_domain::register::age_on;
use linli_domain::{Action, DivisionCode, Resource};
use serde::Serialize;
use serde_json::json;
use time::Date;
use uuid::Uuid;

use super::residents::{Event, ResidentDetail, masked_document, masked_phone};
use crate::acting::Acting;
use crate::node::stored_code;
use crate::{StoreError, StoreResult};

/// A resident as lists show them.
#[derive(Debug, Clone, Serialize)]
pub struct ResidentSummary {
    pub id: Uuid,
    pub community_code: DivisionCode,
    pub household_id: Uuid,
    pub address: String,
    pub name: String,
    /// `male` / `female`.
    pub gender: String,
    pub age: i32,
    pub document_kind: String,
    pub document_masked: String,
    pub phone_masked: Option<String>,
    pub residence_type: String,
    pub relation: String,
    /// Category codes, derived (`elderly_60` …) and recorded (`living_alone`, `custom:…`).
    pub tags: Vec<String>,
    /// `active`, `moved_out` or `deceased`.
    pub status: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Address,
    Name,
    /// Oldest first.
    Age,
}

/// Filters, sorting and paging for the register.
#[derive(Debug, Clone, Default)]
pub struct ResidentQuery {
    pub community: Option<DivisionCode>,
    /// A name or part of it, pinyin or initials, the last 4 digits of a document or phone, or
    /// part of an address.
    pub q: Option<String>,
    /// A category code (`living_alone`, `elderly_80`, `custom:…`).
    pub tag: Option<String>,
    pub building: Option<Uuid>,
    pub grid: Option<Uuid>,
    /// `active` (the default), `moved_out`, `deceased` or `all`.
    pub status: Option<String>,
    pub sort: Sort,
    pub limit: i64,
    pub offset: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    id: Uuid,
    community_code: String,
    household_id: Uuid,
    building_name: String,
    unit: String,
    room: String,
    name: String,
    gender: String,
    birth_date: Date,
    document_kind: String,
    document_enc: Vec<u8>,
    phone_enc: Option<Vec<u8>>,
    residence_type: String,
    relation: String,
    status: String,
    tags: Option<String>,
    birth: Date,
    ethnicity: Option<String>,
    employment: Option<String>,
    disability_kind: Option<String>,
    disability_grade: Option<i32>,
    grid_name: Option<String>,
    note: String,
}

/// A resident as an export writes them: the summary and the rest of the record.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub summary: ResidentSummary,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub birth_date: Date,
    pub ethnicity: Option<String>,
    pub employment: Option<String>,
    pub disability_kind: Option<String>,
    pub disability_grade: Option<i32>,
    pub grid_name: Option<String>,
    pub note: String,
}

/// The columns of a [`SummaryRow`], for `r` = resident, `h` its household, `b` its building.
macro_rules! summary_columns {
    () => {
        "SELECT r.id, r.community_code, r.household_id, b.name AS building_name, h.unit, h.room, \
         r.name, r.gender, r.birth_date, r.document_kind, r.document_enc, r.phone_enc, r.residence_type, r.relation, \
         r.status, (SELECT string_agg(t.tag, ' ') FROM resident_tag t WHERE t.resident_id = r.id \
         AND t.community_code = r.community_code) AS tags, r.birth_date AS birth, r.ethnicity, r.employment, \
         r.disability_kind, r.disability_grade, (SELECT g.name FROM grid g WHERE g.id = b.grid_id \
         AND g.community_code = b.community_code) AS grid_name, r.note"
    };
}

/// A resident's household and building.
macro_rules! resident_joins {
    () => {
        " JOIN household h ON h.id = r.household_id AND h.community_code = r.community_code \
         JOIN building b ON b.id = h.building_id AND b.community_code = h.community_code"
    };
}

pub(crate) const SUMMARY_COLUMNS: &str = summary_columns!();
pub(crate) const RESIDENT_JOINS: &str = resident_joins!();
pub(crate) const SUMMARY_SELECT: &str = concat!(summary_columns!(), " FROM resident r", resident_joins!());

/// SQLite spells `string_agg` as `group_concat`.
pub(super) fn for_engine(store: &crate::Store, sql: &str) -> String {
    match store.engine() {
        crate::Engine::Sqlite => sql.replace("string_agg(t.tag, ' ')", "group_concat(t.tag, ' ')"),
        crate::Engine::Postgres => sql.to_owned(),
    }
}

impl Acting<'_> {
    pub(crate) fn summary_of(&self, r: SummaryRow, today: Date) -> StoreResult<ResidentSummary> {
        let keys = self.store.keys()?;
        let mut tags: Vec<String> =
            linli_domain::register::derived_categories(r.birth_date, today).into_iter().map(str::to_owned).collect();
        tags.extend(r.tags.unwrap_or_default().split_whitespace().map(str::to_owned));
        Ok(ResidentSummary {
            document_masked: masked_document(keys, &r.id, &r.document_enc)?,
            phone_masked: masked_phone(keys, &r.id, r.phone_enc.as_deref())?,
            id: r.id,
            community_code: stored_code(&r.community_code)?,
            household_id: r.household_id,
            address: super::address(&r.building_name, &r.unit, &r.room),
            name: r.name,
            gender: r.gender,
            age: age_on(r.birth_date, today),
            document_kind: r.document_kind,
            residence_type: r.residence_type,
            relation: r.relation,
            tags,
            status: r.status,
        })
    }

    /// Residents matching the query within the actor's subtree, with the total.
    pub async fn residents(&self, q: &ResidentQuery) -> StoreResult<(Vec<ResidentSummary>, i64)> {
        self.check_right(Resource::Register, Action::Read)?;
        if let Some(c) = q.community {
            self.community_for(Resource::Register, Action::Read, c).await?;
        }
        let today = crate::today();
        let (rows, total) = self.matching(q, today).await?;
        let items = rows.into_iter().map(|r| self.summary_of(r, today)).collect::<StoreResult<Vec<_>>>()?;
        Ok((items, total))
    }

    /// A filtered list for a spreadsheet: its own right, personal numbers masked, and an audit
    /// entry saying what was exported (`q.limit` caps the rows).
    pub async fn register_export(&self, q: &ResidentQuery) -> StoreResult<(Vec<ExportRow>, i64)> {
        self.check_right(Resource::Register, Action::Export)?;
        let community = q.community.ok_or(StoreError::NotFound("community"))?;
        self.community_for(Resource::Register, Action::Export, community).await?;
        let today = crate::today();
        let (rows, total) = self.matching(q, today).await?;
        let out = rows
            .into_iter()
            .map(|r| {
                Ok(ExportRow {
                    building: r.building_name.clone(),
                    unit: r.unit.clone(),
                    room: r.room.clone(),
                    birth_date: r.birth,
                    ethnicity: r.ethnicity.clone(),
                    employment: r.employment.clone(),
                    disability_kind: r.disability_kind.clone(),
                    disability_grade: r.disability_grade,
                    grid_name: r.grid_name.clone(),
                    note: r.note.clone(),
                    summary: self.summary_of(r, today)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let filter = json!({ "q": q.q, "tag": q.tag, "status": q.status, "building": q.building, "grid": q.grid });
        let summary = json!({ "rows": out.len(), "matching": total, "filter": filter });
        self.store
            .record(
                self.actor,
                &crate::audit::Entry::new(community.to_string(), "register.export", "register", "", summary),
            )
            .await?;
        Ok((out, total))
    }

    /// The rows and the total of a query whose rights the caller checked.
    /// Everyone registered in a household, the present first. The caller checked the rights.
    pub(crate) async fn household_members(&self, household: Uuid) -> StoreResult<Vec<ResidentSummary>> {
        let sql = for_engine(
            self.store,
            &format!(
                "{SUMMARY_SELECT} WHERE r.household_id = $1 ORDER BY r.status <> 'active', r.relation <> 'head', r.birth_date"
            ),
        );
        let rows: Vec<SummaryRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(household)
            .fetch_all(pool)
            .await)?;
        let today = crate::today();
        rows.into_iter().map(|r| self.summary_of(r, today)).collect()
    }

    /// A resident with history, without the rights check (callers check).
    pub(crate) async fn resident_detail(&self, id: Uuid) -> StoreResult<ResidentDetail> {
        #[derive(sqlx::FromRow)]
        struct Extra {
            pinyin: String,
            initials: String,
            birth_date: Date,
            ethnicity: Option<String>,
            employment: Option<String>,
            disability_kind: Option<String>,
            disability_grade: Option<i32>,
            note: String,
        }
        let sql = for_engine(self.store, &format!("{SUMMARY_SELECT} WHERE r.id = $1"));
        let row: Option<SummaryRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        let summary = self.summary_of(row.ok_or(StoreError::NotFound("resident"))?, crate::today())?;
        let extra: Extra = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT pinyin, initials, birth_date, ethnicity, employment, disability_kind, disability_grade, note \
             FROM resident WHERE id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await)?;
        let events: Vec<Event> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT kind, on_date, details, recorded_by, recorded_at FROM resident_event WHERE resident_id = $1 \
             ORDER BY on_date DESC, recorded_at DESC"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        Ok(ResidentDetail {
            summary,
            pinyin: extra.pinyin,
            initials: extra.initials,
            birth_date: extra.birth_date.to_string(),
            ethnicity: extra.ethnicity,
            employment: extra.employment,
            disability_kind: extra.disability_kind,
            disability_grade: extra.disability_grade,
            note: extra.note,
            events,
        })
    }

    /// A community's population: totals, an age pyramid in five-year bands by gender, and
    /// counts per category.
    pub async fn population(&self, community: DivisionCode) -> StoreResult<Population> {
        self.community_for(Resource::Register, Action::Read, community).await?;
        let today = crate::today();
        let people: Vec<(String, Date)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT gender, birth_date FROM resident WHERE community_code = $1 AND status = 'active'"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let households: i64 = on_db!(self.store, |pool| {
            sqlx::query_scalar(
            "SELECT count(DISTINCT r.household_id) FROM resident r WHERE r.community_code = $1 AND r.status = 'active'"
        )
        .bind(community.as_str())
        .fetch_one(pool)
        .await
        })?;
        let tags: Vec<(String, i64)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT t.tag, count(*) FROM resident_tag t JOIN resident r ON r.id = t.resident_id \
             WHERE t.community_code = $1 AND r.status = 'active' GROUP BY t.tag ORDER BY count(*) DESC, t.tag"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let mut bands = vec![(0i64, 0i64); 21];
        let (mut e60, mut e80, mut minors) = (0, 0, 0);
        for (gender, birth) in &people {
            let age = age_on(*birth, today).max(0);
            let band = (age as usize / 5).min(20);
            if gender == "male" {
                bands[band].0 += 1;
            } else {
                bands[band].1 += 1;
            }
            e60 += i64::from(age >= 60);
            e80 += i64::from(age >= 80);
            minors += i64::from(age < 18);
        }
        let mut categories =
            vec![("elderly_60".to_owned(), e60), ("elderly_80".to_owned(), e80), ("minor".to_owned(), minors)];
        categories.extend(tags);
        Ok(Population { residents: people.len() as i64, households, bands, categories })
    }
}

/// The same day `years` earlier; on 29 February, the 28th when that year has no 29th (someone
/// born on the 28th has then had the birthday, someone born on 1 March not yet).
pub(crate) fn years_before(day: Date, years: i32) -> Date {
    let year = day.year() - years;
    day.replace_year(year).or_else(|_| day.replace_day(28).and_then(|d| d.replace_year(year))).unwrap_or(day)
}

/// Population figures for the profile and the charts.
#[derive(Debug, Clone, Serialize)]
pub struct Population {
    pub residents: i64,
    pub households: i64,
    /// (men, women) per five-year band, 0–4 … 95–99, 100+.
    pub bands: Vec<(i64, i64)>,
    /// (category code, people), derived ones first.
    pub categories: Vec<(String, i64)>,
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::years_before;

    #[test]
    fn a_leap_day_counts_back_to_the_28th() {
        assert_eq!(years_before(date!(2026 - 11 - 29), 80), date!(1946 - 11 - 29));
        assert_eq!(years_before(date!(2028 - 02 - 29), 18), date!(2010 - 02 - 28));
        assert_eq!(years_before(date!(2028 - 02 - 29), 60), date!(1968 - 02 - 29));
    }
}
