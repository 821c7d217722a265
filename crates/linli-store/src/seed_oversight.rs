//! A demo year for the dashboards: a year of finished requests in 榕华社区 and its sibling
//! communities, with ratings (a few bad ones put right), and complaints answered, so the
//! figures, the comparison and the ledgers show trends. Made through the app's operations, then
//! dated back month by month (the only thing the operations cannot do). Deterministic.

use std::collections::BTreeMap;

use linli_domain::DivisionCode;
use linli_domain::oversight::ComplaintInput;
use linli_domain::window::request::{RequestInput, Source, request_number};
use linli_domain::workflow::{CHINA, Limit, due_at};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::oversight::RatingInput;
use crate::window::MoveInput;
use crate::{Actor, Store, StoreError, StoreResult, Ts};

const COMMUNITIES: [(&str, &str, u64); 3] =
    [("350103001001", "chuangkou", 40), ("350103001002", "minjiang", 18), ("350103001003", "", 10)];

/// A small deterministic generator (the demo is the same every time).
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

fn mv(action: &str, reason: &str) -> MoveInput {
    MoveInput { action: action.into(), reason: reason.into(), ..MoveInput::default() }
}

fn at(day: Date, hour: u8) -> OffsetDateTime {
    day.with_hms(hour, 0, 0).unwrap_or(day.midnight()).assume_offset(CHINA)
}

impl Store {
    /// Seeds the demo year once (when the main community has no request older than a month).
    pub async fn seed_demo_year(&self) -> StoreResult<()> {
        let main = DivisionCode::parse(COMMUNITIES[0].0).map_err(StoreError::Invalid)?;
        let month_ago = Ts(crate::now() - Duration::days(40));
        let old: i64 = on_db!(self, |pool| sqlx::query_scalar(
            "SELECT count(*) FROM work_item WHERE community_code = $1 AND created_at < $2"
        )
        .bind(main.as_str())
        .bind(month_ago)
        .fetch_one(pool)
        .await)?;
        if old > 0 {
            return Ok(());
        }
        let cal = self.calendar().await?;
        let mut rng = Lcg(0x6c69_6e6c_6979_6561);
        let mut seq = 9000;
        for (code, worker, per_month) in COMMUNITIES {
            let community = DivisionCode::parse(code).map_err(StoreError::Invalid)?;
            let actor = if worker.is_empty() {
                Actor::system("demo seed")
            } else {
                Actor::user(&self.user_by_username(worker).await?, None)
            };
            let desk = self.acting(&actor);
            // Every demo community offers the district's catalogue.
            let system = Actor::system("demo seed");
            let district = DivisionCode::parse(crate::seed_window::DEMO_DISTRICT).map_err(StoreError::Invalid)?;
            for item in self.acting(&system).node_items(district).await? {
                self.acting(&system).adopt_item(community, item.id, true, "便民服务窗口").await?;
            }
            let items: Vec<_> = desk
                .catalogue(community)
                .await?
                .into_iter()
                .filter(|i| i.adopted && i.in_force(crate::today()))
                .collect();
            if items.is_empty() {
                continue;
            }
            let today = crate::today();
            for back in 1..=11i64 {
                // The first of that month, then spread over its working days.
                let first = crate::oversight::figures_first_month(today, back as u32 + 1);
                let days: Vec<Date> = (0..31)
                    .filter_map(|d| first.checked_add(Duration::days(d)))
                    .filter(|d| d.month() == first.month() && cal.is_working_day(*d))
                    .collect();
                // Busier in winter and before Spring Festival, quieter in summer.
                let n = per_month
                    + rng.next(per_month / 2 + 1)
                    + if matches!(u8::from(first.month()), 1 | 12) { per_month / 3 } else { 0 };
                for k in 0..n {
                    let item = &items[rng.next(items.len() as u64) as usize];
                    let mut fields = BTreeMap::new();
                    for f in &item.fields {
                        let v = f.choices.first().cloned().unwrap_or_else(|| match f.kind {
                            linli_domain::window::FieldKind::Number => "2".into(),
                            linli_domain::window::FieldKind::Date => first.to_string(),
                            _ => "见申请表".into(),
                        });
                        fields.insert(f.key.clone(), v);
                    }
                    let input = RequestInput {
                        applicant_name: format!("居民{}", 100 + rng.next(900)),
                        applicant_phone: format!("139{:08}", 5_910_000 + rng.next(80_000)),
                        fields,
                        received: (0..item.materials.len()).map(|i| i.to_string()).collect(),
                        ..RequestInput::default()
                    };
                    let taken = desk.take_request(community, item.id, &input, Source::Window).await?;
                    let limit = item.time_limit_days;
                    // Most are finished within the limit, some a day or two late.
                    let took = if rng.next(10) == 0 {
                        limit + 1 + rng.next(2) as u32
                    } else {
                        rng.next(u64::from(limit) + 1) as u32
                    };
                    desk.move_request(taken.id, &mv("complete", "已办结")).await?;
                    let day = days[(k as usize * days.len() / n.max(1) as usize).min(days.len() - 1)];
                    let accepted = at(day, 9 + (k % 7) as u8);
                    let due = due_at(&cal, accepted, Limit::WorkingDays(limit));
                    let closed = at(cal.add_working_days(day, took), 16);
                    seq += 1;
                    let number = request_number(&community, day, seq);
                    self.date_back(taken.id, &number, accepted, Some(due), Some(closed)).await?;
                    // Six in ten rate it; about one in fifteen of those badly.
                    if rng.next(10) < 6 {
                        let level = match rng.next(30) {
                            0 => "非常不满意",
                            1 => "不满意",
                            2..=6 => "基本满意",
                            7..=16 => "满意",
                            _ => "非常满意",
                        };
                        // As residents do: with the code on their completion notice.
                        let code = desk.request(taken.id).await?.rating_code.unwrap_or_default();
                        self.rate_by_code(&code, &RatingInput { level: level.into(), comment: String::new() }).await?;
                        let rated = closed + Duration::hours(20);
                        exec_db!(self, |pool| sqlx::query(
                            "UPDATE rating SET created_at = $2 WHERE work_item_id = $1"
                        )
                        .bind(taken.id)
                        .bind(Ts(rated))
                        .execute(pool)
                        .await)?;
                        if let Some(rect) = desk.rating(taken.id).await?.and_then(|r| r.rectification_id) {
                            for (a, r) in [("verify", "核实属实"), ("rectify", "已整改"), ("revisit", "回访满意")]
                            {
                                desk.move_rectification(rect, &mv(a, r)).await?;
                            }
                            seq += 1;
                            let number = request_number(&community, day, seq);
                            self.date_back(
                                rect,
                                &number,
                                rated,
                                Some(rated + Duration::days(2)),
                                Some(rated + Duration::days(6)),
                            )
                            .await?;
                        }
                    }
                }
                // Two or three complaints a month, nearly all answered in time.
                for c in 0..(2 + rng.next(2)) {
                    let input = ComplaintInput {
                        channel: if c % 2 == 0 { "phone".into() } else { "window".into() },
                        complainant_name: format!("居民{}", 100 + rng.next(900)),
                        phone: format!("139{:08}", 5_920_000 + rng.next(80_000)),
                        subject: ["等候时间长", "材料要求不清楚", "工作人员态度", "办理进度慢"][rng.next(4) as usize]
                            .into(),
                        content: "来电反映情况，已登记。".into(),
                        request_number: String::new(),
                    };
                    let (id, _) = desk.take_complaint(community, &input).await?;
                    desk.move_complaint(id, &mv("investigate", "")).await?;
                    desk.move_complaint(id, &mv("reply", "已核实并向居民说明、致歉")).await?;
                    desk.move_complaint(id, &mv("accept_reply", "投诉人电话表示满意")).await?;
                    let day = days[rng.next(days.len() as u64) as usize];
                    let opened = at(day, 10);
                    let replied = at(cal.add_working_days(day, 1 + rng.next(4) as u32), 15);
                    seq += 1;
                    let number = request_number(&community, day, seq);
                    self.date_back(
                        id,
                        &number,
                        opened,
                        Some(due_at(&cal, opened, Limit::WorkingDays(5))),
                        Some(replied),
                    )
                    .await?;
                }
            }
        }
        // The items and ratings were moved back in time after their counts were written.
        self.rebuild_all_figures().await?;
        Ok(())
    }

    /// Moves a demo item back in time: created and accepted at `start`, its history from then
    /// to `end`, its number renamed for its day.
    async fn date_back(
        &self,
        id: Uuid,
        number: &str,
        start: OffsetDateTime,
        due: Option<OffsetDateTime>,
        end: Option<OffsetDateTime>,
    ) -> StoreResult<()> {
        let end_at = end.unwrap_or(start);
        exec_db!(self, |pool| sqlx::query(
            "UPDATE work_item SET number = $2, created_at = $3, accepted_at = $3, due_at = $4, \
             closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE $5 END, updated_at = $5 WHERE id = $1"
        )
        .bind(id)
        .bind(number)
        .bind(Ts(start))
        .bind(due.map(Ts))
        .bind(Ts(end_at))
        .execute(pool)
        .await)?;
        exec_db!(self, |pool| sqlx::query(
            "UPDATE work_item_event SET at = CASE WHEN action = 'create' THEN $2 ELSE $3 END WHERE work_item_id = $1"
        )
        .bind(id)
        .bind(Ts(start))
        .bind(Ts(end_at))
        .execute(pool)
        .await)?;
        Ok(())
    }
}
