//! Writing many rows at once, the fastest way each engine offers: multi-row `INSERT … VALUES`
//! on SQLite (within its bound-parameter limit), and one array per column unpacked with
//! `UNNEST` on PostgreSQL (23 parameters instead of 11,500 for 500 residents).

use sqlx::{Postgres, QueryBuilder, Sqlite};
use time::Date;
use uuid::Uuid;

use super::residents::{Encoded, gender_code};
use crate::Ts;
use linli_domain::register::ResidentFields;

/// Rows per multi-row INSERT on SQLite (at most 32,766 parameters per statement).
const SQLITE_ROWS: usize = 500;

#[derive(Debug, Default)]
pub(crate) struct Households {
    pub id: Vec<Uuid>,
    pub building: Vec<Uuid>,
    pub unit: Vec<String>,
    pub room: Vec<String>,
    pub head: Vec<Option<Uuid>>,
}

#[derive(Debug, Default)]
pub(crate) struct Residents {
    pub id: Vec<Uuid>,
    pub household: Vec<Uuid>,
    pub name: Vec<String>,
    pub pinyin: Vec<String>,
    pub initials: Vec<String>,
    pub gender: Vec<String>,
    pub document_kind: Vec<String>,
    pub document_enc: Vec<Vec<u8>>,
    pub document_idx: Vec<Vec<u8>>,
    pub document_tail: Vec<String>,
    pub birth_date: Vec<Date>,
    pub ethnicity: Vec<Option<String>>,
    pub phone_enc: Vec<Option<Vec<u8>>>,
    pub phone_tail: Vec<Option<String>>,
    pub residence_type: Vec<String>,
    pub relation: Vec<String>,
    pub employment: Vec<Option<String>>,
    pub disability_kind: Vec<Option<String>>,
    pub disability_grade: Vec<Option<i32>>,
    pub note: Vec<String>,
}

impl Residents {
    pub fn push(&mut self, id: Uuid, household: Uuid, f: &ResidentFields, e: Encoded) {
        self.id.push(id);
        self.household.push(household);
        self.name.push(f.name.clone());
        self.pinyin.push(f.pinyin.clone());
        self.initials.push(f.initials.clone());
        self.gender.push(gender_code(f.gender).to_owned());
        self.document_kind.push(f.document.kind.as_str().to_owned());
        self.document_enc.push(e.document_enc);
        self.document_idx.push(e.document_idx);
        self.document_tail.push(f.document.tail());
        self.birth_date.push(f.birth_date);
        self.ethnicity.push(f.ethnicity.map(str::to_owned));
        self.phone_enc.push(e.phone_enc);
        self.phone_tail.push(e.phone_tail);
        self.residence_type.push(f.residence_type.as_str().to_owned());
        self.relation.push(f.relation.as_str().to_owned());
        self.employment.push(f.employment.map(|x| x.as_str().to_owned()));
        self.disability_kind.push(f.disability.map(|d| d.0.to_owned()));
        self.disability_grade.push(f.disability.map(|d| i32::from(d.1)));
        self.note.push(f.note.clone());
    }
}

#[derive(Debug, Default)]
pub(crate) struct Tags {
    pub resident: Vec<Uuid>,
    pub tag: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Events {
    pub id: Vec<Uuid>,
    pub resident: Vec<Uuid>,
    pub household: Vec<Uuid>,
    pub kind: Vec<String>,
    pub details: Vec<String>,
}

/// What every row of one import shares.
pub(crate) struct Common<'a> {
    pub community: &'a str,
    pub at: Ts,
    pub on_date: Date,
    pub recorded_by: &'a str,
}

pub(crate) trait BulkTx {
    async fn households(&mut self, c: &Common<'_>, h: &Households) -> Result<(), sqlx::Error>;
    async fn residents(&mut self, c: &Common<'_>, r: &Residents) -> Result<(), sqlx::Error>;
    async fn tags(&mut self, c: &Common<'_>, t: &Tags) -> Result<(), sqlx::Error>;
    async fn events(&mut self, c: &Common<'_>, e: &Events) -> Result<(), sqlx::Error>;
}

const RESIDENT_COLUMNS: &str = "id, community_code, household_id, name, pinyin, initials, gender, document_kind, \
     document_enc, document_idx, document_tail, birth_date, ethnicity, phone_enc, phone_tail, residence_type, relation, \
     employment, disability_kind, disability_grade, note, created_at, updated_at";

impl BulkTx for crate::tx::WriteTx<Sqlite> {
    async fn households(&mut self, c: &Common<'_>, h: &Households) -> Result<(), sqlx::Error> {
        for rows in chunks(h.id.len()) {
            let mut b = QueryBuilder::<Sqlite>::new(
                "INSERT INTO household (id, community_code, building_id, unit, room, head_id, created_at) ",
            );
            b.push_values(rows, |mut v, i| {
                v.push_bind(h.id[i])
                    .push_bind(c.community)
                    .push_bind(h.building[i])
                    .push_bind(&h.unit[i])
                    .push_bind(&h.room[i])
                    .push_bind(h.head[i])
                    .push_bind(c.at);
            });
            b.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn residents(&mut self, c: &Common<'_>, r: &Residents) -> Result<(), sqlx::Error> {
        for rows in chunks(r.id.len()) {
            let mut b = QueryBuilder::<Sqlite>::new(format!("INSERT INTO resident ({RESIDENT_COLUMNS}) "));
            b.push_values(rows, |mut v, i| {
                v.push_bind(r.id[i])
                    .push_bind(c.community)
                    .push_bind(r.household[i])
                    .push_bind(&r.name[i])
                    .push_bind(&r.pinyin[i])
                    .push_bind(&r.initials[i])
                    .push_bind(&r.gender[i])
                    .push_bind(&r.document_kind[i])
                    .push_bind(&r.document_enc[i])
                    .push_bind(&r.document_idx[i])
                    .push_bind(&r.document_tail[i])
                    .push_bind(r.birth_date[i])
                    .push_bind(&r.ethnicity[i])
                    .push_bind(&r.phone_enc[i])
                    .push_bind(&r.phone_tail[i])
                    .push_bind(&r.residence_type[i])
                    .push_bind(&r.relation[i])
                    .push_bind(&r.employment[i])
                    .push_bind(&r.disability_kind[i])
                    .push_bind(r.disability_grade[i])
                    .push_bind(&r.note[i])
                    .push_bind(c.at)
                    .push_bind(c.at);
            });
            b.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn tags(&mut self, c: &Common<'_>, t: &Tags) -> Result<(), sqlx::Error> {
        for rows in chunks(t.resident.len()) {
            let mut b = QueryBuilder::<Sqlite>::new("INSERT INTO resident_tag (resident_id, community_code, tag) ");
            b.push_values(rows, |mut v, i| {
                v.push_bind(t.resident[i]).push_bind(c.community).push_bind(&t.tag[i]);
            });
            b.build().execute(&mut **self).await?;
        }
        Ok(())
    }

    async fn events(&mut self, c: &Common<'_>, e: &Events) -> Result<(), sqlx::Error> {
        for rows in chunks(e.id.len()) {
            let mut b = QueryBuilder::<Sqlite>::new(
                "INSERT INTO resident_event (id, community_code, resident_id, household_id, kind, on_date, details, \
                 recorded_by, recorded_at) ",
            );
            b.push_values(rows, |mut v, i| {
                v.push_bind(e.id[i])
                    .push_bind(c.community)
                    .push_bind(e.resident[i])
                    .push_bind(e.household[i])
                    .push_bind(&e.kind[i])
                    .push_bind(c.on_date)
                    .push_bind(&e.details[i])
                    .push_bind(c.recorded_by)
                    .push_bind(c.at);
            });
            b.build().execute(&mut **self).await?;
        }
        Ok(())
    }
}

/// Index ranges of at most [`SQLITE_ROWS`] rows.
fn chunks(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n).step_by(SQLITE_ROWS).map(move |start| start..(start + SQLITE_ROWS).min(n))
}

impl BulkTx for crate::tx::WriteTx<Postgres> {
    async fn households(&mut self, c: &Common<'_>, h: &Households) -> Result<(), sqlx::Error> {
        if h.id.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO household (id, community_code, building_id, unit, room, head_id, created_at) \
             SELECT u.id, $1, u.building, u.unit, u.room, u.head, $2 \
             FROM UNNEST($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[]) AS u(id, building, unit, room, head)",
        )
        .bind(c.community)
        .bind(c.at)
        .bind(&h.id)
        .bind(&h.building)
        .bind(&h.unit)
        .bind(&h.room)
        .bind(&h.head)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn residents(&mut self, c: &Common<'_>, r: &Residents) -> Result<(), sqlx::Error> {
        if r.id.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO resident ({RESIDENT_COLUMNS}) \
             SELECT u.id, $1, u.household, u.name, u.pinyin, u.initials, u.gender, u.document_kind, u.document_enc, \
             u.document_idx, u.document_tail, u.birth_date, u.ethnicity, u.phone_enc, u.phone_tail, u.residence_type, \
             u.relation, u.employment, u.disability_kind, u.disability_grade, u.note, $2, $2 \
             FROM UNNEST($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], \
             $10::bytea[], $11::bytea[], $12::text[], $13::date[], $14::text[], $15::bytea[], $16::text[], $17::text[], \
             $18::text[], $19::text[], $20::text[], $21::int4[], $22::text[]) \
             AS u(id, household, name, pinyin, initials, gender, document_kind, document_enc, document_idx, \
             document_tail, birth_date, ethnicity, phone_enc, phone_tail, residence_type, relation, employment, \
             disability_kind, disability_grade, note)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(c.community)
            .bind(c.at)
            .bind(&r.id)
            .bind(&r.household)
            .bind(&r.name)
            .bind(&r.pinyin)
            .bind(&r.initials)
            .bind(&r.gender)
            .bind(&r.document_kind)
            .bind(&r.document_enc)
            .bind(&r.document_idx)
            .bind(&r.document_tail)
            .bind(&r.birth_date)
            .bind(&r.ethnicity)
            .bind(&r.phone_enc)
            .bind(&r.phone_tail)
            .bind(&r.residence_type)
            .bind(&r.relation)
            .bind(&r.employment)
            .bind(&r.disability_kind)
            .bind(&r.disability_grade)
            .bind(&r.note)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    async fn tags(&mut self, c: &Common<'_>, t: &Tags) -> Result<(), sqlx::Error> {
        if t.resident.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO resident_tag (resident_id, community_code, tag) \
             SELECT u.resident, $1, u.tag FROM UNNEST($2::uuid[], $3::text[]) AS u(resident, tag)",
        )
        .bind(c.community)
        .bind(&t.resident)
        .bind(&t.tag)
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    async fn events(&mut self, c: &Common<'_>, e: &Events) -> Result<(), sqlx::Error> {
        if e.id.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO resident_event (id, community_code, resident_id, household_id, kind, on_date, details, \
             recorded_by, recorded_at) \
             SELECT u.id, $1, u.resident, u.household, u.kind, $2, u.details, $3, $4 \
             FROM UNNEST($5::uuid[], $6::uuid[], $7::uuid[], $8::text[], $9::text[]) \
             AS u(id, resident, household, kind, details)",
        )
        .bind(c.community)
        .bind(c.on_date)
        .bind(c.recorded_by)
        .bind(c.at)
        .bind(&e.id)
        .bind(&e.resident)
        .bind(&e.household)
        .bind(&e.kind)
        .bind(&e.details)
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}
