//! linli's web layer: server-rendered pages (Chinese first, usable without JavaScript), the
//! JSON API under `/api/v1` with its OpenAPI document, and the operational endpoints.
//!
//! [`app`] builds the router; [`serve`] runs it on a listener until shutdown. The CLI and the
//! tests call the same two functions.
#![forbid(unsafe_code)]

mod api;
pub(crate) mod app;
mod assets;
mod auth;
mod context;
mod csrf;
mod download;
mod error;
mod i18n;
mod jobs;
mod limits;
mod metrics;
pub mod notify;
pub(crate) mod open311;
mod pages;
mod register_sheet;
mod spreadsheet;
mod state;

pub use app::{app, serve};
pub use i18n::{Lang, t};
pub use limits::Rate;
pub use state::{AppState, WebConfig};
