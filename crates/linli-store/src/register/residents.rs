//! Residents: registering, changing, moving, and recording moves out and deaths — each as a
//! dated event, so the register is never silently overwritten and every person's history can
//! be read back.

use linli_domain::ids::{Gender, mask_id_number, mask_phone};
use linli_domain::register::{ResidentFields, ResidentInput, Tag};
use linli_domain::validation::optional_text;
use linli_domain::{Action, DivisionCode, Invalid, Resource};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::search::ResidentSummary;
use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::stored_code;
use crate::privacy::{Field, Keys};
use crate::{StoreError, StoreResult, Ts, now};

/// A resident in full, as the resident page shows it (personal numbers masked).
#[derive(Debug, Clone, Serialize)]
pub struct ResidentDetail {
    #[serde(flatten)]
    pub summary: ResidentSummary,
    pub pinyin: String,
    pub initials: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub ethnicity: Option<String>,
    pub employment: Option<String>,
    pub disability_kind: Option<String>,
    pub disability_grade: Option<i32>,
    pub note: String,
    pub events: Vec<Event>,
}

/// One dated entry of a resident's history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub kind: String,
    pub on_date: Date,
    /// JSON: what changed (personal numbers masked), where from and to.
    pub details: String,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// Which personal numbers a blank form field keeps as stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepStored {
    pub document: bool,
    pub phone: bool,
}

/// Why a resident leaves the register.
#[derive(Debug, Clone, Deserialize)]
pub struct MoveOut {
    /// `moved_out` or `deceased`.
    pub status: String,
    /// `YYYY-MM-DD`.
    pub on_date: String,
    /// Where to (for a move), or a note.
    #[serde(default)]
    pub note: String,
}

/// The columns a resident row writes, computed once for inserts and updates.
pub(crate) struct Encoded {
    pub document_enc: Vec<u8>,
    pub document_idx: Vec<u8>,
    pub phone_enc: Option<Vec<u8>>,
    pub phone_tail: Option<String>,
}

pub(crate) fn encode(keys: &Keys, id: &Uuid, f: &ResidentFields) -> Encoded {
    Encoded {
        document_enc: keys.encrypt(Field::IdNumber, id, &f.document.lookup_key()),
        document_idx: keys.blind_index(&f.document.lookup_key()),
        phone_enc: f.phone.as_ref().map(|p| keys.encrypt(Field::Phone, id, p.as_str())),
        phone_tail: f.phone.as_ref().map(|p| {
            let s = p.as_str();
            s[s.len().saturating_sub(4)..].to_owned()
        }),
    }
}

pub(crate) fn gender_code(g: Gender) -> &'static str {
    match g {
        Gender::Male => "male",
        Gender::Female => "female",
    }
}

/// The tag rows of a resident: fixed categories by code, the community's own as `custom:…`.
pub(crate) fn tag_codes(f: &ResidentFields) -> Vec<String> {
    f.tags.iter().map(|t| t.as_str().to_owned()).chain(f.custom_tags.iter().map(|t| format!("custom:{t}"))).collect()
}

/// The summary of a resident's fields for the history and the audit log: personal numbers masked.
pub(crate) fn fields_summary(f: &ResidentFields) -> Value {
    json!({
        "name": f.name,
        "gender": gender_code(f.gender),
        "document": format!("{} {}", f.document.kind.as_str(), f.document.masked()),
        "birth_date": f.birth_date.to_string(),
        "ethnicity": f.ethnicity,
        "phone": f.phone.as_ref().map(|p| p.masked()),
        "residence_type": f.residence_type.as_str(),
        "relation": f.relation.as_str(),
        "employment": f.employment.map(|e| e.as_str()),
        "tags": tag_codes(f),
        "disability": f.disability.map(|(k, g)| format!("{k} {g}")),
        "note": f.note,
    })
}

/// SQL text shared by the single and the bulk writers.
pub(crate) const INSERT_RESIDENT: &str = "INSERT INTO resident (id, community_code, household_id, name, pinyin, initials, gender, \
     document_kind, document_enc, document_idx, document_tail, birth_date, ethnicity, phone_enc, phone_tail, residence_type, \
     relation, employment, disability_kind, disability_grade, note, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)";

pub(crate) const UPDATE_RESIDENT: &str = "UPDATE resident SET household_id = $3, name = $4, pinyin = $5, initials = $6, \
     gender = $7, document_kind = $8, document_enc = $9, document_idx = $10, document_tail = $11, birth_date = $12, \
     ethnicity = $13, phone_enc = $14, phone_tail = $15, residence_type = $16, relation = $17, employment = $18, \
     disability_kind = $19, disability_grade = $20, note = $21, updated_at = $22 \
     WHERE id = $1 AND community_code = $2";

pub(crate) const INSERT_EVENT: &str = "INSERT INTO resident_event (id, community_code, resident_id, household_id, kind, on_date, \
     details, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Binds a resident's 22 columns to one of the two statements above.
macro_rules! bind_resident {
    ($q:expr, $id:expr, $community:expr, $household:expr, $f:expr, $enc:expr, $at:expr) => {
        $q.bind($id)
            .bind($community)
            .bind($household)
            .bind(&$f.name)
            .bind(&$f.pinyin)
            .bind(&$f.initials)
            .bind(crate::register::residents::gender_code($f.gender))
            .bind($f.document.kind.as_str())
            .bind(&$enc.document_enc)
            .bind(&$enc.document_idx)
            .bind($f.document.tail())
            .bind($f.birth_date)
            .bind($f.ethnicity)
            .bind(&$enc.phone_enc)
            .bind(&$enc.phone_tail)
            .bind($f.residence_type.as_str())
            .bind($f.relation.as_str())
            .bind($f.employment.map(|e| e.as_str()))
            .bind($f.disability.map(|d| d.0))
            .bind($f.disability.map(|d| i32::from(d.1)))
            .bind(&$f.note)
            .bind($at)
    };
}
pub(crate) use bind_resident;

impl Acting<'_> {
    /// The community and household of a resident, after the right and before anything else.
    async fn resident_place(&self, id: Uuid, action: Action) -> StoreResult<(DivisionCode, Uuid)> {
        self.check_right(Resource::Register, action)?;
        let row: Option<(String, Uuid)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT community_code, household_id FROM resident WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        let (community, household) = row.ok_or(StoreError::NotFound("resident"))?;
        let community = stored_code(&community)?;
        self.check(Resource::Register, action, &community)?;
        Ok((community, household))
    }

    async fn household_community(&self, household: Uuid, action: Action) -> StoreResult<DivisionCode> {
        self.check_right(Resource::Register, action)?;
        let c: Option<String> = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT community_code FROM household WHERE id = $1 AND dissolved_at IS NULL"
        )
        .bind(household)
        .fetch_optional(pool)
        .await)?;
        let c = stored_code(&c.ok_or(StoreError::NotFound("household"))?)?;
        self.check(Resource::Register, action, &c)?;
        Ok(c)
    }

    /// Registers a person in a household; `moved_in` says they came from elsewhere (else: an
    /// existing resident entered for the first time). A document already in the register is a
    /// conflict, never a second record.
    pub async fn register_resident(
        &self,
        household: Uuid,
        input: &ResidentInput,
        on_date: Date,
        moved_in: bool,
    ) -> StoreResult<Uuid> {
        let community = self.household_community(household, Action::Create).await?;
        let f = input.validate(crate::today())?;
        let keys = self.store.keys()?;
        let id = Uuid::now_v7();
        let enc = encode(keys, &id, &f);
        let at = Ts(now());
        let kind = if moved_in { "moved_in" } else { "registered" };
        let summary = fields_summary(&f);
        let entry = Entry::new(community.to_string(), "resident.register", "resident", id.to_string(), summary.clone());
        let tags = tag_codes(&f);
        let head = f.relation == linli_domain::register::Relation::Head;
        let done = audited!(self, &entry, |tx| {
            bind_resident!(sqlx::query(INSERT_RESIDENT), id, community.as_str(), household, f, enc, at)
                .execute(&mut *tx)
                .await?;
            for t in &tags {
                sqlx::query("INSERT INTO resident_tag (resident_id, community_code, tag) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(community.as_str())
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
            }
            if head {
                sqlx::query("UPDATE household SET head_id = $2 WHERE id = $1")
                    .bind(household)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(INSERT_EVENT)
                .bind(Uuid::now_v7())
                .bind(community.as_str())
                .bind(id)
                .bind(household)
                .bind(kind)
                .bind(on_date)
                .bind(summary.to_string())
                .bind(&self.actor.name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        });
        done.map_err(StoreError::unique("resident", "document_number"))?;
        Ok(id)
    }

    /// [`Self::update_resident`] from a form that never shows personal numbers whole: a blank
    /// document or phone field named in `keep` keeps what is stored.
    pub async fn update_resident_keeping(
        &self,
        id: Uuid,
        input: &ResidentInput,
        on_date: Date,
        keep: KeepStored,
    ) -> StoreResult<()> {
        let keep_document = keep.document && input.document_number.trim().is_empty();
        let keep_phone = keep.phone && input.phone.trim().is_empty();
        if !keep_document && !keep_phone {
            return self.update_resident(id, input, on_date).await;
        }
        self.resident_place(id, Action::Update).await?;
        let (doc, phone): (Vec<u8>, Option<Vec<u8>>) =
            on_db!(self.store, |pool| sqlx::query_as("SELECT document_enc, phone_enc FROM resident WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await)?;
        let keys = self.store.keys()?;
        let mut input = input.clone();
        if keep_document {
            let stored = keys.decrypt(Field::IdNumber, &id, &doc)?;
            if let Some((kind, number)) = stored.split_once(':') {
                input.document_kind = kind.to_owned();
                input.document_number = number.to_owned();
            }
        }
        if keep_phone {
            input.phone = phone.map(|p| keys.decrypt(Field::Phone, &id, &p)).transpose()?.unwrap_or_default();
        }
        self.update_resident(id, &input, on_date).await
    }

    /// Changes a resident's recorded facts; the change is an event listing what changed.
    pub async fn update_resident(&self, id: Uuid, input: &ResidentInput, on_date: Date) -> StoreResult<()> {
        let (community, household) = self.resident_place(id, Action::Update).await?;
        let f = input.validate(crate::today())?;
        let keys = self.store.keys()?;
        let enc = encode(keys, &id, &f);
        let mut after = fields_summary(&f);
        // Tags are a set: compared sorted, as the stored ones are.
        if let Some(Value::Array(t)) = after.get_mut("tags") {
            t.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
        let before_json = self.resident_summary_json(id).await?;
        // Masks hide the middle digits, so whole numbers are compared too: a corrected digit
        // under the mask is still a change.
        let (doc, phone): (Vec<u8>, Option<Vec<u8>>) =
            on_db!(self.store, |pool| sqlx::query_as("SELECT document_enc, phone_enc FROM resident WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await)?;
        let doc_changed = keys.decrypt(Field::IdNumber, &id, &doc)? != f.document.lookup_key();
        let stored_phone = phone.map(|p| keys.decrypt(Field::Phone, &id, &p)).transpose()?;
        let phone_changed = stored_phone.as_deref() != f.phone.as_ref().map(|p| p.as_str());
        let changed: serde_json::Map<String, Value> = after
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, v)| {
                before_json.get(*k) != Some(*v)
                    || (k.as_str() == "document" && doc_changed)
                    || (k.as_str() == "phone" && phone_changed)
            })
            .map(|(k, v)| (k.clone(), json!({ "before": before_json.get(k), "after": v })))
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let at = Ts(now());
        let tags = tag_codes(&f);
        let entry = Entry::new(community.to_string(), "resident.update", "resident", id.to_string(), json!(changed));
        let head = f.relation == linli_domain::register::Relation::Head;
        let done = audited!(self, &entry, |tx| {
            bind_resident!(sqlx::query(UPDATE_RESIDENT), id, community.as_str(), household, f, enc, at)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM resident_tag WHERE resident_id = $1").bind(id).execute(&mut *tx).await?;
            for t in &tags {
                sqlx::query("INSERT INTO resident_tag (resident_id, community_code, tag) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(community.as_str())
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
            }
            if head {
                sqlx::query("UPDATE household SET head_id = $2 WHERE id = $1")
                    .bind(household)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                // No longer recorded as the head: the household has none until someone is.
                sqlx::query("UPDATE household SET head_id = NULL WHERE id = $1 AND head_id = $2")
                    .bind(household)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(INSERT_EVENT)
                .bind(Uuid::now_v7())
                .bind(community.as_str())
                .bind(id)
                .bind(household)
                .bind("changed")
                .bind(on_date)
                .bind(json!(changed).to_string())
                .bind(&self.actor.name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        });
        done.map_err(StoreError::unique("resident", "document_number"))?;
        Ok(())
    }

    /// The masked summary of what is stored now, to tell what an update changes.
    async fn resident_summary_json(&self, id: Uuid) -> StoreResult<Value> {
        let d = self.resident(id).await?;
        Ok(json!({
            "name": d.summary.name,
            "gender": d.summary.gender,
            "document": format!("{} {}", d.summary.document_kind, d.summary.document_masked),
            "birth_date": d.birth_date,
            "ethnicity": d.ethnicity,
            "phone": d.summary.phone_masked,
            "residence_type": d.summary.residence_type,
            "relation": d.summary.relation,
            "employment": d.employment,
            "tags": recorded_tags(&d.summary.tags),
            "disability": d.disability_kind.zip(d.disability_grade).map(|(k, g)| format!("{k} {g}")),
            "note": d.note,
        }))
    }

    /// Moves a resident to another household of the same community (a family splits, a
    /// tenant moves flat).
    pub async fn move_resident(&self, id: Uuid, to_household: Uuid, on_date: Date) -> StoreResult<()> {
        let (community, from) = self.resident_place(id, Action::Update).await?;
        let to_community = self.household_community(to_household, Action::Update).await?;
        if to_community != community {
            return Err(StoreError::Invalid(Invalid::one("household", "household_other_community")));
        }
        if to_household == from {
            return Ok(());
        }
        let at = Ts(now());
        let details = json!({ "from": self.address_of(from).await?, "to": self.address_of(to_household).await? });
        let entry = Entry::new(community.to_string(), "resident.move", "resident", id.to_string(), details.clone());
        audited!(self, &entry, |tx| {
            sqlx::query("UPDATE resident SET household_id = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(to_household)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE household SET head_id = NULL WHERE id = $1 AND head_id = $2")
                .bind(from)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(INSERT_EVENT)
                .bind(Uuid::now_v7())
                .bind(community.as_str())
                .bind(id)
                .bind(to_household)
                .bind("household_changed")
                .bind(on_date)
                .bind(details.to_string())
                .bind(&self.actor.name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        })?;
        Ok(())
    }

    /// A household's address, for history entries people read.
    async fn address_of(&self, household: Uuid) -> StoreResult<String> {
        let (building, unit, room): (String, String, String) = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT b.name, h.unit, h.room FROM household h JOIN building b ON b.id = h.building_id WHERE h.id = $1"
        )
        .bind(household)
        .fetch_one(pool)
        .await)?;
        Ok(super::address(&building, &unit, &room))
    }

    /// Records a move out of the community or a death; the record stays, with its history.
    pub async fn end_residence(&self, id: Uuid, m: &MoveOut) -> StoreResult<()> {
        let (community, household) = self.resident_place(id, Action::Update).await?;
        let mut errors = Vec::new();
        let status = match m.status.as_str() {
            "moved_out" | "deceased" => Some(m.status.as_str()),
            _ => {
                errors.push(linli_domain::FieldError::new("status", "end_status"));
                None
            }
        };
        let day = linli_domain::calendar::parse_date(&m.on_date).filter(|d| *d <= crate::today());
        if day.is_none() {
            errors.push(linli_domain::FieldError::new("on_date", "event_date"));
        }
        let note = match optional_text(&m.note, 100) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.extend(e.at("note").0);
                None
            }
        };
        let (Some(status), Some(day), Some(note), true) = (status, day, note, errors.is_empty()) else {
            return Err(StoreError::Invalid(Invalid(errors)));
        };
        let at = Ts(now());
        let details = json!({ "note": note });
        let entry =
            Entry::new(community.to_string(), "resident.end", "resident", id.to_string(), json!({ "status": status }));
        audited!(self, &entry, |tx| {
            sqlx::query("UPDATE resident SET status = $2, status_date = $3, updated_at = $4 WHERE id = $1")
                .bind(id)
                .bind(status)
                .bind(day)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE household SET head_id = NULL WHERE id = $1 AND head_id = $2")
                .bind(household)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(INSERT_EVENT)
                .bind(Uuid::now_v7())
                .bind(community.as_str())
                .bind(id)
                .bind(household)
                .bind(status)
                .bind(day)
                .bind(details.to_string())
                .bind(&self.actor.name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        })?;
        Ok(())
    }

    /// One resident with their history, newest first.
    pub async fn resident(&self, id: Uuid) -> StoreResult<ResidentDetail> {
        self.check_right(Resource::Register, Action::Read)?;
        let detail = self.resident_detail(id).await?;
        self.check(Resource::Register, Action::Read, &detail.summary.community_code)?;
        Ok(detail)
    }

    /// A resident's whole phone or document number: the reveal right, and a log entry.
    pub async fn reveal_resident(&self, id: Uuid, field: Field) -> StoreResult<String> {
        let resource = match field {
            Field::Phone => Resource::Phone,
            Field::IdNumber => Resource::IdNumber,
        };
        self.check_right(resource, Action::Reveal)?;
        let (community, _) = self.resident_place(id, Action::Read).await?;
        self.check(resource, Action::Reveal, &community)?;
        let (doc, phone): (Vec<u8>, Option<Vec<u8>>) =
            on_db!(self.store, |pool| sqlx::query_as("SELECT document_enc, phone_enc FROM resident WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await)?;
        let keys = self.store.keys()?;
        let value = match field {
            Field::IdNumber => {
                let key = keys.decrypt(Field::IdNumber, &id, &doc)?;
                key.split_once(':').map_or(key.clone(), |(_, n)| n.to_owned())
            }
            Field::Phone => keys.decrypt(Field::Phone, &id, &phone.ok_or(StoreError::NotFound("phone"))?)?,
        };
        let action = if field == Field::Phone { "phone.reveal" } else { "id_number.reveal" };
        self.store
            .record(self.actor, &Entry::new(community.to_string(), action, "resident", id.to_string(), json!({})))
            .await?;
        Ok(value)
    }
}

/// The recorded tags among a summary's (not the ones derived from age), sorted.
fn recorded_tags(tags: &[String]) -> Vec<&str> {
    let mut t: Vec<&str> =
        tags.iter().map(String::as_str).filter(|t| !matches!(*t, "elderly_60" | "elderly_80" | "minor")).collect();
    t.sort_unstable();
    t
}

/// Masks a stored document (`kind:number`) for display.
pub(crate) fn masked_document(keys: &Keys, id: &Uuid, enc: &[u8]) -> StoreResult<String> {
    let key = keys.decrypt(Field::IdNumber, id, enc)?;
    Ok(mask_id_number(key.split_once(':').map_or(key.as_str(), |(_, n)| n)))
}

pub(crate) fn masked_phone(keys: &Keys, id: &Uuid, enc: Option<&[u8]>) -> StoreResult<Option<String>> {
    enc.map(|e| keys.decrypt(Field::Phone, id, e).map(|p| mask_phone(&p))).transpose().map_err(StoreError::from)
}

/// Whether a tag marks someone the grid worker must visit at the community's interval.
pub(crate) fn vulnerable_tags() -> Vec<&'static str> {
    Tag::ALL.iter().filter(|t| t.vulnerable()).map(|t| t.as_str()).collect()
}
