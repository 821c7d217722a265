//! Accounts: listed and read by administrators, supervisors and community heads within their
//! subtree; changed by administrators, with the password re-entered recently.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use linli_domain::account::UserInput;
use linli_domain::{IdNumber, Role};
use linli_store::accounts::{KeepBlank, UserQuery, UserSummary};
use linli_store::privacy::Field;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, Page, Paging, id_param};
use crate::auth::ApiActor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    /// Part of a name or username.
    q: Option<String>,
    /// One role only.
    role: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

fn value(u: UserSummary) -> Result<Value, AppError> {
    serde_json::to_value(u).map_err(AppError::internal)
}

/// Accounts in the caller's subtree, phones and ID numbers masked.
#[utoipa::path(get, path = "/users", tag = "accounts", params(ListQuery),
    responses((status = 200, body = Page<Value>), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    api: ApiActor,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Value>>, AppError> {
    let (limit, offset) = Paging { limit: q.limit, offset: q.offset }.get();
    let role = match q.role.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => {
            Some(Role::parse(r).ok_or_else(|| AppError::Invalid(linli_domain::Invalid::one("role", "role_unknown")))?)
        }
        None => None,
    };
    let (users, total) = state.store.acting(&api.actor).users(&UserQuery { q: q.q, role, limit, offset }).await?;
    let items = users.into_iter().map(value).collect::<Result<_, _>>()?;
    Ok(Json(Page { items, total, limit, offset }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UserBody {
    /// Only when creating: 3–32 characters of a–z 0–9 _ . -
    #[serde(default)]
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub node_code: String,
    /// Left out: kept as stored (it is never returned whole); `""`: cleared.
    pub phone: Option<String>,
    /// Left out: kept as stored; `""`: cleared.
    pub id_number: Option<String>,
    /// `YYYY-MM-DD`, required for assessors: the last day they may sign in.
    #[serde(default)]
    pub access_until: String,
}

impl From<UserBody> for UserInput {
    fn from(b: UserBody) -> Self {
        UserInput {
            username: b.username,
            display_name: b.display_name,
            role: b.role,
            node_code: b.node_code,
            phone: b.phone.unwrap_or_default(),
            id_number: b.id_number.unwrap_or_default(),
            access_until: b.access_until,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub user: Value,
    /// Shown this once; the account must change it at first sign-in.
    pub initial_password: String,
}

/// Create an account with a generated initial password.
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = UserBody,
    responses((status = 201, body = Created), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    api: ApiActor,
    ApiJson(b): ApiJson<UserBody>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    api.require_recent_auth()?;
    let (user, initial_password) = state.store.acting(&api.actor).create_user(&b.into()).await?;
    Ok((StatusCode::CREATED, Json(Created { user: value(user)?, initial_password })))
}

/// One account.
#[utoipa::path(get, path = "/users/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(value(state.store.acting(&api.actor).user(id_param(&id)?).await?)?))
}

/// Change an account's name, role, node, personal fields or access window.
#[utoipa::path(put, path = "/users/{id}", tag = "accounts", params(("id" = String, Path)), request_body = UserBody,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UserBody>,
) -> Result<Json<Value>, AppError> {
    api.require_recent_auth()?;
    let keep = KeepBlank { phone: b.phone.is_none(), id_number: b.id_number.is_none() };
    Ok(Json(value(state.store.acting(&api.actor).update_user(id_param(&id)?, &b.into(), keep).await?)?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Lookup {
    pub id_number: String,
}

/// Find the account holding a citizen ID number (sent in the body, never in the URL).
#[utoipa::path(post, path = "/users/lookup", tag = "accounts", request_body = Lookup,
    responses((status = 200, body = Value), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn lookup(
    State(state): State<AppState>,
    api: ApiActor,
    ApiJson(b): ApiJson<Lookup>,
) -> Result<Json<Value>, AppError> {
    let id = IdNumber::parse(&b.id_number, linli_store::today()).map_err(|e| e.at("id_number"))?;
    Ok(Json(value(state.store.acting(&api.actor).user_by_id_number(&id).await?)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionResult {
    pub user: Value,
    /// Only for `reset_password`: the new initial password, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_password: Option<String>,
}

/// `disable`, `enable`, `unlock` or `reset_password` an account.
#[utoipa::path(post, path = "/users/{id}/{action}", tag = "accounts",
    params(("id" = String, Path), ("action" = String, Path, description = "disable | enable | unlock | reset_password")),
    responses((status = 200, body = ActionResult), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn act(
    State(state): State<AppState>,
    api: ApiActor,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<ActionResult>, AppError> {
    api.require_recent_auth()?;
    let id = id_param(&id)?;
    let acting = state.store.acting(&api.actor);
    let mut initial_password = None;
    match action.as_str() {
        "disable" => drop(acting.set_user_disabled(id, true).await?),
        "enable" => drop(acting.set_user_disabled(id, false).await?),
        "unlock" => drop(acting.unlock_user(id).await?),
        "reset_password" => initial_password = Some(acting.reset_user_password(id).await?),
        _ => return Err(AppError::NotFound),
    }
    Ok(Json(ActionResult { user: value(acting.user(id).await?)?, initial_password }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealBody {
    /// `phone` or `id_number`.
    pub field: String,
}

/// An account's whole phone or ID number (recorded in the audit log).
#[utoipa::path(post, path = "/users/{id}/reveal", tag = "accounts", params(("id" = String, Path)), request_body = RevealBody,
    responses((status = 200, body = super::community::Revealed), (status = "4XX", body = Problem, content_type = "application/problem+json")),
    security(("session" = []))
)]
pub async fn reveal(
    State(state): State<AppState>,
    api: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RevealBody>,
) -> Result<Json<super::community::Revealed>, AppError> {
    api.require_recent_auth()?;
    let field = match b.field.as_str() {
        "phone" => Field::Phone,
        "id_number" => Field::IdNumber,
        _ => return Err(AppError::Invalid(linli_domain::Invalid::one("field", "reveal_field"))),
    };
    let value = state.store.acting(&api.actor).reveal_user_field(id_param(&id)?, field).await?;
    Ok(Json(super::community::Revealed { value }))
}
