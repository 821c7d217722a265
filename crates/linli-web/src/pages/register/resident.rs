//! A resident's page — facts, categories, history — and the forms that change the register:
//! registering someone in a household, correcting a record, moving household, moving out or
//! a death, and revealing a whole ID or phone number (logged).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use linli_domain::register::ResidentInput;
use linli_domain::{Action, Resource};
use linli_store::StoreError;
use linli_store::register::{Building, KeepStored, MoveOut, ResidentDetail};
use serde::Deserialize;
use uuid::Uuid;

use super::search::{Opt, building_options};
use super::{
    disability_choices, document_choices, employment_choices, ethnicity_choices, gender_choices, relation_choices,
    residence_choices, tag_checks, word,
};
use crate::api::id_param;
use crate::api::register::{day_or_today, reveal_field};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{self, Lang, local_time};
use crate::pages::layout::{Choice, PageCtx};
use crate::pages::{FormErrors, done, render_with};
use crate::register_sheet::tag_label;
use crate::state::AppState;

/// One history line as the page shows it.
pub struct EventRow {
    pub kind: String,
    pub on_date: String,
    pub details: Vec<(String, String)>,
    pub by: String,
    pub at: String,
}

fn event_rows(lang: Lang, d: &ResidentDetail) -> Vec<EventRow> {
    d.events
        .iter()
        .map(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            let details = match details {
                serde_json::Value::Object(m) => m
                    .into_iter()
                    .filter(|(_, v)| !v.is_null() && v != "" && v != &serde_json::json!([]))
                    .map(|(k, v)| (detail_label(lang, &k), detail_text(&v)))
                    .collect(),
                _ => Vec::new(),
            };
            EventRow {
                kind: word(lang, "event_kind", &e.kind),
                on_date: e.on_date.to_string(),
                details,
                by: e.recorded_by.clone(),
                at: local_time(e.recorded_at),
            }
        })
        .collect()
}

fn detail_label(lang: Lang, key: &str) -> String {
    let k = format!("register.field_{key}");
    if i18n::has(&k) { i18n::t(lang, &k).to_owned() } else { key.to_owned() }
}

/// A change (`{before, after}`) or a value, as one line of text.
fn detail_text(v: &serde_json::Value) -> String {
    let plain = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::Array(a) => {
            a.iter().map(|x| x.as_str().unwrap_or_default().to_owned()).collect::<Vec<_>>().join("、")
        }
        other => other.to_string(),
    };
    match (v.get("before"), v.get("after")) {
        (Some(b), Some(a)) => format!("{} → {}", plain(b), plain(a)),
        _ => plain(v),
    }
}

#[derive(Template)]
#[template(path = "register/resident.html")]
struct ResidentPage {
    page: PageCtx,
    r: ResidentDetail,
    gender: String,
    relation: String,
    residence: String,
    document_kind: String,
    employment: String,
    status: String,
    tags: Vec<String>,
    events: Vec<EventRow>,
    buildings: Vec<Opt>,
    can_edit: bool,
    can_move: bool,
    can_reveal_id: bool,
    can_reveal_phone: bool,
    revealed: Option<(String, String)>,
    errors: FormErrors,
}

async fn resident_page(state: &AppState, ctx: &Ctx, me: &Me, id: Uuid) -> Result<ResidentPage, AppError> {
    let acting = state.store.acting(&me.actor);
    let r = acting.resident(id).await?;
    let lang = ctx.lang;
    let p = &me.actor.principal;
    let can_move = p.may(Resource::Register, Action::Create) && p.may(Resource::Register, Action::Update);
    let buildings: Vec<Building> =
        if can_move { acting.buildings(r.summary.community_code).await? } else { Vec::new() };
    let s = &r.summary;
    Ok(ResidentPage {
        page: PageCtx::new(ctx, "register.resident_title"),
        gender: word(lang, "gender", &s.gender),
        relation: word(lang, "relation", &s.relation),
        residence: word(lang, "residence", &s.residence_type),
        document_kind: word(lang, "document_kind", &s.document_kind),
        employment: r.employment.as_deref().map(|e| word(lang, "employment", e)).unwrap_or_default(),
        status: word(lang, "resident_status", &s.status),
        tags: s.tags.iter().map(|t| tag_label(lang, t)).collect(),
        events: event_rows(lang, &r),
        buildings: building_options(&buildings, ""),
        can_edit: p.may(Resource::Register, Action::Update),
        can_move,
        can_reveal_id: p.may(Resource::IdNumber, Action::Reveal),
        can_reveal_phone: p.may(Resource::Phone, Action::Reveal) && s.phone_masked.is_some(),
        revealed: None,
        errors: FormErrors::default(),
        r,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_with(StatusCode::OK, &resident_page(&state, &ctx, &me, id_param(&id)?).await?)
}

#[derive(Deserialize)]
pub struct RevealForm {
    field: String,
}

pub async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
    Form(f): Form<RevealForm>,
) -> Result<Response, AppError> {
    let field = reveal_field(&f.field)?;
    let id = id_param(&id)?;
    me.require_recent_auth()?;
    let value = state.store.acting(&me.actor).reveal_resident(id, field).await?;
    let mut page = resident_page(&state, &ctx, &me, id).await?;
    page.revealed = Some((f.field, value));
    render_with(StatusCode::OK, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    building: String,
    unit: String,
    room: String,
    on_date: String,
}

/// Moves a resident to the household at another address (made if new).
pub async fn move_household(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let result = async {
        let building = Uuid::parse_str(&f.building)
            .map_err(|_| StoreError::Invalid(linli_domain::Invalid::one("building", "required")))?;
        let on = day_or_today("on_date", &f.on_date)
            .map_err(|_| StoreError::Invalid(linli_domain::Invalid::one("on_date", "calendar_date")))?;
        let to = acting.household_at(building, &f.unit, &f.room).await?;
        acting.move_resident(id, to, on).await
    }
    .await;
    match result {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/residents/{id}"))),
        Err(StoreError::Invalid(inv)) => {
            let mut page = resident_page(&state, &ctx, &me, id).await?;
            page.errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndForm {
    status: String,
    on_date: String,
    note: String,
}

pub async fn end(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<EndForm>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let m = MoveOut { status: f.status, on_date: f.on_date, note: f.note };
    match state.store.acting(&me.actor).end_residence(id, &m).await {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/residents/{id}"))),
        Err(StoreError::Invalid(inv)) => {
            let mut page = resident_page(&state, &ctx, &me, id).await?;
            page.errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// The resident form's fields. Ticked categories arrive as repeated `tag` fields, which the
/// form decoder cannot put in a list, so the pairs are read by hand.
#[derive(Default)]
pub struct ResidentForm {
    input: ResidentInput,
    tag: Vec<String>,
    on_date: String,
    moved_in: bool,
    clear_phone: bool,
}

impl<'de> Deserialize<'de> for ResidentForm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(String, String)> = Vec::deserialize(d)?;
        let mut f = ResidentForm::default();
        for (k, v) in pairs {
            let i = &mut f.input;
            match k.as_str() {
                "name" => i.name = v,
                "gender" => i.gender = v,
                "document_kind" => i.document_kind = v,
                "document_number" => i.document_number = v,
                "birth_date" => i.birth_date = v,
                "ethnicity" => i.ethnicity = v,
                "phone" => i.phone = v,
                "residence_type" => i.residence_type = v,
                "relation" => i.relation = v,
                "employment" => i.employment = v,
                "tag" => f.tag.push(v),
                "disability_kind" => i.disability_kind = v,
                "disability_grade" => i.disability_grade = v,
                "custom_tags" => i.custom_tags = v,
                "note" => i.note = v,
                "on_date" => f.on_date = v,
                "moved_in" => f.moved_in = !v.is_empty(),
                "clear_phone" => f.clear_phone = !v.is_empty(),
                _ => {}
            }
        }
        f.input.tags = f.tag.join("、");
        Ok(f)
    }
}

#[derive(Template)]
#[template(path = "register/resident_form.html")]
struct FormPage {
    page: PageCtx,
    /// Where the form posts, and where "cancel" goes.
    action: String,
    back: String,
    address: String,
    editing: bool,
    /// The masked numbers a blank field keeps.
    document_masked: String,
    phone_masked: String,
    f: ResidentForm,
    genders: Vec<Choice>,
    documents: Vec<Choice>,
    relations: Vec<Choice>,
    residences: Vec<Choice>,
    employments: Vec<Choice>,
    ethnicities: Vec<Choice>,
    disabilities: Vec<Choice>,
    tags: Vec<Choice>,
    errors: FormErrors,
}

impl FormPage {
    #[allow(clippy::too_many_arguments)]
    fn new(
        ctx: &Ctx,
        title: &str,
        action: String,
        back: String,
        address: String,
        f: ResidentForm,
        errors: FormErrors,
    ) -> Self {
        let lang = ctx.lang;
        let i = &f.input;
        FormPage {
            page: PageCtx::new(ctx, title),
            genders: gender_choices(lang, &i.gender),
            documents: document_choices(
                lang,
                linli_domain::register::DocumentKind::parse(&i.document_kind).map_or("", |k| k.as_str()),
            ),
            relations: relation_choices(
                lang,
                linli_domain::register::Relation::parse(&i.relation).map_or("", |r| r.as_str()),
            ),
            residences: residence_choices(
                lang,
                linli_domain::register::ResidenceType::parse(&i.residence_type).map_or("", |r| r.as_str()),
            ),
            employments: employment_choices(
                lang,
                linli_domain::register::Employment::parse(&i.employment).map_or("", |r| r.as_str()),
            ),
            ethnicities: ethnicity_choices(&i.ethnicity),
            disabilities: disability_choices(&i.disability_kind),
            tags: tag_checks(lang, &f.tag),
            action,
            back,
            address,
            editing: false,
            document_masked: String::new(),
            phone_masked: String::new(),
            f,
            errors,
        }
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(household): Path<String>,
) -> Result<Response, AppError> {
    let h = state.store.acting(&me.actor).household(id_param(&household)?).await?;
    if !me.actor.principal.may(Resource::Register, Action::Create) {
        return Err(AppError::Forbidden);
    }
    let mut f = ResidentForm::default();
    f.input.residence_type = "registered".into();
    f.input.ethnicity = "汉族".into();
    f.input.relation = if h.head_id.is_none() { "head".into() } else { String::new() };
    let page = FormPage::new(
        &ctx,
        "register.new_resident",
        format!("/households/{}/residents", h.id),
        format!("/households/{}", h.id),
        h.address,
        f,
        FormErrors::default(),
    );
    render_with(StatusCode::OK, &page)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(household): Path<String>,
    Form(f): Form<ResidentForm>,
) -> Result<Response, AppError> {
    let household = id_param(&household)?;
    let acting = state.store.acting(&me.actor);
    let result = match day_or_today("on_date", &f.on_date) {
        Ok(on) => acting.register_resident(household, &f.input, on, f.moved_in).await,
        Err(AppError::Invalid(inv)) => Err(StoreError::Invalid(inv)),
        Err(e) => return Err(e),
    };
    match result {
        Ok(id) => Ok(done(jar, &ctx, "flash.resident_registered", &format!("/residents/{id}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let h = acting.household(household).await?;
            let errors = FormErrors::from_error(&e.into(), ctx.lang);
            let page = FormPage::new(
                &ctx,
                "register.new_resident",
                format!("/households/{household}/residents"),
                format!("/households/{household}"),
                h.address,
                f,
                errors,
            );
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

fn edit_page(ctx: &Ctx, r: &ResidentDetail, f: ResidentForm, errors: FormErrors) -> FormPage {
    let s = &r.summary;
    let mut page = FormPage::new(
        ctx,
        "register.edit_resident",
        format!("/residents/{}/edit", s.id),
        format!("/residents/{}", s.id),
        s.address.clone(),
        f,
        errors,
    );
    page.editing = true;
    page.document_masked = s.document_masked.clone();
    page.phone_masked = s.phone_masked.clone().unwrap_or_default();
    page
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let r = state.store.acting(&me.actor).resident(id_param(&id)?).await?;
    if !me.actor.principal.may(Resource::Register, Action::Update) {
        return Err(AppError::Forbidden);
    }
    let s = &r.summary;
    let recorded: Vec<String> = s.tags.iter().filter(|t| !t.starts_with("custom:")).cloned().collect();
    let own: Vec<&str> = s.tags.iter().filter_map(|t| t.strip_prefix("custom:")).collect();
    let f = ResidentForm {
        input: ResidentInput {
            name: s.name.clone(),
            gender: s.gender.clone(),
            document_kind: s.document_kind.clone(),
            document_number: String::new(),
            birth_date: r.birth_date.clone(),
            ethnicity: r.ethnicity.clone().unwrap_or_default(),
            phone: String::new(),
            residence_type: s.residence_type.clone(),
            relation: s.relation.clone(),
            employment: r.employment.clone().unwrap_or_default(),
            tags: String::new(),
            disability_kind: r.disability_kind.clone().unwrap_or_default(),
            disability_grade: r.disability_grade.map(|g| g.to_string()).unwrap_or_default(),
            custom_tags: own.join("、"),
            note: r.note.clone(),
        },
        tag: recorded,
        ..Default::default()
    };
    render_with(StatusCode::OK, &edit_page(&ctx, &r, f, FormErrors::default()))
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<ResidentForm>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let keep = KeepStored { document: true, phone: !f.clear_phone };
    let result = match day_or_today("on_date", &f.on_date) {
        Ok(on) => acting.update_resident_keeping(id, &f.input, on, keep).await,
        Err(AppError::Invalid(inv)) => Err(StoreError::Invalid(inv)),
        Err(e) => return Err(e),
    };
    match result {
        Ok(()) => Ok(done(jar, &ctx, "flash.saved", &format!("/residents/{id}"))),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let r = acting.resident(id).await?;
            let errors = FormErrors::from_error(&e.into(), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &edit_page(&ctx, &r, f, errors))
        }
        Err(e) => Err(e.into()),
    }
}
