//! Limits that keep one client from exhausting the server: sign-in attempts and public
//! endpoints per client address, and how many password hashes run at once.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::context::Ctx;
use crate::error::AppError;
use crate::state::AppState;

/// Requests per minute per client address, with the burst allowed at once.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

pub struct Limits {
    sign_in: DefaultKeyedRateLimiter<String>,
    public: DefaultKeyedRateLimiter<String>,
    /// Request look-ups by number and phone: per client address (signed in or not) and per
    /// request number, so nobody can try phone after phone against one number.
    lookup_client: DefaultKeyedRateLimiter<String>,
    lookup_number: DefaultKeyedRateLimiter<String>,
    /// Argon2id takes ~19 MiB and tens of milliseconds per check: at most a few at once.
    hashing: Arc<Semaphore>,
}

fn quota(r: Rate) -> Quota {
    let per = NonZeroU32::new(r.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(r.burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per).allow_burst(burst)
}

impl Limits {
    pub fn new(sign_in: Rate, public: Rate) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            sign_in: DefaultKeyedRateLimiter::keyed(quota(sign_in)),
            public: DefaultKeyedRateLimiter::keyed(quota(public)),
            lookup_client: DefaultKeyedRateLimiter::keyed(quota(Rate { per_minute: 20, burst: 20 })),
            lookup_number: DefaultKeyedRateLimiter::keyed(Quota::per_hour(
                NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN),
            )),
            hashing: Arc::new(Semaphore::new(cores * 2)),
        }
    }

    /// A permit to hash a password; waits briefly, then refuses (the server is saturated).
    pub async fn hashing(&self) -> Result<SemaphorePermit<'_>, AppError> {
        match tokio::time::timeout(Duration::from_secs(3), self.hashing.acquire()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(AppError::TooManyRequests),
        }
    }

    /// Whether a request look-up from `client` for `number` may go ahead (at most 20 a minute
    /// from one address, 10 an hour for one number).
    pub fn lookup(&self, client: Option<&str>, number: &str) -> Result<(), AppError> {
        let number = number.trim().to_owned();
        if self.lookup_client.check_key(&client.unwrap_or("unknown").to_owned()).is_err()
            || self.lookup_number.check_key(&number).is_err()
        {
            tracing::warn!(client = ?client, number = %number, "request look-ups over the limit");
            return Err(AppError::TooManyRequests);
        }
        Ok(())
    }

    /// Forgets addresses not seen for a while (called from the housekeeping task).
    pub fn tidy(&self) {
        self.sign_in.retain_recent();
        self.public.retain_recent();
        self.lookup_client.retain_recent();
        self.lookup_number.retain_recent();
    }
}

fn key(req: &Request) -> String {
    req.extensions().get::<Ctx>().and_then(|c| c.ip.clone()).unwrap_or_else(|| "unknown".into())
}

/// Where a password is checked: sign-in, re-authentication and password changes, on pages
/// and in the API.
const PASSWORD_PATHS: [&str; 6] =
    ["/login", "/reauth", "/account/password", "/api/v1/session", "/api/v1/session/reauth", "/api/v1/me/password"];

/// Password attempts per client address (guessing across many accounts).
pub async fn sign_in(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.extensions().get::<axum::extract::OriginalUri>().map_or(req.uri().path(), |u| u.0.path());
    let checks_password = req.method() == axum::http::Method::POST && PASSWORD_PATHS.contains(&path);
    if checks_password && state.limits.sign_in.check_key(&key(&req)).is_err() {
        tracing::warn!(ip = %key(&req), "sign-in attempts over the limit");
        return AppError::TooManyRequests.into_response();
    }
    next.run(req).await
}

/// Requests that need no sign-in, per client address.
pub async fn public(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let anonymous = req.extensions().get::<Ctx>().is_none_or(|c| c.user.is_none() && c.token.is_none());
    if anonymous && state.limits.public.check_key(&key(&req)).is_err() {
        return AppError::TooManyRequests.into_response();
    }
    next.run(req).await
}
