//! 好差评: one rating per finished request — by the resident's account, by the code printed on
//! the completion notice, or recorded at the window — never edited; a bad one opens a
//! rectification in the same transaction.

use crate::acting::display_name;
use linli_domain::oversight::{Level, RECTIFICATION, rectification_limit};
use linli_domain::validation::multiline;
use linli_domain::workflow::{CHINA, Limit, Party, due_at};
use linli_domain::{Action, DivisionCode, Invalid, Resource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acting::{Acting, Actor};
use crate::audit::Entry;
use crate::node::stored_code;
use crate::privacy::Field;
use crate::window::workitem::{NewItem, WorkTx};
use crate::{Store, StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RatingInput {
    /// A level's code or its Chinese word.
    pub level: String,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Rating {
    pub id: Uuid,
    pub work_item_id: Uuid,
    pub level: String,
    pub comment: String,
    pub channel: String,
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The rectification a bad rating opened.
    pub rectification_id: Option<Uuid>,
}

/// What the code on a completion notice leads to (shown before rating).
#[derive(Debug, Clone, Serialize)]
pub struct RatingTarget {
    pub number: String,
    pub item_name: String,
    pub rated: bool,
}

const FINISHED: [&str; 2] = ["completed", "archived"];

fn checked(input: &RatingInput) -> StoreResult<(Level, String)> {
    let mut c = linli_domain::validation::Checker::new();
    let level = Level::parse(&input.level);
    if level.is_none() {
        c.push(linli_domain::FieldError::new("level", "rating_level"));
    }
    let comment = c.take("comment", multiline(&input.comment, 500));
    c.finish()?;
    match (level, comment) {
        (Some(l), Some(c)) => Ok((l, c)),
        _ => Err(StoreError::Invalid(Invalid::one("", "required"))),
    }
}

impl Store {
    /// Writes a rating (and, for a bad one, its rectification) in one transaction with the
    /// audit entry; a second rating of the same request is a conflict.
    #[allow(clippy::too_many_arguments)]
    async fn insert_rating(
        &self,
        actor: &Actor,
        community: DivisionCode,
        request: Uuid,
        number: &str,
        item_name: &str,
        level: Level,
        comment: &str,
        channel: &str,
        rater: Option<Uuid>,
        phone_enc: &[u8],
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        let at = now();
        let rect = Uuid::now_v7();
        let cal = self.calendar().await?;
        let title = format!("整改 · {item_name} · {number}");
        let new = NewItem {
            id: rect,
            community: community.as_str(),
            kind: RECTIFICATION.kind,
            title: &title,
            state: "verifying",
            owner: None,
            accepted_at: Some(at),
            due_at: Some(due_at(&cal, at, rectification_limit("verifying").unwrap_or(Limit::WorkingDays(2)))),
            day: at.to_offset(CHINA).date(),
        };
        let keys = self.keys()?;
        // The resident hears when the rectification is done; the phone is re-encrypted for the
        // rectification's own row.
        let phone = keys.decrypt(Field::Phone, &request, phone_enc)?;
        let entry = Entry::new(
            community.to_string(),
            "rating.record",
            "service_request",
            request.to_string(),
            json!({ "number": number, "level": level.as_str(), "channel": channel, "rectification": level.is_bad() }),
        );
        let done: Result<(), sqlx::Error> = on_db!(self, |pool| {
            async {
            use crate::audit::AuditTx as _;
            use crate::oversight::TallyTx as _;
            use crate::tx::WritePool as _;
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO rating (id, community_code, work_item_id, level, comment, channel, rater_user_id, recorded_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(request)
            .bind(level.as_str())
            .bind(comment)
            .bind(channel)
            .bind(rater)
            .bind(&actor.name)
            .bind(Ts(at))
            .execute(&mut *tx)
            .await?;
            tx.tally(community.as_str(), super::tally::day_of(at), &super::DayCounts::rating(level.as_str())).await?;
            if level.is_bad() {
                let details = json!({ "rating": level.as_str(), "request": number });
                tx.insert_work_item(&new, actor, comment, &details).await?;
                sqlx::query(
                    "INSERT INTO rectification (work_item_id, community_code, rating_id, request_id) VALUES ($1, $2, $3, $4)",
                )
                .bind(rect)
                .bind(community.as_str())
                .bind(id)
                .bind(request)
                .execute(&mut *tx)
                .await?;
                if !phone.is_empty() {
                    let body = format!("【邻里社区服务】已收到您对{item_name}（{number}）的评价，社区将核实整改并回访您。");
                    tx.enqueue(community.as_str(), rect, &keys.encrypt(Field::Phone, &rect, &phone), &body).await?;
                }
            }
            tx.append_audit(actor, &entry).await?;
            tx.commit().await
        }
        .await
        });
        done.map_err(StoreError::unique("rating", "level"))?;
        Ok(id)
    }

    /// The request a rating code stands for (the public rating page).
    pub async fn rating_target(&self, code: &str) -> StoreResult<RatingTarget> {
        let row: Option<(String, String, i64)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT w.number, r.item_name, (SELECT count(*) FROM rating g WHERE g.work_item_id = w.id) \
             FROM service_request r JOIN work_item w ON w.id = r.work_item_id WHERE r.rating_code = $1"
        )
        .bind(code.trim().to_ascii_uppercase().replace(['-', ' '], ""))
        .fetch_optional(pool)
        .await)?;
        let (number, item_name, n) = row.ok_or(StoreError::NotFound("rating code"))?;
        Ok(RatingTarget { number, item_name, rated: n > 0 })
    }

    /// Rates by the code on a completion notice: no account needed, the code is the proof.
    pub async fn rate_by_code(&self, code: &str, input: &RatingInput) -> StoreResult<Uuid> {
        let (level, comment) = checked(input)?;
        let code = code.trim().to_ascii_uppercase().replace(['-', ' '], "");
        type Row = (Uuid, String, String, String, String, Vec<u8>);
        let row: Option<Row> = on_db!(self, |pool| sqlx::query_as(
            "SELECT w.id, w.community_code, w.number, w.state, r.item_name, r.phone_enc \
             FROM service_request r JOIN work_item w ON w.id = r.work_item_id WHERE r.rating_code = $1"
        )
        .bind(&code)
        .fetch_optional(pool)
        .await)?;
        let (request, community, number, state, item_name, phone_enc) =
            row.ok_or(StoreError::NotFound("rating code"))?;
        if !FINISHED.contains(&state.as_str()) {
            return Err(StoreError::Invalid(Invalid::one("", "rating_not_finished")));
        }
        let actor = Actor::system("居民（评价码）");
        let community = stored_code(&community)?;
        self.insert_rating(&actor, community, request, &number, &item_name, level, &comment, "code", None, &phone_enc)
            .await
    }
}

#[derive(sqlx::FromRow)]
struct RequestFacts {
    community_code: String,
    number: String,
    state: String,
    item_name: String,
    phone_enc: Vec<u8>,
}

impl Acting<'_> {
    /// Rates a finished request: its applicant from their account, or staff recording what the
    /// resident said at the window.
    pub async fn rate(&self, request: Uuid, input: &RatingInput) -> StoreResult<Uuid> {
        let (level, comment) = checked(input)?;
        let (work, row, party) = self.load_request(request).await?;
        let f: RequestFacts = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT w.community_code, w.number, w.state, r.item_name, r.phone_enc \
             FROM service_request r JOIN work_item w ON w.id = r.work_item_id WHERE w.id = $1"
        )
        .bind(request)
        .fetch_one(pool)
        .await)?;
        let community = stored_code(&f.community_code)?;
        let (channel, rater) = if party == Party::Applicant {
            self.check(Resource::Application, Action::Create, &community)?;
            ("account", self.actor.user_id())
        } else {
            self.check(Resource::Oversight, Action::Create, &community)?;
            // Staff record what a resident without an account said in person, and never about
            // their own work.
            if row.applicant_user_id.is_some() {
                return Err(StoreError::Invalid(Invalid::one("", "rating_by_account")));
            }
            if work.owner_id.is_some() && work.owner_id == self.actor.user_id() {
                return Err(StoreError::Invalid(Invalid::one("", "rating_own_work")));
            }
            ("window", None)
        };
        if !FINISHED.contains(&f.state.as_str()) {
            return Err(StoreError::Invalid(Invalid::one("", "rating_not_finished")));
        }
        self.store
            .insert_rating(
                self.actor,
                community,
                request,
                &f.number,
                &f.item_name,
                level,
                &comment,
                channel,
                rater,
                &f.phone_enc,
            )
            .await
    }

    /// A request's rating, for whoever may see the request.
    pub async fn rating(&self, request: Uuid) -> StoreResult<Option<Rating>> {
        let (_, _, party) = self.load_request(request).await?;
        let found: Option<Rating> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT g.id, g.work_item_id, g.level, g.comment, g.channel, g.recorded_by, g.created_at, \
             x.work_item_id AS rectification_id FROM rating g LEFT JOIN rectification x ON x.rating_id = g.id \
             WHERE g.work_item_id = $1"
        )
        .bind(request)
        .fetch_optional(pool)
        .await)?;
        // Residents see names, not staff accounts.
        Ok(found.map(|mut r| {
            if party == Party::Applicant {
                r.recorded_by = display_name(&r.recorded_by).to_owned();
            }
            r
        }))
    }
}
