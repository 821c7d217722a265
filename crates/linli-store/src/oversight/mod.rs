//! Supervision and evaluation (standard ch. 9): 好差评 ratings and the rectifications a bad one
//! opens (a second flow on the work-item engine). Rights: residents rate their own requests
//! (`application:create`), staff record ratings at the window and put bad ones right
//! (`oversight:*`).

mod ratings;
mod rectifications;

pub use ratings::{Rating, RatingInput, RatingTarget};
pub use rectifications::{RectificationDetail, RectificationRow};
