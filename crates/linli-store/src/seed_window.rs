//! The demo window: the default catalogue kept by 台江区 and adopted by its communities, and
//! a morning's worth of requests in 榕华社区 in every state of the flow, a few of them late,
//! so the window's home page has something to show. Written through the app's operations.

use std::collections::BTreeMap;

use linli_domain::DivisionCode;
use linli_domain::window::appointment::SlotsInput;
use linli_domain::window::defaults::default_catalogue;
use linli_domain::window::request::{RequestInput, Source};
use linli_domain::workflow::{Limit, due_at};
use uuid::Uuid;

use crate::seed::MAIN_COMMUNITY;
use crate::window::MoveInput;
use crate::{Actor, Store, StoreError, StoreResult, Ts};

/// The district that keeps the demo catalogue.
pub const DEMO_DISTRICT: &str = "350103000000";
const COMMUNITIES: [(&str, &str); 2] = [(MAIN_COMMUNITY, "1号综合受理窗口"), ("350103001002", "便民服务窗口")];

fn code(s: &str) -> StoreResult<DivisionCode> {
    DivisionCode::parse(s).map_err(StoreError::Invalid)
}

/// (item code, applicant, phone, materials handed in, moves after intake, working days back).
type DemoRequest =
    (&'static str, &'static str, &'static str, &'static [&'static str], &'static [(&'static str, &'static str)], u32);

const REQUESTS: [DemoRequest; 10] = [
    ("WM-001", "陈桂英", "13805910001", &["0", "1", "2"], &[], 0),
    ("WM-001", "林秀珍", "13805910002", &["0"], &[], 0),
    ("WM-002", "王建华", "13805910003", &["0", "1", "2", "3"], &[], 12),
    ("WM-004", "郑小明", "13805910004", &["0", "1"], &[("transfer", "区残联")], 2),
    ("BM-001", "黄丽", "13805910005", &["0"], &[("complete", "已登记，缴费方式已告知")], 0),
    ("BM-003", "刘德福", "13805910006", &["0", "1"], &[], 10),
    ("BM-004", "吴美玲", "13805910007", &[], &[], 1),
    ("AM-001", "张伟", "13805910008", &[], &[], 3),
    ("WM-003", "李强", "13805910009", &["0"], &[("decline", "")], 0),
    (
        "BM-002",
        "陈晓东",
        "13805910010",
        &["0", "1"],
        &[("complete", "已办理失业登记"), ("return_visit", "电话回访，居民满意")],
        0,
    ),
];

impl Store {
    /// Seeds the catalogue once (if the district has none) and, once, the demo requests.
    pub async fn seed_demo_window(&self) -> StoreResult<()> {
        let district = code(DEMO_DISTRICT)?;
        let seed = Actor::system("demo seed");
        let acting = self.acting(&seed);
        if acting.node_items(district).await?.is_empty() {
            for input in default_catalogue() {
                let f = input.validate()?;
                let id = acting.create_item(district, &f, true).await?;
                for (c, window) in COMMUNITIES {
                    acting.adopt_item(code(c)?, id, true, window).await?;
                }
            }
        }
        let main = code(MAIN_COMMUNITY)?;
        self.seed_demo_slots(main).await?;
        let existing: i64 =
            on_db!(self, |pool| sqlx::query_scalar("SELECT count(*) FROM work_item WHERE community_code = $1")
                .bind(main.as_str())
                .fetch_one(pool)
                .await)?;
        if existing > 0 {
            return Ok(());
        }
        let worker = Actor::user(&self.user_by_username("chuangkou").await?, None);
        let desk = self.acting(&worker);
        let catalogue = desk.catalogue(main).await?;
        let cal = self.calendar().await?;
        for (item_code, name, phone, received, moves, back) in REQUESTS {
            let Some(item) = catalogue.iter().find(|i| i.code == item_code) else { continue };
            let mut fields = BTreeMap::new();
            for f in &item.fields {
                let v = f.choices.first().cloned().unwrap_or_else(|| match f.kind {
                    linli_domain::window::FieldKind::Number => "2".into(),
                    linli_domain::window::FieldKind::Date => crate::today().to_string(),
                    _ => "见申请表".into(),
                });
                fields.insert(f.key.clone(), v);
            }
            let input = RequestInput {
                applicant_name: name.into(),
                applicant_phone: phone.into(),
                address: "榕华花园3号楼 2单元 601".into(),
                description: String::new(),
                mode: String::new(),
                fields,
                received: received.iter().map(|s| (*s).to_owned()).collect(),
            };
            let taken = desk.take_request(main, item.id, &input, Source::Window).await?;
            if back > 0 && taken.state == "in_progress" {
                // Pretend it was accepted `back` working days ago, so some are due and late.
                let mut day = crate::today();
                for _ in 0..back {
                    day -= time::Duration::days(1);
                    while !cal.is_working_day(day) {
                        day -= time::Duration::days(1);
                    }
                }
                let accepted =
                    day.with_hms(9, 30, 0).unwrap_or(day.midnight()).assume_offset(linli_domain::workflow::CHINA);
                let due = due_at(&cal, accepted, Limit::WorkingDays(item.time_limit_days));
                self.backdate(taken.id, accepted, due).await?;
            }
            for (action, reason) in moves {
                let m = MoveInput {
                    action: (*action).into(),
                    reason: (*reason).into(),
                    office: if *action == "transfer" { (*reason).into() } else { String::new() },
                    office_days: if *action == "transfer" { "3".into() } else { String::new() },
                    ..MoveInput::default()
                };
                let m = if *action == "decline" {
                    MoveInput {
                        reason: "申请人不属于本社区户籍，已告知到户籍地社区申请".into(), ..m
                    }
                } else {
                    m
                };
                // Declining belongs before acceptance, the rest after it.
                if (*action == "decline") == (taken.state == "in_progress") {
                    continue;
                }
                desk.move_request(taken.id, &m).await?;
            }
        }
        // One online application from the demo resident, waiting for intake.
        let jumin = Actor::user(&self.user_by_username("jumin").await?, None);
        if let Some(item) = catalogue.iter().find(|i| i.code == "BM-004") {
            let input = RequestInput {
                applicant_name: "李秀英".into(),
                applicant_phone: "13905910011".into(),
                address: "榕华花园1号楼 1单元 101".into(),
                description: "厨房水龙头漏水，希望本周内上门维修。".into(),
                fields: BTreeMap::from([("f1".to_owned(), "水电维修".to_owned())]),
                ..RequestInput::default()
            };
            self.acting(&jumin).apply_online(main, item.id, &input).await?;
        }
        // The items were moved back in time after their counts were written.
        self.rebuild_figures(main.as_str()).await
    }

    /// Two weeks of appointment slots from the next working day, once; the demo resident holds
    /// one booking, and the desk has a few consultations logged.
    async fn seed_demo_slots(&self, main: DivisionCode) -> StoreResult<()> {
        let future: i64 = on_db!(self, |pool| sqlx::query_scalar(
            "SELECT count(*) FROM appointment_slot WHERE community_code = $1 AND starts_at > $2"
        )
        .bind(main.as_str())
        .bind(Ts(crate::now()))
        .fetch_one(pool)
        .await)?;
        if future > 0 {
            return Ok(());
        }
        let worker = Actor::user(&self.user_by_username("chuangkou").await?, None);
        let desk = self.acting(&worker);
        let cal = self.calendar().await?;
        let input = SlotsInput {
            from: cal.add_working_days(crate::today(), 1).to_string(),
            days: "10".into(),
            times: "09:00-09:30, 09:30-10:00, 10:00-10:30, 14:30-15:00, 15:00-15:30".into(),
            capacity: "3".into(),
            item: String::new(),
            service_window: "1号综合受理窗口".into(),
        };
        desk.open_slots(main, &input).await?;
        let jumin = Actor::user(&self.user_by_username("jumin").await?, None);
        let me = self.acting(&jumin);
        if let Some(slot) = me.slots(main, crate::today(), 14, None).await?.into_iter().nth(2) {
            me.book(slot.id, "李秀英", "13905910011", None).await?;
        }
        for (topic, answer, channel) in [
            (
                "高龄津贴每月多少钱，怎么申请？",
                "80–89 周岁每月 100 元起；带身份证、户口簿和银行卡到窗口申请，也可网上申请。",
                "phone",
            ),
            (
                "孩子上学需要开居住证明吗？",
                "按减证便民要求，学校可通过部门核查，社区不再开具；请向学校确认。",
                "window",
            ),
            ("残疾人证到期了怎么换？", "带旧证、身份证和照片到窗口，社区开具评残介绍。", "window"),
        ] {
            let input = crate::window::ConsultationInput {
                topic: topic.into(),
                answer: answer.into(),
                asker_name: String::new(),
                channel: channel.into(),
                item: String::new(),
            };
            desk.record_consultation(main, &input).await?;
        }
        Ok(())
    }

    async fn backdate(&self, item: Uuid, accepted: time::OffsetDateTime, due: time::OffsetDateTime) -> StoreResult<()> {
        exec_db!(self, |pool| sqlx::query(
            "UPDATE work_item SET created_at = $2, accepted_at = $2, due_at = $3 WHERE id = $1"
        )
        .bind(item)
        .bind(Ts(accepted))
        .bind(Ts(due))
        .execute(pool)
        .await)?;
        exec_db!(self, |pool| sqlx::query("UPDATE work_item_event SET at = $2 WHERE work_item_id = $1")
            .bind(item)
            .bind(Ts(accepted))
            .execute(pool)
            .await)?;
        Ok(())
    }
}
