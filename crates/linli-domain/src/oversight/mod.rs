//! Supervision and evaluation (standard ch. 9, the "Check" of PDCA): complaints, 好差评 ratings of
//! finished services and the rectification a bad rating opens — flows for the work-item engine.

pub mod complaint;
pub mod rating;

pub use complaint::{COMPLAINT, ComplaintFields, ComplaintInput, complaint_limit};
pub use rating::{Level, RECTIFICATION, rectification_limit};
