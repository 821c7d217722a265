//! 满意度调查: a community's questionnaires — composed as drafts, opened to residents (who
//! answer from their accounts, or staff key in paper forms) or to one register category (each
//! member gets an invitation slip whose code answers once), then closed and tallied.

use linli_domain::oversight::survey::{
    Answer, Audience, MAX_QUESTIONS, Question, QuestionInput, SurveyInput, Tally, check_answers, tally,
};
use linli_domain::{Action, DivisionCode, FieldError, Invalid, Resource};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acting::{Acting, Actor};
use crate::audit::Entry;
use crate::batch::{Batch, RunBatch};
use crate::node::stored_code;
use crate::register::ResidentQuery;
use crate::{Store, StoreError, StoreResult, Ts, now};

/// Runs one audited statement that only applies while the survey is still in the state the
/// caller saw; when it matched no row (a colleague moved the survey first), fails with `$stale`.
macro_rules! in_state {
    ($acting:expr, $entry:expr, $stale:expr, |$tx:ident| $query:block) => {{
        let mut stale = false;
        audited!($acting, $entry, |$tx| {
            if $query.execute(&mut *$tx).await?.rows_affected() == 0 {
                stale = true;
                return Err(sqlx::Error::RowNotFound);
            }
        })
        .map_err(|e| if stale { $stale } else { StoreError::from(e) })
    }};
}

/// Invitations a category survey may send at once (a large community's elderly fit easily).
pub const MAX_INVITATIONS: i64 = 20_000;

#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    pub id: Uuid,
    pub community_code: String,
    pub title: String,
    pub intro: String,
    /// `residents` or a category code.
    pub audience: String,
    pub state: String,
    pub questions: Vec<Question>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub opened_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub responses: i64,
    pub invitations: i64,
}

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: Uuid,
    community_code: String,
    title: String,
    intro: String,
    audience: String,
    state: String,
    questions: String,
    created_by: String,
    created_at: OffsetDateTime,
    opened_at: Option<OffsetDateTime>,
    closed_at: Option<OffsetDateTime>,
    responses: i64,
    invitations: i64,
}

impl TryFrom<SurveyRow> for Survey {
    type Error = StoreError;
    fn try_from(r: SurveyRow) -> StoreResult<Survey> {
        let questions = serde_json::from_str(&r.questions)
            .map_err(|e| StoreError::Db(sqlx::Error::Decode(format!("survey {} questions: {e}", r.id).into())))?;
        Ok(Survey {
            id: r.id,
            community_code: r.community_code,
            title: r.title,
            intro: r.intro,
            audience: r.audience,
            state: r.state,
            questions,
            created_by: r.created_by,
            created_at: r.created_at,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
            responses: r.responses,
            invitations: r.invitations,
        })
    }
}

/// A survey's results: the tally of each question beside the question.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyResults {
    pub survey: Survey,
    pub tallies: Vec<Tally>,
}

/// One invitation slip: who it is for, where they live, and the code.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Invitation {
    pub code: String,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub used: bool,
}

const SURVEY_SELECT: &str = "SELECT s.id, s.community_code, s.title, s.intro, s.audience, s.state, s.questions, \
     s.created_by, s.created_at, s.opened_at, s.closed_at, \
     (SELECT count(*) FROM survey_response r WHERE r.survey_id = s.id) AS responses, \
     (SELECT count(*) FROM survey_invitation i WHERE i.survey_id = s.id) AS invitations FROM survey s";

fn audience_code(a: &Audience) -> &str {
    match a {
        Audience::Residents => "residents",
        Audience::Category(c) => c,
    }
}

fn not_draft() -> StoreError {
    StoreError::Invalid(Invalid::one("", "survey_not_draft"))
}

impl Store {
    async fn load_survey(&self, id: Uuid) -> StoreResult<Survey> {
        let sql = format!("{SURVEY_SELECT} WHERE s.id = $1");
        let row: Option<SurveyRow> =
            on_db!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?;
        row.ok_or(StoreError::NotFound("survey"))?.try_into()
    }

    /// Stores one checked response, only while the survey is open; a second one from the same
    /// account or code is a conflict. The response carries nothing that leads back to the person:
    /// the account or code is marked as used in its own row, in the same transaction.
    async fn insert_response(
        &self,
        actor: &Actor,
        survey: &Survey,
        channel: &str,
        participant: Participant<'_>,
        answers: &[Option<Answer>],
    ) -> StoreResult<Uuid> {
        use linli_domain::workflow::CHINA;
        let id = Uuid::now_v7();
        let at = now();
        // The day only: an exact time could be matched with the account's or code's other traces.
        let day = at.to_offset(CHINA).date().midnight().assume_offset(CHINA);
        let body = serde_json::to_string(answers).map_err(|e| StoreError::Db(sqlx::Error::Encode(e.into())))?;
        let recorder = match participant {
            Participant::Account(_) => "居民（账户）".to_owned(),
            Participant::Code(_) => "居民（问卷邀请码）".to_owned(),
            Participant::Paper => actor.name.clone(),
        };
        let entry = Entry::new(
            survey.community_code.clone(),
            "survey.answer",
            "survey",
            survey.id.to_string(),
            json!({ "channel": channel }),
        );
        let mut refused: Option<StoreError> = None;
        let done: Result<(), sqlx::Error> = on_db!(self, |pool| {
            async {
                use crate::audit::AuditTx as _;
                use crate::tx::WritePool as _;
                let mut tx = pool.begin_write().await?;
                let marked = match participant {
                    // Marks the slip used only if it still was not: two tabs cannot both answer.
                    Participant::Code(code) => {
                        sqlx::query("UPDATE survey_invitation SET used_at = $2 WHERE code = $1 AND used_at IS NULL")
                            .bind(code)
                            .bind(Ts(at))
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                    }
                    Participant::Account(user) => sqlx::query(
                        "INSERT INTO survey_participant (survey_id, user_id, community_code) VALUES ($1, $2, $3) \
                         ON CONFLICT (survey_id, user_id) DO NOTHING",
                    )
                    .bind(survey.id)
                    .bind(user)
                    .bind(&survey.community_code)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                    Participant::Paper => 1,
                };
                if marked == 0 {
                    refused = Some(StoreError::Conflict { what: "survey", field: "answered" });
                    return Err(sqlx::Error::RowNotFound);
                }
                // Written only while the survey is still open, checked inside the transaction.
                let written = sqlx::query(
                    "INSERT INTO survey_response (id, survey_id, community_code, channel, answers, recorded_by, submitted_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM survey WHERE id = $2 AND state = 'open')",
                )
                .bind(id)
                .bind(survey.id)
                .bind(&survey.community_code)
                .bind(channel)
                .bind(&body)
                .bind(&recorder)
                .bind(Ts(day))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if written == 0 {
                    refused = Some(StoreError::Invalid(Invalid::one("", "survey_not_open")));
                    return Err(sqlx::Error::RowNotFound);
                }
                tx.append_audit(actor, &entry).await?;
                tx.commit().await
            }
            .await
        });
        match (done, refused) {
            (Err(_), Some(e)) => Err(e),
            (other, _) => other.map_err(StoreError::from),
        }?;
        Ok(id)
    }

    /// The survey an invitation code stands for, and whether the code was used (public page).
    pub async fn survey_by_code(&self, code: &str) -> StoreResult<(Survey, bool)> {
        let row: Option<(Uuid, Option<OffsetDateTime>)> =
            on_db!(self, |pool| sqlx::query_as("SELECT survey_id, used_at FROM survey_invitation WHERE code = $1")
                .bind(normal_code(code))
                .fetch_optional(pool)
                .await)?;
        let (id, used) = row.ok_or(StoreError::NotFound("survey code"))?;
        Ok((self.load_survey(id).await?, used.is_some()))
    }

    /// Answers with the code on an invitation slip: no account needed, the code is the proof,
    /// and it answers once.
    pub async fn answer_by_code(&self, code: &str, form: &[(String, String)]) -> StoreResult<Uuid> {
        let code = normal_code(code);
        let (survey, used) = self.survey_by_code(&code).await?;
        if survey.state != "open" {
            return Err(StoreError::Invalid(Invalid::one("", "survey_not_open")));
        }
        if used {
            return Err(StoreError::Conflict { what: "survey", field: "answered" });
        }
        let answers = check_answers(&survey.questions, form)?;
        self.insert_response(&Actor::system("居民（问卷邀请码）"), &survey, "code", Participant::Code(&code), &answers)
            .await
    }
}

fn normal_code(code: &str) -> String {
    code.trim().to_ascii_uppercase().replace(['-', ' '], "")
}

/// One invitation slip per resident: two clerks pressing at once make one slip each, not two.
const INVITE: &str = "INSERT INTO survey_invitation (code, survey_id, community_code, resident_id) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (survey_id, resident_id) DO NOTHING";

/// Writes the slips (code, resident) inside the survey's write transaction, a hundred to a
/// round trip (`batch.rs`): a category can hold up to [`MAX_INVITATIONS`] residents, and on
/// SQLite every other writer waits while they are written.
async fn invite(
    tx: &mut impl RunBatch,
    survey: Uuid,
    community: &str,
    slips: &[(String, Uuid)],
) -> Result<(), sqlx::Error> {
    for chunk in slips.chunks(100) {
        let mut b = Batch::new();
        for (code, resident) in chunk {
            b.push(INVITE).bind(code).bind(survey).bind(community).bind(*resident);
        }
        tx.run(b).await?;
    }
    Ok(())
}

impl Acting<'_> {
    async fn survey_for(&self, id: Uuid, action: Action) -> StoreResult<Survey> {
        let s = self.store.load_survey(id).await?;
        self.check(Resource::Survey, action, &stored_code(&s.community_code)?)?;
        Ok(s)
    }

    /// A new draft; questions are added to it one by one.
    pub async fn create_survey(&self, community: DivisionCode, input: &SurveyInput) -> StoreResult<Uuid> {
        self.community_for(Resource::Survey, Action::Create, community).await?;
        let f = input.validate()?;
        let id = Uuid::now_v7();
        let entry =
            Entry::new(community.to_string(), "survey.create", "survey", id.to_string(), json!({ "title": f.title }));
        audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO survey (id, community_code, title, intro, audience, state, questions, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'draft', '[]', $6, $7)",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(&f.title)
            .bind(&f.intro)
            .bind(audience_code(&f.audience))
            .bind(&self.actor.name)
            .bind(Ts(now()))
            .execute(&mut *tx)
            .await?;
        })?;
        Ok(id)
    }

    pub async fn survey(&self, id: Uuid) -> StoreResult<Survey> {
        self.survey_for(id, Action::Read).await
    }

    /// A community's surveys, newest first.
    pub async fn surveys(&self, community: DivisionCode) -> StoreResult<Vec<Survey>> {
        self.community_for(Resource::Survey, Action::Read, community).await?;
        let sql = format!("{SURVEY_SELECT} WHERE s.community_code = $1 ORDER BY s.created_at DESC LIMIT 500");
        let rows: Vec<SurveyRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(community.as_str())
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(Survey::try_from).collect()
    }

    /// Changes a draft's title, introduction and audience.
    pub async fn update_survey(&self, id: Uuid, input: &SurveyInput) -> StoreResult<()> {
        let s = self.survey_for(id, Action::Update).await?;
        let f = input.validate()?;
        if s.state != "draft" {
            return Err(not_draft());
        }
        let entry = Entry::new(
            s.community_code.clone(),
            "survey.update",
            "survey",
            id.to_string(),
            json!({ "title": f.title }),
        );
        in_state!(self, &entry, not_draft(), |tx| {
            sqlx::query("UPDATE survey SET title = $2, intro = $3, audience = $4 WHERE id = $1 AND state = 'draft'")
                .bind(id)
                .bind(&f.title)
                .bind(&f.intro)
                .bind(audience_code(&f.audience))
        })?;
        Ok(())
    }

    /// Changes a draft's questions: adds one, or removes or moves the one at `index`.
    pub async fn edit_questions(&self, id: Uuid, edit: QuestionEdit<'_>) -> StoreResult<()> {
        let s = self.survey_for(id, Action::Update).await?;
        if s.state != "draft" {
            return Err(not_draft());
        }
        let mut qs = s.questions.clone();
        let what = match edit {
            QuestionEdit::Add(input) => {
                let q = input.validate()?;
                if qs.len() >= MAX_QUESTIONS {
                    return Err(StoreError::Invalid(Invalid(vec![
                        FieldError::new("prompt", "survey_too_many_questions").with("max", MAX_QUESTIONS),
                    ])));
                }
                qs.push(q);
                "add"
            }
            QuestionEdit::Remove(i) if i < qs.len() => {
                qs.remove(i);
                "remove"
            }
            QuestionEdit::Up(i) if i > 0 && i < qs.len() => {
                qs.swap(i - 1, i);
                "move"
            }
            QuestionEdit::Down(i) if i + 1 < qs.len() => {
                qs.swap(i, i + 1);
                "move"
            }
            QuestionEdit::Replace(i, input) if i < qs.len() => {
                qs[i] = input.validate()?;
                "change"
            }
            _ => return Err(StoreError::NotFound("question")),
        };
        let body = serde_json::to_string(&qs).map_err(|e| StoreError::Db(sqlx::Error::Encode(e.into())))?;
        let entry = Entry::new(
            s.community_code.clone(),
            "survey.questions",
            "survey",
            id.to_string(),
            json!({ "edit": what, "questions": qs.len() }),
        );
        let before = serde_json::to_string(&s.questions).map_err(|e| StoreError::Db(sqlx::Error::Encode(e.into())))?;
        // Only over the questions this edit was made from: a colleague's edit in between
        // makes this one stale instead of silently lost, and an index never hits the wrong one.
        in_state!(self, &entry, StoreError::Conflict { what: "survey", field: "version" }, |tx| {
            sqlx::query("UPDATE survey SET questions = $2 WHERE id = $1 AND state = 'draft' AND questions = $3")
                .bind(id)
                .bind(&body)
                .bind(&before)
        })?;
        Ok(())
    }

    /// Deletes a draft nobody has seen.
    pub async fn delete_survey(&self, id: Uuid) -> StoreResult<()> {
        let s = self.survey_for(id, Action::Delete).await?;
        if s.state != "draft" {
            return Err(not_draft());
        }
        let entry = Entry::new(
            s.community_code.clone(),
            "survey.delete",
            "survey",
            id.to_string(),
            json!({ "title": s.title }),
        );
        in_state!(self, &entry, not_draft(), |tx| {
            sqlx::query("DELETE FROM survey WHERE id = $1 AND state = 'draft'").bind(id)
        })?;
        Ok(())
    }

    /// Opens a draft for answers. A category survey gets one invitation code per member of the
    /// category living in the community now; returns how many slips there are to print.
    pub async fn open_survey(&self, id: Uuid) -> StoreResult<i64> {
        let s = self.survey_for(id, Action::Update).await?;
        if s.state != "draft" {
            return Err(not_draft());
        }
        if s.questions.is_empty() {
            return Err(StoreError::Invalid(Invalid::one("", "survey_no_questions")));
        }
        let members = if s.audience == "residents" {
            Vec::new()
        } else {
            let rows = self.category_members(&s).await?;
            if rows.is_empty() {
                return Err(StoreError::Invalid(Invalid::one("audience", "survey_audience_empty")));
            }
            rows.into_iter().map(|r| (crate::secret::short_code(), r)).collect()
        };
        let entry = Entry::new(
            s.community_code.clone(),
            "survey.open",
            "survey",
            id.to_string(),
            json!({ "audience": s.audience, "invitations": members.len() }),
        );
        let at = Ts(now());
        let mut stale = false;
        audited!(self, &entry, |tx| {
            let n = sqlx::query("UPDATE survey SET state = 'open', opened_at = $2 WHERE id = $1 AND state = 'draft'")
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                stale = true;
                return Err(sqlx::Error::RowNotFound);
            }
            invite(&mut tx, id, &s.community_code, &members).await?;
        })
        .map_err(|e| if stale { not_draft() } else { e.into() })?;
        Ok(members.len() as i64)
    }

    /// Who is in a category survey's category today, by the register.
    async fn category_members(&self, s: &Survey) -> StoreResult<Vec<Uuid>> {
        let q = ResidentQuery {
            community: Some(stored_code(&s.community_code)?),
            tag: Some(s.audience.clone()),
            limit: MAX_INVITATIONS + 1,
            ..ResidentQuery::default()
        };
        let (rows, total) = self.residents(&q).await?;
        if total > MAX_INVITATIONS {
            return Err(StoreError::Invalid(Invalid(vec![
                FieldError::new("audience", "survey_audience_too_large").with("max", MAX_INVITATIONS),
            ])));
        }
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Slips for those who joined an open category survey's category after it was published
    /// (moved in, turned 60 …); returns how many were made. Those who left keep theirs.
    pub async fn invite_newcomers(&self, id: Uuid) -> StoreResult<i64> {
        let s = self.survey_for(id, Action::Update).await?;
        if s.state != "open" || s.audience == "residents" {
            return Err(StoreError::Invalid(Invalid::one("", "survey_not_open")));
        }
        let invited: Vec<Uuid> = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT resident_id FROM survey_invitation WHERE survey_id = $1 AND community_code = $2"
        )
        .bind(id)
        .bind(&s.community_code)
        .fetch_all(pool)
        .await)?;
        let invited: std::collections::HashSet<Uuid> = invited.into_iter().collect();
        let new: Vec<(String, Uuid)> = self
            .category_members(&s)
            .await?
            .into_iter()
            .filter(|r| !invited.contains(r))
            .map(|r| (crate::secret::short_code(), r))
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        let entry = Entry::new(
            s.community_code.clone(),
            "survey.invite",
            "survey",
            id.to_string(),
            json!({ "invitations": new.len() }),
        );
        audited!(self, &entry, |tx| {
            invite(&mut tx, id, &s.community_code, &new).await?;
        })?;
        Ok(new.len() as i64)
    }

    /// Stops collecting answers; the results stay.
    pub async fn close_survey(&self, id: Uuid) -> StoreResult<()> {
        let s = self.survey_for(id, Action::Update).await?;
        if s.state != "open" {
            return Err(StoreError::Invalid(Invalid::one("", "survey_not_open")));
        }
        let entry = Entry::new(
            s.community_code.clone(),
            "survey.close",
            "survey",
            id.to_string(),
            json!({ "responses": s.responses }),
        );
        in_state!(self, &entry, StoreError::Invalid(Invalid::one("", "survey_not_open")), |tx| {
            sqlx::query("UPDATE survey SET state = 'closed', closed_at = $2 WHERE id = $1 AND state = 'open'")
                .bind(id)
                .bind(Ts(now()))
        })?;
        Ok(())
    }

    /// Every response tallied question by question.
    pub async fn survey_results(&self, id: Uuid) -> StoreResult<SurveyResults> {
        let survey = self.survey_for(id, Action::Read).await?;
        let rows: Vec<String> = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT answers FROM survey_response WHERE survey_id = $1 ORDER BY submitted_at"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        // A response that cannot be read is skipped and logged, not allowed to hide the rest.
        let responses: Vec<Vec<Option<Answer>>> = rows
            .iter()
            .filter_map(|r| {
                serde_json::from_str(r)
                    .inspect_err(|e| tracing::warn!(survey = %id, error = %e, "unreadable survey response skipped"))
                    .ok()
            })
            .collect();
        let tallies = tally(&survey.questions, &responses);
        Ok(SurveyResults { survey, tallies })
    }

    /// The invitation slips of a category survey, by address, for printing and handing out.
    pub async fn survey_invitations(&self, id: Uuid, limit: i64, offset: i64) -> StoreResult<(Vec<Invitation>, i64)> {
        let s = self.survey_for(id, Action::Update).await?;
        self.check(Resource::Register, Action::Read, &stored_code(&s.community_code)?)?;
        let rows: Vec<Invitation> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT i.code, r.name, b.name AS building, h.unit, h.room, (i.used_at IS NOT NULL) AS used \
             FROM survey_invitation i JOIN resident r ON r.id = i.resident_id JOIN household h ON h.id = r.household_id \
             JOIN building b ON b.id = h.building_id WHERE i.survey_id = $1 \
             ORDER BY length(b.name), b.name, length(h.unit), h.unit, length(h.room), h.room, r.name LIMIT $2 OFFSET $3"
        )
        .bind(id)
        .bind(limit.clamp(1, 5000))
        .bind(offset.max(0))
        .fetch_all(pool)
        .await
        })?;
        Ok((rows, s.invitations))
    }

    /// Keys in a paper questionnaire of a survey open to all residents.
    pub async fn record_paper_response(&self, id: Uuid, form: &[(String, String)]) -> StoreResult<Uuid> {
        let s = self.survey_for(id, Action::Update).await?;
        if s.state != "open" {
            return Err(StoreError::Invalid(Invalid::one("", "survey_not_open")));
        }
        // A category survey is answered with its slips; paper answers beside them would count
        // some people twice.
        if s.audience != "residents" {
            return Err(StoreError::Invalid(Invalid::one("", "survey_paper_category")));
        }
        let answers = check_answers(&s.questions, form)?;
        self.store.insert_response(self.actor, &s, "paper", Participant::Paper, &answers).await
    }

    /// Open surveys for the signed-in resident's community, with whether they answered.
    pub async fn my_surveys(&self) -> StoreResult<Vec<(Survey, bool)>> {
        self.check_right(Resource::Application, Action::Read)?;
        let (Some(node), Some(me)) = (self.actor.principal.node, self.actor.user_id()) else { return Ok(Vec::new()) };
        let sql = format!(
            "{SURVEY_SELECT} WHERE s.community_code = $1 AND s.state = 'open' AND s.audience = 'residents' \
             ORDER BY s.opened_at DESC"
        );
        let rows: Vec<SurveyRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(node.as_str())
            .fetch_all(pool)
            .await)?;
        let answered: Vec<Uuid> = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT survey_id FROM survey_participant WHERE user_id = $1"
        )
        .bind(me)
        .fetch_all(pool)
        .await)?;
        rows.into_iter()
            .map(|r| {
                let s = Survey::try_from(r)?;
                let done = answered.contains(&s.id);
                Ok((s, done))
            })
            .collect()
    }

    /// A survey as the signed-in resident may see it: open (or closed, once answered) and for
    /// everyone in their community.
    pub async fn survey_for_me(&self, id: Uuid) -> StoreResult<(Survey, bool)> {
        self.check_right(Resource::Application, Action::Read)?;
        let s = self.store.load_survey(id).await?;
        let mine = self.actor.principal.node.is_some_and(|n| n.as_str() == s.community_code);
        if !mine || s.audience != "residents" || s.state == "draft" {
            return Err(StoreError::NotFound("survey"));
        }
        let me = self.actor.user_id();
        let n: i64 = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT count(*) FROM survey_participant WHERE survey_id = $1 AND user_id = $2"
        )
        .bind(id)
        .bind(me)
        .fetch_one(pool)
        .await)?;
        Ok((s, n > 0))
    }

    /// The signed-in resident answers once.
    pub async fn answer_survey(&self, id: Uuid, form: &[(String, String)]) -> StoreResult<Uuid> {
        self.check_right(Resource::Application, Action::Create)?;
        let (s, answered) = self.survey_for_me(id).await?;
        if s.state != "open" {
            return Err(StoreError::Invalid(Invalid::one("", "survey_not_open")));
        }
        if answered {
            return Err(StoreError::Conflict { what: "survey", field: "answered" });
        }
        let answers = check_answers(&s.questions, form)?;
        let me = self.actor.user_id().ok_or(StoreError::Forbidden)?;
        self.store.insert_response(self.actor, &s, "account", Participant::Account(me), &answers).await
    }
}

/// Who is answering, to be marked so they answer once.
#[derive(Debug, Clone, Copy)]
enum Participant<'a> {
    Account(Uuid),
    Code(&'a str),
    Paper,
}

/// One change to a draft's questions.
#[derive(Debug, Clone, Copy)]
pub enum QuestionEdit<'a> {
    Add(&'a QuestionInput),
    Remove(usize),
    Up(usize),
    Down(usize),
    /// Corrects the question at the index (its wording, kind, options or whether it is required).
    Replace(usize, &'a QuestionInput),
}
