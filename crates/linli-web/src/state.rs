//! What every handler can reach: the store, the settings, the calendar and the metrics.

use std::sync::{Arc, RwLock};

use linli_domain::Calendar;
use linli_store::{Store, StoreResult};
use time::Duration;

use crate::limits::{Limits, Rate};
use crate::metrics::Metrics;

/// Settings of the web layer (the CLI fills them from flags, environment and the TOML file).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Sign a user out after this long without a request.
    pub session_idle: Duration,
    /// Sign a user out this long after sign-in, however active.
    pub session_lifetime: Duration,
    /// Mark cookies `Secure` and send HSTS: set when users reach linli over HTTPS.
    pub https: bool,
    /// Show the demo accounts on the sign-in page.
    pub demo: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
    /// Serve `/metrics` to any address, not only to loopback.
    pub metrics_public: bool,
    /// Failed sign-ins in a row that lock an account …
    pub lockout_threshold: i32,
    /// … and for how long.
    pub lockout_duration: Duration,
    /// The address users type (`https://linli.example.cn`); unsafe requests whose `Origin`
    /// differs are refused. Without it, `Origin` is compared with the `Host` header.
    pub public_url: Option<String>,
    /// Sign-in attempts per client address.
    pub sign_in_rate: Rate,
    /// Requests without sign-in per client address.
    pub public_rate: Rate,
    /// How long after entering the password sensitive actions need no re-entry.
    pub reauth_window: Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            session_idle: Duration::minutes(30),
            session_lifetime: Duration::hours(12),
            https: false,
            demo: false,
            trust_proxy: false,
            metrics_public: false,
            lockout_threshold: 5,
            lockout_duration: Duration::minutes(15),
            public_url: None,
            sign_in_rate: Rate { per_minute: 20, burst: 10 },
            public_rate: Rate { per_minute: 300, burst: 100 },
            reauth_window: Duration::minutes(15),
        }
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: WebConfig,
    pub metrics: Metrics,
    pub limits: Limits,
    /// Imports running in the background.
    pub jobs: crate::jobs::Jobs,
    /// The working-day calendar, reloaded whenever an administrator edits it.
    calendar: RwLock<Arc<Calendar>>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Loads what the app keeps in memory (the calendar) from the store.
    pub async fn new(store: Store, config: WebConfig) -> StoreResult<AppState> {
        let calendar = store.calendar().await?;
        Ok(AppState(Arc::new(Inner {
            store,
            limits: Limits::new(config.sign_in_rate, config.public_rate),
            config,
            metrics: Metrics::new(),
            jobs: Default::default(),
            calendar: RwLock::new(Arc::new(calendar)),
        })))
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        match self.0.calendar.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// After a change that is already committed: a failed re-read must not turn the answer
    /// into an error (the change happened); the next housekeeping pass retries.
    pub async fn reload_calendar_or_warn(&self) {
        if let Err(e) = self.reload_calendar().await {
            tracing::warn!(error = %e, "calendar saved, but re-reading it failed; it will be re-read within a minute");
        }
    }

    pub async fn reload_calendar(&self) -> StoreResult<()> {
        let fresh = Arc::new(self.store.calendar().await?);
        match self.0.calendar.write() {
            Ok(mut c) => *c = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }
}
