//! 账户管理: accounts in the administrator's subtree — search, create, edit, disable, reset,
//! unlock, and reveal personal fields (each reveal logged).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use linli_domain::account::UserInput;
use linli_domain::{Action, Resource, Role};
use linli_store::StoreError;
use linli_store::accounts::{UserQuery, UserSummary};
use linli_store::privacy::Field;
use serde::Deserialize;

use super::layout::{Choice, PageCtx, choices};
use super::{FormErrors, done, render_with};
use crate::api::id_param;
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::{self, Lang, local_time};
use crate::state::AppState;

const PAGE_SIZE: i64 = 30;

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub role_name: &'static str,
    pub node_name: String,
    pub phone: String,
    pub state: &'static str,
}

fn state_key(u: &UserSummary) -> &'static str {
    if u.user.disabled_at.is_some() {
        "users.state_disabled"
    } else if u.locked {
        "users.state_locked"
    } else if u.user.must_change_password {
        "users.state_initial"
    } else {
        "users.state_active"
    }
}

fn roles(lang: Lang, current: &str) -> Vec<Choice> {
    let options: Vec<(&'static str, &'static str)> =
        Role::ALL.iter().map(|r| (r.as_str(), i18n::t(lang, &format!("role.{}", r.as_str())))).collect();
    choices(&options, current)
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<UserRow>,
    q: String,
    roles: Vec<Choice>,
    total: i64,
    offset: i64,
    page_size: i64,
    can_create: bool,
    /// The query string without `offset`, for the pager links.
    base: String,
}

impl ListPage {
    fn prev(&self) -> Option<i64> {
        (self.offset > 0).then(|| (self.offset - self.page_size).max(0))
    }
    fn next(&self) -> Option<i64> {
        (self.offset + self.page_size < self.total).then_some(self.offset + self.page_size)
    }
    fn showing(&self) -> String {
        let from = if self.total == 0 { 0 } else { self.offset + 1 };
        let to = (self.offset + self.page_size).min(self.total);
        i18n::tf(
            self.page.lang,
            "common.showing",
            &[("from", from.to_string()), ("to", to.to_string()), ("total", self.total.to_string())],
        )
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    role: String,
    offset: i64,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let role = Role::parse(&q.role);
    let offset = q.offset.max(0);
    let query = UserQuery { q: Some(q.q.clone()), role, limit: PAGE_SIZE, offset };
    let (users, total) = state.store.acting(&me.actor).users(&query).await?;
    let rows = users
        .iter()
        .map(|u| UserRow {
            id: u.user.id.to_string(),
            username: u.user.username.clone(),
            name: u.user.display_name.clone(),
            role_name: i18n::t(ctx.lang, &format!("role.{}", u.user.role.as_str())),
            node_name: u.user.node_name.clone(),
            phone: u.phone_masked.clone().unwrap_or_default(),
            state: state_key(u),
        })
        .collect();
    let base = serde_urlencoded::to_string([("q", q.q.as_str()), ("role", q.role.as_str())]).unwrap_or_default();
    let page = ListPage {
        page: PageCtx::new(&ctx, "users.title"),
        rows,
        roles: roles(ctx.lang, &q.role),
        q: q.q,
        total,
        offset,
        page_size: PAGE_SIZE,
        can_create: me.actor.principal.may(Resource::User, Action::Create),
        base,
    };
    render_with(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct UserForm {
    page: PageCtx,
    /// `None` for a new account.
    user: Option<UserSummary>,
    input: UserInput,
    roles: Vec<Choice>,
    errors: FormErrors,
    /// Shown once after creating or resetting.
    initial_password: Option<String>,
    /// A whole value after an explicit reveal: (label key, value).
    revealed: Option<(&'static str, String)>,
    can_edit: bool,
    can_reveal_phone: bool,
    can_reveal_id: bool,
    access_until: String,
}

impl UserForm {
    fn new(ctx: &Ctx, me: &Me, user: Option<UserSummary>, input: UserInput) -> Self {
        let p = &me.actor.principal;
        let access_until = user.as_ref().and_then(|u| u.user.access_until).map(local_time).unwrap_or_default();
        UserForm {
            page: PageCtx::new(ctx, if user.is_some() { "users.edit_title" } else { "users.new_title" }),
            user,
            roles: roles(ctx.lang, &input.role),
            input,
            errors: FormErrors::default(),
            initial_password: None,
            revealed: None,
            can_edit: p.may(Resource::User, Action::Update),
            can_reveal_phone: p.may(Resource::Phone, Action::Reveal),
            can_reveal_id: p.may(Resource::IdNumber, Action::Reveal),
            access_until,
        }
    }

    fn state_name(&self) -> &'static str {
        self.user.as_ref().map(|u| self.page.t(state_key(u))).unwrap_or("")
    }
}

/// The form of an existing account: its fields, personal ones left blank unless re-entered
/// (they are stored encrypted and shown masked).
fn input_of(u: &UserSummary) -> UserInput {
    UserInput {
        username: u.user.username.clone(),
        display_name: u.user.display_name.clone(),
        role: u.user.role.as_str().into(),
        node_code: u.user.node_code.to_string(),
        phone: String::new(),
        id_number: String::new(),
        access_until: u
            .user
            .access_until
            .map(|t| (t - time::Duration::seconds(1)).to_offset(crate::i18n::CST).date().to_string())
            .unwrap_or_default(),
    }
}

pub async fn new_form(ctx: Ctx, me: Me) -> Result<Response, AppError> {
    if !me.actor.principal.may(Resource::User, Action::Create) {
        return Err(AppError::Forbidden);
    }
    me.require_recent_auth()?;
    let node = me.signed_in.user.node_code.to_string();
    let input = UserInput { node_code: node, role: "window_worker".into(), ..Default::default() };
    render_with(StatusCode::OK, &UserForm::new(&ctx, &me, None, input))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Form(input): Form<UserInput>,
) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    match state.store.acting(&me.actor).create_user(&input).await {
        Ok((user, initial)) => {
            let mut form = UserForm::new(&ctx, &me, Some(user.clone()), input_of(&user));
            form.initial_password = Some(initial);
            render_with(StatusCode::CREATED, &form)
        }
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let mut form = UserForm::new(&ctx, &me, None, input);
            form.errors = FormErrors::from_error(&AppError::from(e), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &form)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = state.store.acting(&me.actor).user(id_param(&id)?).await?;
    let input = input_of(&user);
    render_with(StatusCode::OK, &UserForm::new(&ctx, &me, Some(user), input))
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(input): Form<UserInput>,
) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let before = acting.user(id).await?;
    // Personal fields left blank keep their stored values (the form never shows them whole).
    match acting.update_user(id, &input, linli_store::accounts::KeepBlank::BOTH).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", &format!("/admin/users/{id}"))),
        Err(StoreError::Invalid(inv)) => {
            let mut form = UserForm::new(&ctx, &me, Some(before), input);
            form.errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &form)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    field: String,
}

pub async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(id): Path<String>,
    Form(f): Form<RevealForm>,
) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    let id = id_param(&id)?;
    let (field, label) = match f.field.as_str() {
        "phone" => (Field::Phone, "users.phone"),
        "id_number" => (Field::IdNumber, "users.id_number"),
        _ => return Err(AppError::NotFound),
    };
    let acting = state.store.acting(&me.actor);
    let value = acting.reveal_user_field(id, field).await?;
    let user = acting.user(id).await?;
    let input = input_of(&user);
    let mut form = UserForm::new(&ctx, &me, Some(user), input);
    form.revealed = Some((label, value));
    render_with(StatusCode::OK, &form)
}

#[derive(Deserialize)]
pub struct Empty {}

/// disable, enable, unlock, reset_password.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path((id, action)): Path<(String, String)>,
    Form(_): Form<Empty>,
) -> Result<Response, AppError> {
    me.require_recent_auth()?;
    let id = id_param(&id)?;
    let acting = state.store.acting(&me.actor);
    let back = format!("/admin/users/{id}");
    match action.as_str() {
        "disable" | "enable" => match acting.set_user_disabled(id, action == "disable").await {
            Ok(_) => {}
            Err(StoreError::Invalid(inv)) => {
                let user = acting.user(id).await?;
                let input = input_of(&user);
                let mut form = UserForm::new(&ctx, &me, Some(user), input);
                form.errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
                return render_with(StatusCode::UNPROCESSABLE_ENTITY, &form);
            }
            Err(e) => return Err(e.into()),
        },
        "unlock" => drop(acting.unlock_user(id).await?),
        "reset_password" => {
            let initial = acting.reset_user_password(id).await?;
            let user = acting.user(id).await?;
            let input = input_of(&user);
            let mut form = UserForm::new(&ctx, &me, Some(user), input);
            form.initial_password = Some(initial);
            return render_with(StatusCode::OK, &form);
        }
        _ => return Ok(Redirect::to(&back).into_response()),
    }
    Ok(done(jar, &ctx, "flash.saved", &back))
}
