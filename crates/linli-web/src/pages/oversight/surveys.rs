//! 满意度调查 pages: a community's surveys, the draft editor (questions added, moved and removed
//! one form at a time, so no script is needed), publishing and closing, results as charts,
//! printable invitation slips, paper answers keyed in by staff, and the residents' side — from
//! their account, or with the code on a slip and no account.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum_extra::extract::CookieJar;
use linli_domain::oversight::survey::{QuestionInput, QuestionKind, SurveyInput, Tally, audience_categories};
use linli_domain::{Action, Resource};
use linli_store::StoreError;
use linli_store::oversight::{QuestionEdit, Survey};
use serde::Deserialize;

use super::super::window::desk::community;
use super::super::window::when;
use crate::api::id_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

/// `residents` or a category, in words.
fn audience_word(lang: Lang, code: &str) -> String {
    if code == "residents" {
        return i18n::t(lang, "survey.audience_residents").to_owned();
    }
    let key = format!("tag.{code}");
    if i18n::has(&key) { i18n::t(lang, &key).to_owned() } else { code.to_owned() }
}

fn audiences(lang: Lang) -> Vec<(&'static str, String)> {
    std::iter::once("residents").chain(audience_categories()).map(|c| (c, audience_word(lang, c))).collect()
}

fn kinds(lang: Lang) -> Vec<(&'static str, &'static str)> {
    QuestionKind::ALL.iter().map(|k| (k.as_str(), i18n::t(lang, &format!("survey.kind.{}", k.as_str())))).collect()
}

fn state_word(lang: Lang, s: &str) -> &'static str {
    i18n::t(lang, &format!("survey.state.{s}"))
}

pub struct Row {
    pub id: String,
    pub title: String,
    pub audience: String,
    pub state: String,
    pub responses: i64,
    pub created: String,
}

#[derive(Template)]
#[template(path = "oversight/surveys.html")]
struct ListPage {
    page: PageCtx,
    code: String,
    name: String,
    rows: Vec<Row>,
    can_create: bool,
    audiences: Vec<(&'static str, String)>,
    f: SurveyInput,
    errors: FormErrors,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    code: &str,
    f: SurveyInput,
    errors: FormErrors,
) -> Result<ListPage, AppError> {
    let (community, name) = community(state, code).await?;
    let surveys = state.store.acting(&me.actor).surveys(community).await?;
    Ok(ListPage {
        page: PageCtx::new(ctx, "survey.list_title"),
        code: community.to_string(),
        name,
        rows: surveys
            .into_iter()
            .map(|s| Row {
                id: s.id.to_string(),
                title: s.title,
                audience: audience_word(ctx.lang, &s.audience),
                state: state_word(ctx.lang, &s.state).to_owned(),
                responses: s.responses,
                created: when(Some(s.created_at)),
            })
            .collect(),
        can_create: me.actor.principal.check(Resource::Survey, Action::Create, &community).is_ok(),
        audiences: audiences(ctx.lang),
        f,
        errors,
    })
}

/// `/surveys`: the user's community's surveys; above communities, the comparison to pick one.
pub async fn start(me: Me) -> Result<Response, AppError> {
    use axum::response::{IntoResponse, Redirect};
    if !me.actor.principal.may(Resource::Survey, Action::Read) {
        return Err(AppError::Forbidden);
    }
    let node = me.actor.principal.node.ok_or(AppError::NotFound)?;
    let to = if node.level() == linli_domain::Level::Community {
        format!("/surveys/at/{node}")
    } else {
        format!("/oversight/compare/{node}")
    };
    Ok(Redirect::to(&to).into_response())
}

/// `/surveys/at/{code}`: a community's surveys and a form to start one.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    render(&list_page(&state, &ctx, &me, &code, SurveyInput::default(), FormErrors::default()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<SurveyInput>,
) -> Result<Response, AppError> {
    let (community, _) = community(&state, &code).await?;
    match state.store.acting(&me.actor).create_survey(community, &f).await {
        Ok(id) => Ok(done(jar, &ctx, "flash.survey_created", &format!("/surveys/{id}"))),
        Err(e @ StoreError::Invalid(_)) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &list_page(&state, &ctx, &me, &code, f, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// A question as the editor and the answer form show it.
pub struct QView {
    pub i: usize,
    pub kind: &'static str,
    pub kind_word: &'static str,
    pub prompt: String,
    pub required: bool,
    /// (value, label).
    pub options: Vec<(String, String)>,
    /// The options as typed, one per line, for the correction form.
    pub typed_options: String,
}

fn question_views(lang: Lang, s: &Survey) -> Vec<QView> {
    s.questions
        .iter()
        .enumerate()
        .map(|(i, q)| QView {
            i,
            kind: q.kind.as_str(),
            kind_word: i18n::t(lang, &format!("survey.kind.{}", q.kind.as_str())),
            prompt: q.prompt.clone(),
            required: q.required,
            typed_options: q.options.join("\n"),
            options: match q.kind {
                QuestionKind::Scale => (1..=5)
                    .map(|n| (n.to_string(), format!("{n} {}", i18n::t(lang, &format!("survey.scale.{n}")))))
                    .collect(),
                _ => q.options.iter().enumerate().map(|(n, o)| (n.to_string(), o.clone())).collect(),
            },
        })
        .collect()
}

/// One bar of a result chart.
pub struct ResultBar {
    pub label: String,
    /// The label cut to fit beside the bar (the whole one is in the bar's title and the table).
    pub short: String,
    pub count: i64,
    pub pct: String,
    /// Width in the 300-unit chart.
    pub w: u32,
    pub y: u32,
}

pub struct ResultView {
    pub q: QView,
    pub answered: i64,
    pub bars: Vec<ResultBar>,
    pub chart_h: u32,
    pub mean: Option<f64>,
    pub texts: Vec<String>,
}

fn result_views(lang: Lang, s: &Survey, tallies: Vec<Tally>) -> Vec<ResultView> {
    question_views(lang, s)
        .into_iter()
        .zip(tallies)
        .map(|(q, t)| {
            let bars: Vec<ResultBar> = q
                .options
                .iter()
                .zip(&t.counts)
                .enumerate()
                .map(|(n, ((_, label), c))| {
                    let share = if t.answered > 0 { *c as f64 / t.answered as f64 } else { 0.0 };
                    let short = if label.chars().count() > 11 {
                        format!("{}…", label.chars().take(10).collect::<String>())
                    } else {
                        label.clone()
                    };
                    ResultBar {
                        short,
                        label: label.clone(),
                        count: *c,
                        pct: format!("{:.1}%", share * 100.0),
                        w: (share * 300.0).round() as u32,
                        y: n as u32 * 28,
                    }
                })
                .collect();
            ResultView {
                chart_h: bars.len() as u32 * 28,
                bars,
                answered: t.answered,
                mean: t.mean,
                texts: t.texts.into_iter().rev().take(200).collect(),
                q,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "oversight/survey.html")]
struct DetailPage {
    page: PageCtx,
    s: Survey,
    name: String,
    state: String,
    audience: String,
    audiences: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    questions: Vec<QView>,
    results: Vec<ResultView>,
    can_edit: bool,
    can_delete: bool,
    category: bool,
    q: QuestionInput,
    /// The title form: what was sent after a refusal, else what is stored.
    f: SurveyInput,
    errors: FormErrors,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    id: uuid::Uuid,
    q: QuestionInput,
    sent: Option<SurveyInput>,
    errors: FormErrors,
) -> Result<DetailPage, AppError> {
    let acting = state.store.acting(&me.actor);
    let r = acting.survey_results(id).await?;
    let s = r.survey;
    let (_, name) = community(state, &s.community_code).await?;
    let code = crate::api::code_param(&s.community_code)?;
    Ok(DetailPage {
        page: PageCtx::new(ctx, "survey.title"),
        name,
        state: state_word(ctx.lang, &s.state).to_owned(),
        audience: audience_word(ctx.lang, &s.audience),
        audiences: audiences(ctx.lang),
        kinds: kinds(ctx.lang),
        questions: question_views(ctx.lang, &s),
        results: result_views(ctx.lang, &s, r.tallies),
        can_edit: me.actor.principal.check(Resource::Survey, Action::Update, &code).is_ok(),
        can_delete: me.actor.principal.check(Resource::Survey, Action::Delete, &code).is_ok(),
        category: s.audience != "residents",
        q,
        f: sent.unwrap_or_else(|| SurveyInput {
            title: s.title.clone(),
            intro: s.intro.clone(),
            audience: s.audience.clone(),
        }),
        errors,
        s,
    })
}

/// `/surveys/{id}`: a draft's editor, or an open or closed survey's results.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    render(
        &detail_page(&state, &ctx, &me, id_param(&id)?, QuestionInput::default(), None, FormErrors::default()).await?,
    )
}

/// A failed edit shows the editor again with the messages; anything else is an error page.
async fn again(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    id: uuid::Uuid,
    q: QuestionInput,
    sent: Option<SurveyInput>,
    e: StoreError,
) -> Result<Response, AppError> {
    match e {
        e @ (StoreError::Invalid(_) | StoreError::Conflict { .. }) => {
            let errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &detail_page(state, ctx, me, id, q, sent, errors).await?)
        }
        e => Err(e.into()),
    }
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<SurveyInput>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    match state.store.acting(&me.actor).update_survey(id, &f).await {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/surveys/{id}"))),
        Err(e) => again(&state, &ctx, &me, id, QuestionInput::default(), Some(f), e).await,
    }
}

/// Corrects one question of a draft.
pub async fn change_question(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((id, index)): Path<(String, usize)>,
    Form(q): Form<QuestionInput>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    match state.store.acting(&me.actor).edit_questions(id, QuestionEdit::Replace(index, &q)).await {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/surveys/{id}#questions"))),
        Err(e) => again(&state, &ctx, &me, id, QuestionInput::default(), None, e).await,
    }
}

pub async fn add_question(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(q): Form<QuestionInput>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    match state.store.acting(&me.actor).edit_questions(id, QuestionEdit::Add(&q)).await {
        Ok(()) => Ok(done(jar, &ctx, "flash.question_added", &format!("/surveys/{id}#add-question"))),
        Err(e) => again(&state, &ctx, &me, id, q, None, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QuestionOp {
    index: usize,
    /// `remove`, `up` or `down`.
    op: String,
}

pub async fn edit_question(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<QuestionOp>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let edit = match f.op.as_str() {
        "remove" => QuestionEdit::Remove(f.index),
        "up" => QuestionEdit::Up(f.index),
        "down" => QuestionEdit::Down(f.index),
        _ => return Err(AppError::BadRequest("problem.msg.form_unreadable")),
    };
    match state.store.acting(&me.actor).edit_questions(id, edit).await {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/surveys/{id}#questions"))),
        Err(e) => again(&state, &ctx, &me, id, QuestionInput::default(), None, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    /// `open`, `close` or `delete`.
    action: String,
}

pub async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let community = acting.survey(id).await?.community_code;
    let done_to = |key, to: String| Ok(done(jar, &ctx, key, &to));
    let result = match f.action.as_str() {
        "open" => acting.open_survey(id).await.map(|_| ("flash.survey_opened", format!("/surveys/{id}"))),
        "close" => acting.close_survey(id).await.map(|_| ("flash.survey_closed", format!("/surveys/{id}"))),
        "invite" => acting
            .invite_newcomers(id)
            .await
            .map(|n| (if n > 0 { "flash.slips_added" } else { "flash.no_new_slips" }, format!("/surveys/{id}/slips"))),
        "delete" => {
            acting.delete_survey(id).await.map(|_| ("flash.survey_deleted", format!("/surveys/at/{community}")))
        }
        _ => return Err(AppError::BadRequest("problem.msg.form_unreadable")),
    };
    match result {
        Ok((key, to)) => done_to(key, to),
        Err(e) => again(&state, &ctx, &me, id, QuestionInput::default(), None, e).await,
    }
}

#[derive(Template)]
#[template(path = "oversight/survey_slips.html")]
struct SlipsPage {
    page: PageCtx,
    s: Survey,
    name: String,
    slips: Vec<linli_store::oversight::Invitation>,
    link: String,
    prev: Option<i64>,
    next: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    page: i64,
}

const SLIPS_PER_PAGE: i64 = 120;

/// `/surveys/{id}/slips`: invitation slips by address, to print, cut and hand out.
pub async fn slips(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let s = acting.survey(id).await?;
    let page = q.page.max(0);
    let (slips, total) = acting.survey_invitations(id, SLIPS_PER_PAGE, page * SLIPS_PER_PAGE).await?;
    let (_, name) = community(&state, &s.community_code).await?;
    render(&SlipsPage {
        page: PageCtx::new(&ctx, "survey.slips_title"),
        link: format!("{}/survey", state.config.public_url.as_deref().unwrap_or("").trim_end_matches('/')),
        prev: (page > 0).then(|| page - 1),
        next: ((page + 1) * SLIPS_PER_PAGE < total).then_some(page + 1),
        s,
        name,
        slips,
    })
}

#[derive(Template)]
#[template(path = "oversight/survey_answer.html")]
struct AnswerPage {
    page: PageCtx,
    s: Survey,
    questions: Vec<QView>,
    /// Where the form posts.
    action: String,
    /// The invitation code, for the public form.
    code: String,
    /// The answers as sent, so a form with a mistake comes back filled in.
    sent: Vec<(String, String)>,
    thanks: bool,
    answered: bool,
    /// Staff keying in a paper form.
    paper: bool,
    errors: FormErrors,
}

impl AnswerPage {
    fn chosen(&self, i: &usize, value: &str) -> bool {
        let field = format!("q{i}");
        self.sent.iter().any(|(k, v)| *k == field && v == value)
    }

    fn typed(&self, i: &usize) -> &str {
        let field = format!("q{i}");
        self.sent.iter().find(|(k, _)| *k == field).map_or("", |(_, v)| v.as_str())
    }
}

fn answer_page(ctx: &Ctx, s: Survey, action: String, code: String) -> AnswerPage {
    AnswerPage {
        page: PageCtx::new(ctx, "survey.answer_title"),
        questions: question_views(ctx.lang, &s),
        s,
        action,
        code,
        sent: Vec::new(),
        thanks: false,
        answered: false,
        paper: false,
        errors: FormErrors::default(),
    }
}

/// The page after an answer was sent: thanks, or the form again after a refusal with what
/// was sent still filled in.
fn answered(
    mut p: AnswerPage,
    ctx: &Ctx,
    result: Result<uuid::Uuid, StoreError>,
    sent: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let e = match result {
        Ok(_) => {
            p.thanks = true;
            return render_with(StatusCode::OK, &p);
        }
        Err(e) => e,
    };
    match e {
        StoreError::Conflict { .. } => {
            p.answered = true;
            render_with(StatusCode::CONFLICT, &p)
        }
        e @ StoreError::Invalid(_) => {
            p.errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            p.sent = sent;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        e => Err(e.into()),
    }
}

/// `/surveys/{id}/paper`: staff key in a paper questionnaire.
pub async fn paper_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = id_param(&id)?;
    let s = state.store.acting(&me.actor).survey(id).await?;
    let mut p = answer_page(&ctx, s, format!("/surveys/{id}/paper"), String::new());
    p.paper = true;
    render(&p)
}

pub async fn paper_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let s = acting.survey(id).await?;
    let mut p = answer_page(&ctx, s, format!("/surveys/{id}/paper"), String::new());
    p.paper = true;
    // Saved: the same empty form again, ready for the next paper questionnaire.
    answered(p, &ctx, acting.record_paper_response(id, &form).await, form)
}

#[derive(Template)]
#[template(path = "oversight/my_surveys.html")]
struct MinePage {
    page: PageCtx,
    rows: Vec<(String, String, bool)>,
}

/// `/my/surveys`: the open surveys of the resident's community.
pub async fn mine(State(state): State<AppState>, ctx: Ctx, me: Me) -> Result<Html<String>, AppError> {
    let rows = state.store.acting(&me.actor).my_surveys().await?;
    render(&MinePage {
        page: PageCtx::new(&ctx, "survey.mine_title"),
        rows: rows.into_iter().map(|(s, done)| (s.id.to_string(), s.title, done)).collect(),
    })
}

pub async fn my_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = id_param(&id)?;
    let (s, answered) = state.store.acting(&me.actor).survey_for_me(id).await?;
    let mut p = answer_page(&ctx, s, format!("/my/surveys/{id}"), String::new());
    p.answered = answered;
    render(&p)
}

pub async fn my_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let (s, _) = acting.survey_for_me(id).await?;
    let p = answer_page(&ctx, s, format!("/my/surveys/{id}"), String::new());
    answered(p, &ctx, acting.answer_survey(id, &form).await, form)
}

#[derive(Template)]
#[template(path = "oversight/survey_code.html")]
struct CodePage {
    page: PageCtx,
    code: String,
    not_found: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

/// `/survey?code=…`: the public page for the code on an invitation slip.
pub async fn by_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CodeQuery>,
) -> Result<Response, AppError> {
    let code = q.code.trim().to_owned();
    if code.is_empty() {
        return render_with(
            StatusCode::OK,
            &CodePage { page: PageCtx::new(&ctx, "survey.answer_title"), code, not_found: false },
        );
    }
    state.limits.lookup(ctx.ip.as_deref(), &code)?;
    match state.store.survey_by_code(&code).await {
        Ok((s, used)) => {
            let mut p = answer_page(&ctx, s, "/survey".into(), code);
            p.answered = used;
            render_with(StatusCode::OK, &p)
        }
        Err(StoreError::NotFound(_)) => render_with(
            StatusCode::NOT_FOUND,
            &CodePage { page: PageCtx::new(&ctx, "survey.answer_title"), code, not_found: true },
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn answer_by_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let code = form.iter().find(|(k, _)| k == "code").map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    state.limits.lookup(ctx.ip.as_deref(), &code)?;
    let (s, _) = state.store.survey_by_code(&code).await.map_err(|_| AppError::NotFound)?;
    let p = answer_page(&ctx, s, "/survey".into(), code.clone());
    answered(p, &ctx, state.store.answer_by_code(&code, &form).await, form)
}
