//! Test support for linli: every test gets its own fresh database, on SQLite or PostgreSQL,
//! and (with the `app` feature) the real server on a random port and a headless browser.
//!
//! PostgreSQL is found through `LINLI_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); each test creates its own database there and
//! drops it afterwards. Tests never skip when PostgreSQL is missing: they fail and say how to
//! start it (the test command `scripts/test` does that for you).
#![forbid(unsafe_code)]

mod db;
pub use db::{Engine, TestDb, test_keys};

#[cfg(feature = "app")]
mod app;
#[cfg(feature = "app")]
pub mod browser;
pub mod register;
#[cfg(feature = "app")]
pub use app::{TestApp, spawn_app};

/// Declares each listed `async fn(store)` test once per engine: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::TestDb::new($crate::Engine::Sqlite).await;
                    super::$name(db.store().clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::TestDb::new($crate::Engine::Postgres).await;
                    super::$name(db.store().clone()).await;
                }
            )*
        }
    };
}

#[cfg(feature = "app")]
pub use app::{spawn_app_with, test_config};

/// Declares each listed `async fn(Engine)` test once per engine: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::Engine::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::Engine::Postgres).await;
                }
            )*
        }
    };
}

/// A division code written in a test.
pub fn code(s: &str) -> linli_domain::DivisionCode {
    linli_domain::DivisionCode::parse(s).expect("valid division code in test")
}
