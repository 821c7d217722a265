//! Supervision and evaluation (standard ch. 9, the "Check" of PDCA): 好差评 ratings of finished
//! services and the rectification a bad rating opens.

pub mod rating;

pub use rating::{Level, RECTIFICATION, rectification_limit};
