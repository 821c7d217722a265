//! The storage conformance suite: every test here runs on SQLite and on PostgreSQL.

mod accounts;
mod audit;
mod calendar;
mod evaluation;
mod organisation;
mod oversight;
mod register;
mod schema;
mod tokens;
mod tree;
mod window;

use linli_domain::DivisionCode;
use linli_store::{Actor, Store};

pub fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).expect("valid code in test")
}

pub fn system() -> Actor {
    Actor::system("test")
}

/// The demo tree and accounts (one per role), as every web test also has them.
pub async fn demo(store: &Store) {
    store.seed_demo().await.expect("seed demo");
}

/// The actor for a demo account.
pub async fn as_user(store: &Store, username: &str) -> Actor {
    let u = store.user_by_username(username).await.expect("demo user");
    Actor::user(&u, Some("127.0.0.1".into()))
}
