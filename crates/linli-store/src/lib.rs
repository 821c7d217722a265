//! linli's storage: one schema, one query layer, two engines.
//!
//! [`Store`] wraps a typed pool for SQLite or PostgreSQL. Each capability's queries live in a
//! module of their own and are written once: the [`on_db!`] macro compiles the same body
//! against either pool, so the two engines cannot drift apart. The same conformance suite
//! (`tests/conformance.rs`) runs every storage test on both.
#![forbid(unsafe_code)]

mod batch;
mod checkpoint;
#[macro_use]
mod db;
pub mod acting;
#[macro_use]
pub mod audit;
pub mod accounts;
pub mod calendar;
pub mod check;
mod error;
pub mod generator;
pub mod node;
pub mod organisation;
pub mod oversight;
pub mod privacy;
pub mod profile;
pub mod register;
pub mod secret;
pub mod seed;
pub mod seed_oversight;
pub mod seed_register;
pub mod seed_surveys;
pub mod seed_window;
pub mod session;
pub mod token;
mod ts;
mod tx;
pub mod user;
pub mod window;

pub use ts::Ts;

pub use acting::{Acting, Actor};
pub use db::{ConnectError, Engine, PoolOptions, Store, redact_url};
pub use error::{StoreError, StoreResult};

/// The current time as stored: UTC, truncated to microseconds (PostgreSQL's precision), so a
/// value read back equals the value written on both engines.
pub fn now() -> time::OffsetDateTime {
    truncate(time::OffsetDateTime::now_utc())
}

/// Today's date in China (UTC+8; Asia/Shanghai has no daylight saving).
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8)).date()
}

/// Text for a `LIKE … ESCAPE '\'` pattern: what people type is matched as written, so `%`
/// and `_` in a search box are characters, not wildcards.
pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

pub fn truncate(t: time::OffsetDateTime) -> time::OffsetDateTime {
    let micros = t.microsecond();
    t.replace_nanosecond(micros * 1_000).unwrap_or(t)
}
