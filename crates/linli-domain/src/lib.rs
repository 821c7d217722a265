//! The domain of linli: the standard's vocabulary as types, and the rules that need no I/O.
//!
//! Everything here is pure and heavily unit-tested; storage and web layers parse input into
//! these types at their edge and never re-validate.
#![forbid(unsafe_code)]

pub mod account;
pub mod calendar;
pub mod community;
pub mod division;
pub mod ids;
pub mod oversight;
pub mod password;
pub mod register;
pub mod rights;
pub mod role;
pub mod validation;
pub mod window;
pub mod workflow;

pub use account::Username;
pub use calendar::Calendar;
pub use division::{DivisionCode, Level};
pub use ids::{IdNumber, Phone};
pub use rights::{Action, Principal, Resource, Rights};
pub use role::Role;
pub use validation::{FieldError, Invalid};
