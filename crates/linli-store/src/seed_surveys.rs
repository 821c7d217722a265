//! Demo surveys and supervision notes: a closed survey of 榕华社区's elderly answered with the
//! codes on their invitation slips, an open one for all residents with paper answers keyed in,
//! a draft, and the street office's comments and follow-ups. Made through the app's
//! operations, then dated back. Deterministic.

use linli_domain::DivisionCode;
use linli_domain::oversight::NoteInput;
use linli_domain::oversight::survey::{QuestionInput, SurveyInput};
use time::Duration;
use uuid::Uuid;

use crate::oversight::{NoteMove, QuestionEdit};
use crate::{Actor, Store, StoreError, StoreResult, Ts};

const MAIN: &str = "350103001001";
const SIBLING: &str = "350103001002";

use crate::seed_oversight::Lcg;

fn question(kind: &str, prompt: &str, options: &[&str], required: bool) -> QuestionInput {
    QuestionInput {
        kind: kind.into(),
        prompt: prompt.into(),
        options: options.join("\n"),
        required: required.then(|| "on".into()),
    }
}

const SUGGESTIONS: [&str; 8] = [
    "希望助餐点增加清淡的菜品",
    "上门体检可以再多几次",
    "活动室的空调夏天不够凉",
    "工作人员很耐心，谢谢",
    "希望周末也能办事",
    "楼道灯坏了好久，请尽快修",
    "希望多组织一些健康讲座",
    "助浴服务预约太难约",
];

/// A plausible answer sheet: mostly satisfied, some not.
fn answers(rng: &mut Lcg, with_text: bool) -> Vec<(String, String)> {
    let overall = [0, 0, 0, 1, 1, 1, 1, 2, 2, 3][rng.next(10) as usize];
    let mut form = vec![("q0".to_owned(), overall.to_string())];
    for option in 0..5 {
        if rng.next(3) == 0 {
            form.push(("q1".into(), option.to_string()));
        }
    }
    form.push(("q2".into(), (5 - overall.min(3) as u64 + rng.next(2)).clamp(1, 5).to_string()));
    form.push(("q3".into(), (3 + rng.next(3)).to_string()));
    if with_text && rng.next(3) == 0 {
        form.push(("q4".into(), SUGGESTIONS[rng.next(SUGGESTIONS.len() as u64) as usize].into()));
    }
    form
}

impl Store {
    /// Seeds the demo surveys and notes once (when the main community has no survey yet).
    pub async fn seed_demo_surveys(&self) -> StoreResult<()> {
        let main = DivisionCode::parse(MAIN).map_err(StoreError::Invalid)?;
        let n: i64 = on_db!(self, |pool| sqlx::query_scalar("SELECT count(*) FROM survey WHERE community_code = $1")
            .bind(main.as_str())
            .fetch_one(pool)
            .await)?;
        if n > 0 {
            return Ok(());
        }
        let head = Actor::user(&self.user_by_username("shuji").await?, None);
        let office = self.acting(&head);
        let mut rng = Lcg(0x7375_7276_6579_2026);
        let questions = [
            question(
                "single",
                "您对社区居家养老服务的总体评价",
                &["非常满意", "满意", "基本满意", "不满意", "非常不满意"],
                true,
            ),
            question(
                "multiple",
                "过去一年您使用过哪些服务？",
                &["助餐", "助浴", "上门体检", "日间照料", "文体活动"],
                false,
            ),
            question("scale", "社区工作人员的服务态度", &[], true),
            question("scale", "办事等候时间", &[], false),
            question("text", "您对社区服务还有什么建议？", &[], false),
        ];

        // A closed survey of the elderly, answered with the codes on their slips.
        let elderly = office
            .create_survey(
                main,
                &SurveyInput {
                    title: "2026年度老年人居家养老服务满意度调查".into(),
                    intro: "为了解老年居民对社区养老服务的评价，请您抽几分钟填写。问卷不记名。".into(),
                    audience: "elderly_60".into(),
                },
            )
            .await?;
        for q in &questions {
            office.edit_questions(elderly, QuestionEdit::Add(q)).await?;
        }
        office.open_survey(elderly).await?;
        let (slips, _) = office.survey_invitations(elderly, 5000, 0).await?;
        for slip in &slips {
            if rng.next(100) < 68 {
                self.answer_by_code(&slip.code, &answers(&mut rng, true)).await?;
            }
        }
        office.close_survey(elderly).await?;
        self.date_survey_back(elderly, 75, 45).await?;

        // An open survey for everyone, with paper forms keyed in at the window.
        let everyone = office
            .create_survey(
                main,
                &SurveyInput {
                    title: "社区服务中心服务满意度调查（第四季度）".into(),
                    intro: "居民可登录“我的问卷”填写，也可在服务大厅领取纸质问卷。".into(),
                    audience: "residents".into(),
                },
            )
            .await?;
        for q in &questions {
            office.edit_questions(everyone, QuestionEdit::Add(q)).await?;
        }
        office.open_survey(everyone).await?;
        let window = Actor::user(&self.user_by_username("chuangkou").await?, None);
        for _ in 0..26 {
            self.acting(&window).record_paper_response(everyone, &answers(&mut rng, true)).await?;
        }
        self.date_survey_back(everyone, 12, 0).await?;

        // A draft being written.
        let draft = office
            .create_survey(
                main,
                &SurveyInput {
                    title: "2027年度服务项目需求调查".into(),
                    intro: String::new(),
                    audience: "residents".into(),
                },
            )
            .await?;
        office
            .edit_questions(
                draft,
                QuestionEdit::Add(&question(
                    "multiple",
                    "明年您最希望社区增加哪些服务？",
                    &["托育", "老年食堂", "法律咨询", "就业指导", "心理疏导"],
                    true,
                )),
            )
            .await?;

        // The street office's comment and follow-ups.
        let street = Actor::user(&self.user_by_username("jiedao").await?, None);
        let supervisor = self.acting(&street);
        let last_month = crate::oversight::figures_first_month(crate::today(), 2);
        let period = format!("{:04}-{:02}", last_month.year(), u8::from(last_month.month()));
        supervisor
            .add_note(
                main,
                &NoteInput {
                    kind: "comment".into(),
                    body: "榕华社区按时办结率连续三个月保持在九成以上，满意率较高，值得各社区学习。".into(),
                    period: period.clone(),
                    due_on: String::new(),
                },
            )
            .await?;
        let answered = supervisor
            .add_note(
                main,
                &NoteInput {
                    kind: "follow_up".into(),
                    body: "上月有超期未办结的申请，请分析原因并报送整改措施。".into(),
                    period: period.clone(),
                    due_on: String::new(),
                },
            )
            .await?;
        office
            .move_note(
                answered,
                &NoteMove {
                    action: "answer".into(),
                    reason: "超期件集中在需街道转办的事项，已与街道约定转办件每周五集中反馈，并安排专人跟踪。".into(),
                    version: None,
                },
            )
            .await?;
        let sibling = DivisionCode::parse(SIBLING).map_err(StoreError::Invalid)?;
        supervisor
            .add_note(
                sibling,
                &NoteInput {
                    kind: "follow_up".into(),
                    body: "闽江社区近三个月投诉按时答复率偏低，请说明情况并提出改进办法。".into(),
                    period,
                    due_on: String::new(),
                },
            )
            .await?;
        Ok(())
    }

    /// Moves a demo survey back: created `days` ago, opened the next day, closed (if it is)
    /// `closed_days` ago, its answers spread over the time it was open.
    async fn date_survey_back(&self, id: Uuid, days: i64, closed_days: i64) -> StoreResult<()> {
        let now = crate::now();
        let created = now - Duration::days(days);
        let opened = created + Duration::days(1);
        let closed = now - Duration::days(closed_days);
        exec_db!(self, |pool| {
            sqlx::query(
            "UPDATE survey SET created_at = $2, opened_at = $3, closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE $4 END \
             WHERE id = $1"
        )
        .bind(id)
        .bind(Ts(created))
        .bind(Ts(opened))
        .bind(Ts(closed))
        .execute(pool)
        .await
        })?;
        let ids: Vec<Uuid> =
            on_db!(self, |pool| sqlx::query_scalar("SELECT id FROM survey_response WHERE survey_id = $1")
                .bind(id)
                .fetch_all(pool)
                .await)?;
        let span = (closed - opened).whole_minutes().max(1);
        let count = ids.len().max(1) as i64;
        for (i, r) in ids.into_iter().enumerate() {
            // Responses keep the day only.
            let at = (opened + Duration::minutes(span * i as i64 / count)).to_offset(linli_domain::workflow::CHINA);
            let at = at.date().midnight().assume_offset(linli_domain::workflow::CHINA);
            exec_db!(self, |pool| sqlx::query("UPDATE survey_response SET submitted_at = $2 WHERE id = $1")
                .bind(r)
                .bind(Ts(at))
                .execute(pool)
                .await)?;
        }
        Ok(())
    }
}
