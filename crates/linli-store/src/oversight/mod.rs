//! Supervision and evaluation (standard ch. 9): complaints, 好差评 ratings and the
//! rectifications a bad one opens — more flows on the work-item engine. Rights: residents rate their own requests
//! (`application:create`), staff record ratings at the window and put bad ones right
//! (`oversight:*`).

mod complaints;
mod figures;
mod ledgers;
mod ratings;
mod rectifications;

pub use complaints::{ComplaintDetail, ComplaintRow};
pub use figures::{CommunityFigures, MonthFigures, first_month as figures_first_month};
pub use ledgers::{ComplaintLedgerRow, Period, RatingLedgerRow, RequestLedgerRow, VisitLedgerRow};
pub use ratings::{Rating, RatingInput, RatingTarget};
pub use rectifications::{RectificationDetail, RectificationRow};
