//! The request context: who is asking, in which language, from where — resolved once per
//! request by middleware and read by handlers through the [`Ctx`] extractor.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, Request, State};
use axum::http::{HeaderMap, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use linli_store::Actor;
use linli_store::session::Session;
use linli_store::user::User;

use crate::error::{AppError, ErrorContext};
use crate::i18n::{self, Lang};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "linli_session";
pub const CSRF_COOKIE: &str = "linli_csrf";
pub const LANG_COOKIE: &str = "linli_lang";
pub const SENIOR_COOKIE: &str = "linli_senior";
pub const FLASH_COOKIE: &str = "linli_flash";

/// A signed-in user and the session they came with.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    /// The cookie token of the session (needed to sign out "everywhere else").
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// 适老化: large text, high contrast.
    pub senior: bool,
    /// The signed-in user (session cookie).
    pub user: Option<Arc<SignedIn>>,
    /// An integration calling the API with a bearer token.
    pub token: Option<Arc<Actor>>,
    /// The token forms must echo: the session's, or the anonymous cookie's before sign-in.
    pub csrf: String,
    pub request_id: String,
    /// Path and query of this request as the client sent it, for "back" links and redirects.
    pub path: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// A one-time message key left by the previous request (e.g. "flash.saved").
    pub flash: Option<&'static str>,
    /// Cookies get `Secure` (the site is served over HTTPS).
    pub https: bool,
}

impl Ctx {
    pub fn error_context(&self) -> ErrorContext {
        ErrorContext { lang: self.lang, request_id: self.request_id.clone(), path: self.path.clone() }
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// The one acting: the signed-in user, or the token's integration.
    pub fn actor(&self) -> Option<Actor> {
        match (&self.user, &self.token) {
            (Some(s), _) => Some(Actor::user(&s.user, self.ip.clone())),
            (None, Some(t)) => Some(t.as_ref().clone()),
            (None, None) => None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| AppError::internal("request context missing"))
    }
}

/// The client's address: the peer, or behind a trusted proxy the address the proxy saw —
/// the *last* `X-Forwarded-For` entry, which the proxy appended (earlier entries are whatever
/// the client sent and prove nothing).
pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool) -> Option<String> {
    if trust_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .next_back()
            .filter(|s| s.parse::<std::net::IpAddr>().is_ok())
            .map(str::to_owned);
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|p| p.ip().to_string())
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn only_the_proxys_own_entry_counts() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.5"));
        let peer = Some("127.0.0.1:9000".parse().expect("addr"));
        assert_eq!(super::client_ip(&h, peer, true).as_deref(), Some("203.0.113.5"));
        assert_eq!(super::client_ip(&h, peer, false).as_deref(), Some("127.0.0.1"), "ignored unless trusted");
        h.insert("x-forwarded-for", HeaderValue::from_static("not-an-address"));
        assert_eq!(super::client_ip(&h, peer, true).as_deref(), Some("127.0.0.1"));
    }
}

/// Which kind of routes a context is for: pages ignore `Accept-Language` (Chinese first) and
/// bearer tokens; the API honours both.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Pages,
    Api,
}

pub async fn for_pages(state: State<AppState>, req: Request, next: Next) -> Response {
    resolve(state, Surface::Pages, req, next).await
}

pub async fn for_api(state: State<AppState>, req: Request, next: Next) -> Response {
    resolve(state, Surface::Api, req, next).await
}

/// Builds the [`Ctx`], runs the handler, then sets any cookies the context decided on.
async fn resolve(State(state): State<AppState>, surface: Surface, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let jar = CookieJar::from_headers(headers);
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let uri = req.extensions().get::<OriginalUri>().map(|u| u.0.clone()).unwrap_or_else(|| req.uri().clone());
    let path = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let ip = client_ip(headers, peer, state.config.trust_proxy);
    let user_agent = headers.get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_owned);

    let cookie_lang = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value()));
    let header_lang =
        || headers.get("accept-language").and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language);
    let lang = match surface {
        Surface::Pages => cookie_lang.unwrap_or_default(),
        Surface::Api => header_lang().or(cookie_lang).unwrap_or_default(),
    };

    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let mut user = None;
    let mut token = None;
    match (surface, bearer) {
        (Surface::Api, Some(secret)) => match state.store.token_actor(&secret, ip.clone()).await {
            Ok(found) => token = found.map(Arc::new),
            Err(e) => {
                tracing::error!(request_id, error = %e, "could not look up the API token; treating it as unknown")
            }
        },
        _ => {
            if let Some(t) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) {
                match state.store.session(&t, state.config.session_idle).await {
                    Ok(Some((session, u))) => user = Some(Arc::new(SignedIn { user: u, session, token: t })),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(request_id, error = %e, "could not look up the session; treating the request as signed out")
                    }
                }
            }
        }
    }

    let anon_csrf = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() >= 32);
    let new_anon_csrf = if anon_csrf.is_none() { Some(linli_store::secret::random_token()) } else { None };
    let csrf = match &user {
        Some(s) => s.session.csrf_token.clone(),
        None => anon_csrf.clone().or_else(|| new_anon_csrf.clone()).unwrap_or_default(),
    };
    let flash = jar.get(FLASH_COOKIE).and_then(|c| flash_key(c.value()));
    let https = state.config.https;

    let ctx = Ctx {
        lang,
        senior: jar.get(SENIOR_COOKIE).is_some_and(|c| c.value() == "1"),
        user,
        token,
        csrf,
        request_id,
        path,
        ip,
        user_agent,
        flash,
        https,
    };
    req.extensions_mut().insert(ctx.clone());
    let response = next.run(req).await;

    let mut jar = CookieJar::new();
    if let Some(token) = new_anon_csrf {
        jar = jar.add(cookie(CSRF_COOKIE, token, https, None));
    }
    if ctx.flash.is_some() {
        jar = jar.add(removal(FLASH_COOKIE));
    }
    (jar, response).into_response()
}

/// Only keys the catalogue knows can be flashed, so a forged cookie shows nothing.
fn flash_key(value: &str) -> Option<&'static str> {
    const KEYS: [&str; 20] = [
        "flash.complaint_taken",
        "flash.rated",
        "flash.file_added",
        "flash.booked",
        "flash.booking_cancelled",
        "flash.request_taken",
        "flash.request_materials",
        "flash.request_moved",
        "flash.applied",
        "flash.saved",
        "flash.visit_recorded",
        "flash.resident_registered",
        "flash.imported",
        "flash.deleted",
        "flash.signed_out",
        "flash.password_changed",
        "flash.loaded",
        "flash.signed_in",
        "flash.signed_out_everywhere",
        "flash.reauthenticated",
    ];
    KEYS.into_iter().find(|k| *k == value && i18n::has(k))
}

/// Every cookie linli sets: HttpOnly, same-site, `Secure` over HTTPS; `max_age` for the ones
/// that outlive the browser session (preferences).
pub fn cookie(name: &'static str, value: String, secure: bool, max_age: Option<time::Duration>) -> Cookie<'static> {
    let mut b = Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Lax).secure(secure);
    if let Some(age) = max_age {
        b = b.max_age(age);
    }
    b.build()
}

pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build((name, "")).path("/").build();
    c.make_removal();
    c
}

/// Sets a one-time message for the next page.
pub fn flash(jar: CookieJar, ctx: &Ctx, key: &'static str) -> CookieJar {
    jar.add(cookie(FLASH_COOKIE, key.to_owned(), ctx.https, None))
}
