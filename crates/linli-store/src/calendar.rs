//! The stored working-day calendar: exceptions to Monday–Friday, editable per year.

use linli_domain::calendar::{DayKind, DayRule};
use linli_domain::{Calendar, Invalid};
use time::{Date, Month};

use crate::node::corrupt;
use crate::{Store, StoreError, StoreResult, Ts, now};

#[derive(sqlx::FromRow)]
struct DayRow {
    day: Date,
    kind: String,
    name: String,
}

impl TryFrom<DayRow> for DayRule {
    type Error = StoreError;
    fn try_from(r: DayRow) -> StoreResult<DayRule> {
        let kind = DayKind::parse(&r.kind).ok_or_else(|| corrupt("calendar_day.kind", &r.kind))?;
        Ok(DayRule {
            date: r.day,
            kind,
            name: r.name,
        })
    }
}

fn year_range(year: i32) -> StoreResult<(Date, Date)> {
    let bad = || StoreError::Invalid(Invalid::one("year", "calendar_year"));
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    let from = Date::from_calendar_date(year, Month::January, 1).map_err(|_| bad())?;
    let to = Date::from_calendar_date(year, Month::December, 31).map_err(|_| bad())?;
    Ok((from, to))
}

impl Store {
    /// Every stored rule, as the calendar that deadlines are computed with.
    pub async fn calendar(&self) -> StoreResult<Calendar> {
        let rows: Vec<DayRow> = on_db!(self, |pool| sqlx::query_as(
            "SELECT day, kind, name FROM calendar_day ORDER BY day"
        )
        .fetch_all(pool)
        .await)?;
        let rules = rows
            .into_iter()
            .map(DayRule::try_from)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Calendar::new(rules))
    }

    /// Replaces one year's rules in a single transaction: all or nothing.
    pub async fn replace_calendar_year(
        &self,
        year: i32,
        rules: &[DayRule],
        by: &str,
    ) -> StoreResult<usize> {
        let (from, to) = year_range(year)?;
        if let Some(r) = rules.iter().find(|r| r.date < from || r.date > to) {
            let e = linli_domain::FieldError::new("rules", "calendar_outside_year")
                .with("date", r.date)
                .with("year", year);
            return Err(StoreError::Invalid(Invalid(vec![e])));
        }
        let at = Ts(now());
        let insert = "INSERT INTO calendar_day (day, kind, name, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)";
        let result: Result<(), sqlx::Error> = on_db!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM calendar_day WHERE day >= $1 AND day <= $2")
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?;
            for r in rules {
                sqlx::query(insert)
                    .bind(r.date)
                    .bind(r.kind.as_str())
                    .bind(&r.name)
                    .bind(at)
                    .bind(by)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        });
        result.map_err(StoreError::unique("calendar day", "rules"))?;
        Ok(rules.len())
    }

    /// Adds or changes the rule of one day.
    pub async fn set_calendar_day(&self, rule: &DayRule, by: &str) -> StoreResult<()> {
        year_range(rule.date.year())?;
        let name = linli_domain::validation::text(&rule.name, 40).map_err(|e| e.at("name"))?;
        let sql = "INSERT INTO calendar_day (day, kind, name, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by";
        exec_db!(self, |pool| sqlx::query(sql)
            .bind(rule.date)
            .bind(rule.kind.as_str())
            .bind(name)
            .bind(Ts(now()))
            .bind(by)
            .execute(pool)
            .await)?;
        Ok(())
    }

    /// Removes the rule of one day, so it follows Monday–Friday again.
    pub async fn delete_calendar_day(&self, date: Date) -> StoreResult<()> {
        let done = exec_db!(self, |pool| sqlx::query(
            "DELETE FROM calendar_day WHERE day = $1"
        )
        .bind(date)
        .execute(pool)
        .await)?;
        if done == 0 {
            return Err(StoreError::NotFound("calendar day"));
        }
        Ok(())
    }

    /// Loads the built-in schedules into a database that has none yet (a fresh install).
    pub async fn seed_calendar_if_empty(&self) -> StoreResult<bool> {
        let n: i64 = on_db!(self, |pool| sqlx::query_scalar(
            "SELECT count(*) FROM calendar_day"
        )
        .fetch_one(pool)
        .await)?;
        if n > 0 {
            return Ok(false);
        }
        let rules = Calendar::china_rules();
        let mut years: Vec<i32> = rules.iter().map(|r| r.date.year()).collect();
        years.dedup();
        for y in years {
            let of_year: Vec<DayRule> = rules
                .iter()
                .filter(|r| r.date.year() == y)
                .cloned()
                .collect();
            self.replace_calendar_year(y, &of_year, "linli").await?;
        }
        Ok(true)
    }
}
