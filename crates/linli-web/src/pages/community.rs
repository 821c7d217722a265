//! 第 4 章 组织: a community's profile and its organisations, with their people.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use linli_domain::community::{MemberInput, OrganisationInput, OrganisationKind, ProfileInput};
use linli_domain::{Action, Level, Resource};
use linli_store::StoreError;
use linli_store::organisation::Organisation;
use linli_store::profile::CommunityProfile;
use serde::Deserialize;
use uuid::Uuid;

use super::layout::{Choice, PageCtx, choices};
use super::{FormErrors, done, render_with};
use crate::api::{code_param, id_param};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{self, Lang, local_time};
use crate::state::AppState;

pub struct CommunityRow {
    pub code: String,
    pub name: String,
    pub retired: bool,
}

#[derive(Template)]
#[template(path = "community/list.html")]
struct ListPage {
    page: PageCtx,
    communities: Vec<CommunityRow>,
}

/// The communities the user can see; a community's own staff go straight to theirs.
pub async fn list(State(state): State<AppState>, ctx: Ctx, me: Me) -> Result<Response, AppError> {
    let nodes = state.store.acting(&me.actor).nodes().await?;
    let communities: Vec<CommunityRow> = nodes
        .into_iter()
        .filter(|n| n.level == Level::Community)
        .map(|n| CommunityRow { code: n.code.to_string(), name: n.name, retired: n.retired_at.is_some() })
        .collect();
    if let [only] = communities.as_slice() {
        return Ok(Redirect::to(&format!("/community/{}", only.code)).into_response());
    }
    render_with(StatusCode::OK, &ListPage { page: PageCtx::new(&ctx, "community.list_title"), communities })
}

#[derive(Template)]
#[template(path = "community/page.html")]
struct CommunityPage {
    page: PageCtx,
    c: CommunityProfile,
    updated: String,
    orgs: Vec<Organisation>,
    kinds: Vec<Choice>,
    can_edit_profile: bool,
    can_edit_orgs: bool,
    can_reveal: bool,
    /// A member's phone shown whole after an explicit, logged reveal.
    revealed: Option<(Uuid, String)>,
    org_errors: FormErrors,
    org_input: OrganisationInput,
    member_errors: Option<(Uuid, FormErrors)>,
}

impl CommunityPage {
    fn kind_name(&self, k: &OrganisationKind) -> &'static str {
        self.page.t(&format!("org_kind.{}", k.as_str()))
    }

    fn revealed_for(&self, member: &Uuid) -> Option<&str> {
        self.revealed.as_ref().filter(|(id, _)| id == member).map(|(_, p)| p.as_str())
    }

    fn member_error(&self, org: &Uuid, field: &str) -> Option<&str> {
        self.member_errors.as_ref().filter(|(id, _)| id == org).and_then(|(_, e)| e.get(field))
    }
}

fn kinds(lang: Lang, current: &str) -> Vec<Choice> {
    let options: Vec<(&'static str, &'static str)> = OrganisationKind::ALL
        .iter()
        .map(|k| (k.as_str(), i18n::t(lang, &format!("org_kind.{}", k.as_str()))))
        .collect();
    choices(&options, current)
}

async fn community_page(state: &AppState, ctx: &Ctx, me: &Me, code: &str) -> Result<CommunityPage, AppError> {
    let code = code_param(code)?;
    let acting = state.store.acting(&me.actor);
    let c = acting.community_profile(code).await?;
    let orgs = acting.organisations(code).await?;
    let p = &me.actor.principal;
    let mut page = PageCtx::new(ctx, "community.title");
    page.title = c.name.clone();
    Ok(CommunityPage {
        page,
        updated: c.updated_at.map(local_time).unwrap_or_default(),
        c,
        orgs,
        kinds: kinds(ctx.lang, "party"),
        can_edit_profile: p.may(Resource::Community, Action::Update),
        can_edit_orgs: p.may(Resource::Organisation, Action::Update),
        can_reveal: p.may(Resource::Phone, Action::Reveal),
        revealed: None,
        org_errors: FormErrors::default(),
        org_input: OrganisationInput::default(),
        member_errors: None,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    render_with(StatusCode::OK, &community_page(&state, &ctx, &me, &code).await?)
}

#[derive(Template)]
#[template(path = "community/profile_form.html")]
struct ProfileForm {
    page: PageCtx,
    code: String,
    name: String,
    input: ProfileInput,
    /// (field, label key, value) of the single-line fields, in form order.
    fields: Vec<(&'static str, &'static str, String)>,
    errors: FormErrors,
}

impl ProfileForm {
    fn new(ctx: &Ctx, code: String, name: String, input: ProfileInput, errors: FormErrors) -> Self {
        let fields = vec![
            ("address", "community.address", input.address.clone()),
            ("area_km2", "community.area_km2", input.area_km2.clone()),
            ("service_hours", "community.service_hours", input.service_hours.clone()),
            ("phone", "community.phone", input.phone.clone()),
            ("email", "community.email", input.email.clone()),
            ("visit_interval_days", "community.visit_interval_days", input.visit_interval_days.clone()),
        ];
        ProfileForm { page: PageCtx::new(ctx, "community.edit_profile"), code, name, input, fields, errors }
    }
}

pub async fn edit_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let c = state.store.acting(&me.actor).community_profile(code_param(&code)?).await?;
    if !me.actor.principal.may(Resource::Community, Action::Update) {
        return Err(AppError::Forbidden);
    }
    let p = &c.profile;
    let input = ProfileInput {
        address: p.address.clone(),
        area_km2: p.area_km2.map(|a| a.to_string()).unwrap_or_default(),
        service_hours: p.service_hours.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        introduction: p.introduction.clone(),
        visit_interval_days: p.visit_interval_days.to_string(),
    };
    let form = ProfileForm::new(&ctx, code, c.name, input, FormErrors::default());
    render_with(StatusCode::OK, &form)
}

pub async fn save_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(input): Form<ProfileInput>,
) -> Result<Response, AppError> {
    let c = code_param(&code)?;
    match state.store.acting(&me.actor).update_community_profile(c, &input).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", &format!("/community/{code}"))),
        Err(StoreError::Invalid(inv)) => {
            let name = state.store.node(c).await.map(|n| n.name).unwrap_or_default();
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            let form = ProfileForm::new(&ctx, code, name, input, errors);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &form)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(input): Form<OrganisationInput>,
) -> Result<Response, AppError> {
    match state.store.acting(&me.actor).create_organisation(code_param(&code)?, &input).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", &format!("/community/{code}#organisations"))),
        Err(StoreError::Invalid(inv)) => {
            let mut page = community_page(&state, &ctx, &me, &code).await?;
            page.org_errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            page.kinds = kinds(ctx.lang, &input.kind);
            page.org_input = input;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "community/organisation_form.html")]
struct OrganisationForm {
    page: PageCtx,
    id: Uuid,
    community_code: String,
    input: OrganisationInput,
    kinds: Vec<Choice>,
    errors: FormErrors,
}

pub async fn edit_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = state.store.acting(&me.actor).organisation(id_param(&id)?).await?;
    if !me.actor.principal.may(Resource::Organisation, Action::Update) {
        return Err(AppError::Forbidden);
    }
    let form = OrganisationForm {
        page: PageCtx::new(&ctx, "community.edit_organisation"),
        id: org.id,
        community_code: org.community_code.to_string(),
        kinds: kinds(ctx.lang, org.kind.as_str()),
        input: OrganisationInput {
            kind: org.kind.as_str().into(),
            name: org.name,
            responsibilities: org.responsibilities,
        },
        errors: FormErrors::default(),
    };
    render_with(StatusCode::OK, &form)
}

pub async fn save_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(input): Form<OrganisationInput>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    match acting.update_organisation(id, &input).await {
        Ok(org) => Ok(done(jar, &ctx, "flash.saved", &format!("/community/{}#org-{id}", org.community_code))),
        Err(StoreError::Invalid(inv)) => {
            let org = acting.organisation(id).await?;
            let form = OrganisationForm {
                page: PageCtx::new(&ctx, "community.edit_organisation"),
                id,
                community_code: org.community_code.to_string(),
                kinds: kinds(ctx.lang, &input.kind),
                input,
                errors: FormErrors::from_error(&AppError::Invalid(inv), ctx.lang),
            };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &form)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RetireForm {
    #[serde(default)]
    retired: String,
}

pub async fn retire_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<RetireForm>,
) -> Result<Response, AppError> {
    let org = state.store.acting(&me.actor).set_organisation_retired(id_param(&id)?, f.retired == "1").await?;
    Ok(done(jar, &ctx, "flash.saved", &format!("/community/{}#org-{}", org.community_code, org.id)))
}

pub async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(input): Form<MemberInput>,
) -> Result<Response, AppError> {
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    match acting.add_member(id, &input).await {
        Ok(org) => Ok(done(jar, &ctx, "flash.saved", &format!("/community/{}#org-{id}", org.community_code))),
        Err(StoreError::Invalid(inv)) => {
            let org = acting.organisation(id).await?;
            let mut page = community_page(&state, &ctx, &me, org.community_code.as_str()).await?;
            page.member_errors = Some((id, FormErrors::from_error(&AppError::Invalid(inv), ctx.lang)));
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn remove_member(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(_): Form<Empty>,
) -> Result<Response, AppError> {
    let org = state.store.acting(&me.actor).remove_member(id_param(&id)?).await?;
    Ok(done(jar, &ctx, "flash.deleted", &format!("/community/{}#org-{}", org.community_code, org.id)))
}

/// Shows one member's whole phone number on the community page; the reveal is logged.
pub async fn reveal_member(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
    Form(_): Form<Empty>,
) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    let member = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let phone = acting.reveal_member_phone(member).await?;
    let community = acting.member_community(member).await?.ok_or(AppError::NotFound)?;
    let mut page = community_page(&state, &ctx, &me, community.as_str()).await?;
    page.revealed = Some((member, phone));
    render_with(StatusCode::OK, &page)
}
