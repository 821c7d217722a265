//! Language and senior mode (适老化) switches: plain links that set a cookie and go back.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use crate::auth::safe_next;
use crate::context::{LANG_COOKIE, SENIOR_COOKIE};
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// A preference lasts a year on this browser.
fn pref(name: &'static str, value: &'static str) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build()
}

pub async fn lang(Path(code): Path<String>, Query(q): Query<Back>, jar: CookieJar) -> Result<Response, AppError> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    let jar = jar.add(pref(LANG_COOKIE, lang.code()));
    Ok((jar, Redirect::to(&safe_next(q.back.as_deref()))).into_response())
}

pub async fn senior(Path(on): Path<String>, Query(q): Query<Back>, jar: CookieJar) -> Result<Response, AppError> {
    let value = match on.as_str() {
        "on" => "1",
        "off" => "0",
        _ => return Err(AppError::NotFound),
    };
    let jar = jar.add(pref(SENIOR_COOKIE, value));
    Ok((jar, Redirect::to(&safe_next(q.back.as_deref()))).into_response())
}
