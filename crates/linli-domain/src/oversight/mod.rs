//! Supervision and evaluation (standard ch. 9, the "Check" of PDCA): complaints, 好差评 ratings of
//! finished services and the rectification a bad rating opens — flows for the work-item engine —
//! satisfaction surveys, and supervisors' comments and follow-ups.

pub mod complaint;
pub mod follow_up;
pub mod rating;
pub mod survey;

pub use complaint::{COMPLAINT, ComplaintFields, ComplaintInput, ComplaintLimits, complaint_limit};
pub use follow_up::{FOLLOW_UP, NoteFields, NoteInput};
pub use rating::{Level, RECTIFICATION, rectification_limit};
