//! A community's own complaint time limits (the standard's five working days unless it sets
//! others). New complaints and moves take the limits in force at the time; each complaint keeps
//! the reply deadline it was accepted with.

use linli_domain::oversight::ComplaintLimits;
use linli_domain::{Action, DivisionCode, Resource};
use serde_json::json;

use crate::acting::Acting;
use crate::audit::Entry;
use crate::{Store, StoreResult, Ts, now};

impl Store {
    pub async fn complaint_limits(&self, community: DivisionCode) -> StoreResult<ComplaintLimits> {
        let row: Option<(i32, i32, i32)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT reply_days, verdict_days, escalated_days FROM complaint_setting WHERE community_code = $1"
        )
        .bind(community.as_str())
        .fetch_optional(pool)
        .await)?;
        Ok(match row {
            Some((r, v, e)) => ComplaintLimits {
                reply_days: r.unsigned_abs(),
                verdict_days: v.unsigned_abs(),
                escalated_days: e.unsigned_abs(),
            },
            None => ComplaintLimits::default(),
        })
    }
}

impl Acting<'_> {
    /// A community's complaint limits, for those who may read its complaints.
    pub async fn complaint_limits(&self, community: DivisionCode) -> StoreResult<ComplaintLimits> {
        self.community_for(Resource::Oversight, Action::Read, community).await?;
        self.store.complaint_limits(community).await
    }

    /// Sets a community's complaint limits (its head, or an administrator); audited with the
    /// old and new values.
    pub async fn set_complaint_limits(&self, community: DivisionCode, limits: ComplaintLimits) -> StoreResult<()> {
        self.community_for(Resource::Community, Action::Update, community).await?;
        let before = self.store.complaint_limits(community).await?;
        if before == limits {
            return Ok(());
        }
        let entry = Entry::new(
            community.to_string(),
            "complaint.limits",
            "community",
            community.to_string(),
            json!({ "before": before, "after": limits }),
        );
        audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO complaint_setting (community_code, reply_days, verdict_days, escalated_days, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (community_code) DO UPDATE SET reply_days = excluded.reply_days, \
                 verdict_days = excluded.verdict_days, escalated_days = excluded.escalated_days, \
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(community.as_str())
            .bind(limits.reply_days as i32)
            .bind(limits.verdict_days as i32)
            .bind(limits.escalated_days as i32)
            .bind(Ts(now()))
            .bind(&self.actor.name)
            .execute(&mut *tx)
            .await?;
        })?;
        Ok(())
    }
}
