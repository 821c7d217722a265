//! 预约: slots opened by the window, booked by residents (or by staff for a caller), changed,
//! cancelled, and marked attended or no-show on the day.

use linli_domain::ids::mask_phone;
use linli_domain::validation::text;
use linli_domain::window::appointment::{MAX_ACTIVE_BOOKINGS, SlotsInput};
use linli_domain::{Action, DivisionCode, Invalid, Phone, Resource};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::stored_code;
use crate::privacy::Field;
use crate::{Engine, StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, Serialize)]
pub struct SlotView {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub capacity: i32,
    pub booked: i64,
    pub item_id: Option<Uuid>,
    pub item_name: Option<String>,
    pub service_window: String,
}

impl SlotView {
    pub fn left(&self) -> i64 {
        (i64::from(self.capacity) - self.booked).max(0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Booking {
    pub id: Uuid,
    pub slot_id: Uuid,
    pub community_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub item_name: Option<String>,
    pub service_window: String,
    pub name: String,
    pub phone_masked: String,
    pub state: String,
    pub user_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct SlotRow {
    id: Uuid,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    capacity: i32,
    booked: i64,
    item_id: Option<Uuid>,
    item_name: Option<String>,
    service_window: String,
}

#[derive(sqlx::FromRow)]
struct BookingRow {
    id: Uuid,
    slot_id: Uuid,
    community_code: String,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    item_name: Option<String>,
    service_window: String,
    name: String,
    phone_enc: Vec<u8>,
    state: String,
    user_id: Option<Uuid>,
}

const BOOKING_SELECT: &str = "SELECT a.id, a.slot_id, a.community_code, s.starts_at, s.ends_at, i.name AS item_name, \
     s.service_window, a.name, a.phone_enc, a.state, a.user_id \
     FROM appointment a JOIN appointment_slot s ON s.id = a.slot_id LEFT JOIN service_item i ON i.id = a.item_id";

fn invalid(field: &str, code: &'static str) -> StoreError {
    StoreError::Invalid(Invalid::one(field, code))
}

impl Acting<'_> {
    /// Opens slots on working days (staff). Returns how many were made.
    pub async fn open_slots(&self, community: DivisionCode, input: &SlotsInput) -> StoreResult<usize> {
        self.community_for(Resource::ServiceRequest, Action::Create, community).await?;
        let cal = self.store.calendar().await?;
        let (slots, capacity, window) = input.slots(&cal, crate::today())?;
        let item = match input.item.trim() {
            "" => None,
            s => {
                let id = Uuid::parse_str(s).map_err(|_| invalid("item", "choice"))?;
                self.store.community_item(community, id).await.map_err(|_| invalid("item", "choice"))?;
                Some(id)
            }
        };
        let entry = Entry::new(
            community.to_string(),
            "appointment.open_slots",
            "community",
            community.to_string(),
            json!({ "slots": slots.len(), "capacity": capacity, "from": input.from }),
        );
        let at = Ts(now());
        audited!(self, &entry, |tx| {
            for s in &slots {
                // A slot that is already open (a form sent twice) is not opened again.
                sqlx::query(
                    "INSERT INTO appointment_slot (id, community_code, item_id, service_window, starts_at, ends_at, capacity, created_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE NOT EXISTS (SELECT 1 FROM appointment_slot \
                     WHERE community_code = $2 AND starts_at = $5 AND ends_at = $6 AND service_window = $4 \
                     AND cancelled_at IS NULL AND (item_id = $3 OR (item_id IS NULL AND $3 IS NULL)))",
                )
                .bind(Uuid::now_v7())
                .bind(community.as_str())
                .bind(item)
                .bind(&window)
                .bind(Ts(s.starts_at))
                .bind(Ts(s.ends_at))
                .bind(capacity as i32)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
        })?;
        Ok(slots.len())
    }

    /// Slots from `from` for `days` days with what is left of each; residents see only future
    /// slots of their own community.
    pub async fn slots(
        &self,
        community: DivisionCode,
        from: Date,
        days: i64,
        item: Option<Uuid>,
    ) -> StoreResult<Vec<SlotView>> {
        if self.is_resident() {
            self.check(Resource::Application, Action::Read, &community)?;
        } else {
            self.community_for(Resource::ServiceRequest, Action::Read, community).await?;
        }
        let start = from.midnight().assume_offset(linli_domain::workflow::CHINA);
        let start = if self.is_resident() { start.max(now()) } else { start };
        let end =
            (from + time::Duration::days(days.clamp(1, 60))).midnight().assume_offset(linli_domain::workflow::CHINA);
        let rows: Vec<SlotRow> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT s.id, s.starts_at, s.ends_at, s.capacity, \
             (SELECT count(*) FROM appointment a WHERE a.slot_id = s.id AND a.state IN ('booked', 'attended', 'no_show')) AS booked, \
             s.item_id, i.name AS item_name, s.service_window FROM appointment_slot s LEFT JOIN service_item i ON i.id = s.item_id \
             WHERE s.community_code = $1 AND s.cancelled_at IS NULL AND s.starts_at >= $2 AND s.starts_at < $3 \
             AND ($4 IS NULL OR s.item_id IS NULL OR s.item_id = $4) ORDER BY s.starts_at"
        )
        .bind(community.as_str())
        .bind(Ts(start))
        .bind(Ts(end))
        .bind(item)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|r| SlotView {
                id: r.id,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                capacity: r.capacity,
                booked: r.booked,
                item_id: r.item_id,
                item_name: r.item_name,
                service_window: r.service_window,
            })
            .collect())
    }

    /// Books a slot: a resident for themselves, or staff for a caller. Full slots, slots that
    /// have ended and a fourth open booking are refused.
    pub async fn book(&self, slot: Uuid, name: &str, phone: &str, item: Option<Uuid>) -> StoreResult<Uuid> {
        // A slot can be booked until it ends: a walk-in during the slot still gets it.
        let (community, ends_at, slot_item): (String, OffsetDateTime, Option<Uuid>) =
            on_db!(self.store, |pool| sqlx::query_as(
                "SELECT community_code, ends_at, item_id FROM appointment_slot WHERE id = $1 AND cancelled_at IS NULL"
            )
            .bind(slot)
            .fetch_optional(pool)
            .await)?
            .ok_or(StoreError::NotFound("appointment slot"))?;
        let community = stored_code(&community)?;
        let resident = self.is_resident();
        if resident {
            self.check(Resource::Application, Action::Create, &community)?;
        } else {
            self.check(Resource::ServiceRequest, Action::Create, &community)?;
        }
        let mut c = linli_domain::validation::Checker::new();
        let name = c.take("name", text(name, 40));
        let phone = c.take("phone", Phone::parse(phone));
        c.finish()?;
        let (Some(name), Some(phone)) = (name, phone) else { return Err(invalid("", "required")) };
        if ends_at <= now() {
            return Err(invalid("slot", "slot_past"));
        }
        let user = if resident { self.actor.user_id() } else { None };
        if let Some(i) = item {
            self.store.community_item(community, i).await.map_err(|_| invalid("item", "choice"))?;
        }
        let id = Uuid::now_v7();
        let phone_enc = self.store.keys()?.encrypt(Field::Phone, &id, phone.as_str());
        let item = item.or(slot_item);
        self.insert_booking(community, slot, id, &name, &phone_enc, user, item, None).await?;
        Ok(id)
    }

    /// Writes a booking if the slot still has room, optionally cancelling `replacing` in the
    /// same transaction (a change of time).
    #[allow(clippy::too_many_arguments)]
    async fn insert_booking(
        &self,
        community: DivisionCode,
        slot: Uuid,
        id: Uuid,
        name: &str,
        phone_enc: &[u8],
        user: Option<Uuid>,
        item: Option<Uuid>,
        replacing: Option<Uuid>,
    ) -> StoreResult<()> {
        let lock = match self.store.engine() {
            // SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL locks the slot row.
            Engine::Sqlite => "SELECT capacity FROM appointment_slot WHERE id = $1",
            Engine::Postgres => "SELECT capacity FROM appointment_slot WHERE id = $1 FOR UPDATE",
        };
        let action = if replacing.is_some() { "appointment.change" } else { "appointment.book" };
        let entry = Entry::new(
            community.to_string(),
            action,
            "appointment",
            id.to_string(),
            json!({ "slot": slot, "replacing": replacing }),
        );
        let at = Ts(now());
        let done: Result<&'static str, sqlx::Error> = on_db!(self.store, |pool| {
            async {
            use crate::audit::AuditTx as _;
            use crate::tx::WritePool as _;
            let mut tx = pool.begin_write().await?;
            let capacity: i32 = sqlx::query_scalar(lock).bind(slot).fetch_one(&mut *tx).await?;
            if let Some(old) = replacing {
                let moved = sqlx::query(
                    "UPDATE appointment SET state = 'cancelled', updated_at = $2 WHERE id = $1 AND state = 'booked'",
                )
                .bind(old)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    return Ok("booking_not_open");
                }
            } else if let Some(u) = user {
                // Counted here, inside the write, so two tabs cannot both pass the limit.
                let active: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM appointment a JOIN appointment_slot s ON s.id = a.slot_id \
                     WHERE a.user_id = $1 AND a.state = 'booked' AND s.starts_at > $2",
                )
                .bind(u)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                if active >= MAX_ACTIVE_BOOKINGS {
                    return Ok("too_many_bookings");
                }
            }
            // Everyone who booked counts against the capacity, whether they came or not.
            let taken: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM appointment WHERE slot_id = $1 AND state IN ('booked', 'attended', 'no_show')",
            )
            .bind(slot)
            .fetch_one(&mut *tx)
            .await?;
            if taken >= i64::from(capacity) {
                return Ok("slot_full");
            }
            if let Some(u) = user {
                let again: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM appointment WHERE slot_id = $1 AND user_id = $2 AND state = 'booked'",
                )
                .bind(slot)
                .bind(u)
                .fetch_one(&mut *tx)
                .await?;
                if again > 0 {
                    return Ok("slot_booked_already");
                }
            }
            sqlx::query(
                "INSERT INTO appointment (id, community_code, slot_id, item_id, user_id, name, phone_enc, state, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'booked', $8, $8)",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(slot)
            .bind(item)
            .bind(user)
            .bind(name)
            .bind(phone_enc)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(self.actor, &entry).await?;
            tx.commit().await?;
            Ok("")
        }
        .await
        });
        match done? {
            "" => Ok(()),
            "too_many_bookings" => Err(StoreError::Invalid(Invalid(vec![
                linli_domain::FieldError::new("slot", "too_many_bookings").with("max", MAX_ACTIVE_BOOKINGS),
            ]))),
            "booking_not_open" => Err(invalid("", "booking_not_open")),
            code => Err(invalid("slot", code)),
        }
    }

    async fn load_booking(&self, id: Uuid) -> StoreResult<BookingRow> {
        let sql = format!("{BOOKING_SELECT} WHERE a.id = $1");
        let row: Option<BookingRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        let row = row.ok_or(StoreError::NotFound("appointment"))?;
        let community = stored_code(&row.community_code)?;
        if self.is_resident() {
            self.check(Resource::Application, Action::Update, &community)?;
            if row.user_id.is_none() || row.user_id != self.actor.user_id() {
                return Err(StoreError::NotFound("appointment"));
            }
        } else {
            self.check(Resource::ServiceRequest, Action::Update, &community)?;
        }
        Ok(row)
    }

    /// Cancels a booking that has not started.
    pub async fn cancel_booking(&self, id: Uuid) -> StoreResult<()> {
        let b = self.load_booking(id).await?;
        if b.state != "booked" || b.starts_at <= now() {
            return Err(invalid("", "booking_not_open"));
        }
        self.set_booking_state(&b, "cancelled", "appointment.cancel").await
    }

    /// Moves a booking to another slot of the same community, keeping it if the new one is full.
    pub async fn change_booking(&self, id: Uuid, slot: Uuid) -> StoreResult<Uuid> {
        let b = self.load_booking(id).await?;
        if b.state != "booked" || b.starts_at <= now() {
            return Err(invalid("", "booking_not_open"));
        }
        let (community, starts_at): (String, OffsetDateTime) = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT community_code, starts_at FROM appointment_slot WHERE id = $1 AND cancelled_at IS NULL"
        )
        .bind(slot)
        .fetch_optional(pool)
        .await)?
        .ok_or(StoreError::NotFound("appointment slot"))?;
        if community != b.community_code || starts_at <= now() || slot == b.slot_id {
            return Err(invalid("slot", "slot_change"));
        }
        let new_id = Uuid::now_v7();
        let keys = self.store.keys()?;
        let phone = keys.decrypt(Field::Phone, &b.id, &b.phone_enc)?;
        let enc = keys.encrypt(Field::Phone, &new_id, &phone);
        let item: Option<Uuid> =
            on_db!(self.store, |pool| sqlx::query_scalar("SELECT item_id FROM appointment WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await)?;
        self.insert_booking(stored_code(&community)?, slot, new_id, &b.name, &enc, b.user_id, item, Some(id)).await?;
        Ok(new_id)
    }

    /// Marks a booking attended or a no-show (staff, from the slot's day on).
    pub async fn mark_booking(&self, id: Uuid, attended: bool) -> StoreResult<()> {
        if self.is_resident() {
            return Err(StoreError::Forbidden);
        }
        let b = self.load_booking(id).await?;
        let slot_day = b.starts_at.to_offset(linli_domain::workflow::CHINA).date();
        if b.state == "cancelled" || slot_day > crate::today() {
            return Err(invalid("", "booking_not_due"));
        }
        let (state, action) =
            if attended { ("attended", "appointment.attended") } else { ("no_show", "appointment.no_show") };
        self.set_booking_state(&b, state, action).await
    }

    async fn set_booking_state(&self, b: &BookingRow, state: &str, action: &'static str) -> StoreResult<()> {
        let entry = Entry::new(
            b.community_code.clone(),
            action,
            "appointment",
            b.id.to_string(),
            json!({ "from": b.state, "to": state }),
        );
        // Only from the state it was read in: a cancel and an attendance mark cannot both win.
        let mut changed = 0;
        audited!(self, &entry, |tx| {
            changed = sqlx::query("UPDATE appointment SET state = $2, updated_at = $3 WHERE id = $1 AND state = $4")
                .bind(b.id)
                .bind(state)
                .bind(Ts(now()))
                .bind(&b.state)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        })?;
        if changed == 0 { Err(invalid("", "booking_not_open")) } else { Ok(()) }
    }

    fn bookings_of(&self, rows: Vec<BookingRow>) -> StoreResult<Vec<Booking>> {
        let keys = self.store.keys()?;
        rows.into_iter()
            .map(|r| {
                Ok(Booking {
                    phone_masked: mask_phone(&keys.decrypt(Field::Phone, &r.id, &r.phone_enc)?),
                    id: r.id,
                    slot_id: r.slot_id,
                    community_code: r.community_code,
                    starts_at: r.starts_at,
                    ends_at: r.ends_at,
                    item_name: r.item_name,
                    service_window: r.service_window,
                    name: r.name,
                    state: r.state,
                    user_id: r.user_id,
                })
            })
            .collect()
    }

    /// A day's bookings at the window, by time.
    pub async fn bookings_on(&self, community: DivisionCode, day: Date) -> StoreResult<Vec<Booking>> {
        self.community_for(Resource::ServiceRequest, Action::Read, community).await?;
        let start = day.midnight().assume_offset(linli_domain::workflow::CHINA);
        let end = start + time::Duration::days(1);
        let sql = format!(
            "{BOOKING_SELECT} WHERE a.community_code = $1 AND s.starts_at >= $2 AND s.starts_at < $3 ORDER BY s.starts_at, a.created_at"
        );
        let rows: Vec<BookingRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(community.as_str())
            .bind(Ts(start))
            .bind(Ts(end))
            .fetch_all(pool)
            .await)?;
        self.bookings_of(rows)
    }

    /// The signed-in resident's bookings, latest first.
    pub async fn my_bookings(&self) -> StoreResult<Vec<Booking>> {
        self.check_right(Resource::Application, Action::Read)?;
        let Some(me) = self.actor.user_id() else { return Err(StoreError::Forbidden) };
        let sql = format!("{BOOKING_SELECT} WHERE a.user_id = $1 ORDER BY s.starts_at DESC LIMIT 100");
        let rows: Vec<BookingRow> =
            on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(me).fetch_all(pool).await)?;
        self.bookings_of(rows)
    }
}
