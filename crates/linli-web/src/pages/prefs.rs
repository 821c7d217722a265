//! Language and senior mode (适老化) switches: plain links that set a cookie and go back.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

use crate::auth::safe_next;
use crate::context::{Ctx, LANG_COOKIE, SENIOR_COOKIE, cookie};
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// A preference lasts a year on this browser.
fn pref(ctx: &Ctx, name: &'static str, value: &'static str) -> Cookie<'static> {
    cookie(name, value.to_owned(), ctx.https, Some(time::Duration::days(365)))
}

pub async fn lang(
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<Back>,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    let jar = jar.add(pref(&ctx, LANG_COOKIE, lang.code()));
    Ok((jar, Redirect::to(&safe_next(q.back.as_deref()))).into_response())
}

pub async fn senior(
    ctx: Ctx,
    Path(on): Path<String>,
    Query(q): Query<Back>,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let value = match on.as_str() {
        "on" => "1",
        "off" => "0",
        _ => return Err(AppError::NotFound),
    };
    let jar = jar.add(pref(&ctx, SENIOR_COOKIE, value));
    Ok((jar, Redirect::to(&safe_next(q.back.as_deref()))).into_response())
}
