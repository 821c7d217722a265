//! The stored working-day calendar: exceptions to Monday–Friday, editable per year.

use linli_domain::calendar::{DayKind, DayRule, year_bounds};
use linli_domain::{Action, Calendar, Invalid, Resource};
use serde_json::json;
use time::Date;

use crate::acting::Acting;
use crate::audit::{AuditTx, Entry, GLOBAL_CHAIN};
use crate::node::corrupt;
use crate::tx::WritePool;
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
        Ok(DayRule { date: r.day, kind, name: r.name })
    }
}

/// The calendar as last read, and when; shared by the clones of a [`Store`].
pub(crate) type CalendarCache = std::sync::Arc<std::sync::RwLock<Option<(std::time::Instant, Calendar)>>>;

/// How long a calendar read serves: another process's edits are seen within this (the web
/// layer re-reads its own copy as often).
const CALENDAR_FRESH: std::time::Duration = std::time::Duration::from_secs(60);

impl Store {
    /// Every stored rule, as the calendar that deadlines are computed with.
    pub async fn calendar(&self) -> StoreResult<Calendar> {
        if let Ok(cached) = self.calendar_cache.read()
            && let Some((at, cal)) = cached.as_ref()
            && at.elapsed() < CALENDAR_FRESH
        {
            return Ok(cal.clone());
        }
        let rows: Vec<DayRow> =
            on_db!(self, |pool| sqlx::query_as("SELECT day, kind, name FROM calendar_day ORDER BY day")
                .fetch_all(pool)
                .await)?;
        let rules = rows.into_iter().map(DayRule::try_from).collect::<StoreResult<Vec<_>>>()?;
        let cal = Calendar::new(rules);
        if let Ok(mut cached) = self.calendar_cache.write() {
            *cached = Some((std::time::Instant::now(), cal.clone()));
        }
        Ok(cal)
    }

    /// Forgets the cached calendar after a change to it.
    fn calendar_changed(&self) {
        if let Ok(mut cached) = self.calendar_cache.write() {
            *cached = None;
        }
    }

    /// Replaces one year's rules in a single transaction (all or nothing), with its audit
    /// entry when an actor did it (the built-in seed has none).
    async fn write_calendar_year(
        &self,
        year: i32,
        rules: &[DayRule],
        actor: Option<&crate::Actor>,
    ) -> StoreResult<usize> {
        let (from, to) = year_bounds(year)?;
        if let Some(r) = rules.iter().find(|r| r.date < from || r.date > to) {
            let e =
                linli_domain::FieldError::new("rules", "calendar_outside_year").with("date", r.date).with("year", year);
            return Err(StoreError::Invalid(Invalid(vec![e])));
        }
        let at = Ts(now());
        let by = actor.map_or("linli", |a| a.name.as_str());
        let entry = Entry::new(
            GLOBAL_CHAIN,
            "calendar.replace_year",
            "calendar",
            year.to_string(),
            json!({ "days": rules.len() }),
        );
        let insert = "INSERT INTO calendar_day (day, kind, name, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)";
        let result: Result<(), sqlx::Error> = on_db!(self, |pool| async {
            let mut tx = pool.begin_write().await?;
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
            if let Some(actor) = actor {
                tx.append_audit(actor, &entry).await?;
            }
            tx.commit().await
        }
        .await);
        self.calendar_changed();
        result.map_err(StoreError::unique("calendar day", "rules"))?;
        self.calendar_changed_on(from).await?;
        Ok(rules.len())
    }

    /// Loads the built-in schedules into a database that has none yet (a fresh install).
    pub async fn seed_calendar_if_empty(&self) -> StoreResult<bool> {
        let n: i64 =
            on_db!(self, |pool| sqlx::query_scalar("SELECT count(*) FROM calendar_day").fetch_one(pool).await)?;
        if n > 0 {
            return Ok(false);
        }
        let rules = Calendar::china_rules();
        let mut years: Vec<i32> = rules.iter().map(|r| r.date.year()).collect();
        years.dedup();
        for y in years {
            let of_year: Vec<DayRule> = rules.iter().filter(|r| r.date.year() == y).cloned().collect();
            self.write_calendar_year(y, &of_year, None).await?;
        }
        Ok(true)
    }
}

impl Acting<'_> {
    /// The calendar is the whole country's: only a principal at the top of the tree (a
    /// province administrator, or the shell) changes it, never a community-level token.
    fn check_calendar_update(&self) -> StoreResult<()> {
        self.check_right(Resource::Calendar, Action::Update)?;
        match self.actor.principal.node {
            Some(n) if n.level() != linli_domain::Level::Province => Err(StoreError::Forbidden),
            _ => Ok(()),
        }
    }

    /// Replaces one year's rules: all or nothing.
    pub async fn replace_calendar_year(&self, year: i32, rules: &[DayRule]) -> StoreResult<usize> {
        self.check_calendar_update()?;
        self.store.write_calendar_year(year, rules, Some(self.actor)).await
    }

    /// Adds or changes the rule of one day.
    pub async fn set_calendar_day(&self, rule: &DayRule) -> StoreResult<()> {
        self.check_calendar_update()?;
        year_bounds(rule.date.year()).map_err(|e| e.at("date"))?;
        let name = linli_domain::validation::text(&rule.name, 40).map_err(|e| e.at("name"))?;
        let sql = "INSERT INTO calendar_day (day, kind, name, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by";
        let entry = Entry::new(
            GLOBAL_CHAIN,
            "calendar.set_day",
            "calendar",
            rule.date.to_string(),
            json!({ "kind": rule.kind.as_str(), "name": name }),
        );
        let done = audited!(self, &entry, |tx| {
            sqlx::query(sql)
                .bind(rule.date)
                .bind(rule.kind.as_str())
                .bind(&name)
                .bind(Ts(now()))
                .bind(&self.actor.name)
                .execute(&mut *tx)
                .await?;
        });
        self.store.calendar_changed();
        done?;
        self.store.calendar_changed_on(rule.date).await
    }

    /// Removes the rule of one day, so it follows Monday–Friday again.
    pub async fn delete_calendar_day(&self, date: Date) -> StoreResult<()> {
        self.check_calendar_update()?;
        let entry = Entry::new(GLOBAL_CHAIN, "calendar.delete_day", "calendar", date.to_string(), json!({}));
        let done: Result<u64, sqlx::Error> = on_db!(self.store, |pool| async {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM calendar_day WHERE day = $1")
                .bind(date)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                tx.append_audit(self.actor, &entry).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n)
        }
        .await);
        self.store.calendar_changed();
        if done? == 0 {
            return Err(StoreError::NotFound("calendar day"));
        }
        self.store.calendar_changed_on(date).await
    }
}
