//! 一站式窗口 pages: the window's queue and intake, a request's page with its moves and printed
//! notices, the catalogue, and the public side (service guide, online application, look-up).

pub mod appointments;
pub mod catalogue;
pub mod desk;
pub mod guide;
pub mod request;

use axum::response::{IntoResponse, Redirect, Response};
use linli_domain::{Action, Level, Resource};
use time::OffsetDateTime;

use crate::auth::Me;
use crate::error::AppError;
use crate::i18n::{self, Lang};

/// `/window`: the user's own community's window, or the community list above it.
pub async fn start(me: Me) -> Result<Response, AppError> {
    if !me.actor.principal.may(Resource::ServiceRequest, Action::Read) {
        return Err(AppError::Forbidden);
    }
    let node = me.actor.principal.node.ok_or(AppError::NotFound)?;
    if node.level() == Level::Community {
        return Ok(Redirect::to(&format!("/window/{node}")).into_response());
    }
    Ok(Redirect::to("/community").into_response())
}

/// Colleagues a work item of `community` can be handed over to: (account id, name), the
/// present owner left out.
pub async fn colleagues(
    acting: &linli_store::Acting<'_>,
    community: &str,
    owner: Option<uuid::Uuid>,
) -> Result<Vec<(String, String)>, AppError> {
    let community = linli_domain::DivisionCode::parse(community).map_err(|_| AppError::NotFound)?;
    Ok(acting
        .request_staff(community)
        .await?
        .into_iter()
        .filter(|(id, _)| Some(*id) != owner)
        .map(|(id, n)| (id.to_string(), n))
        .collect())
}

/// A word of the window's vocabulary (`window.state.in_progress` → 办理中), or the code.
pub fn word(lang: Lang, group: &str, code: &str) -> String {
    let key = format!("window.{group}.{code}");
    if i18n::has(&key) { i18n::t(lang, &key).to_owned() } else { code.to_owned() }
}

/// A time as a worker reads it: China time to the minute, or "" for none.
pub fn when(t: Option<OffsetDateTime>) -> String {
    t.map(i18n::local_time).unwrap_or_default()
}

/// A deadline's date in China.
pub fn due_day(t: Option<OffsetDateTime>) -> String {
    t.map(|t| t.to_offset(linli_domain::workflow::CHINA).date().to_string()).unwrap_or_default()
}
