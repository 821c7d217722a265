//! Supervision and evaluation (standard ch. 9): complaints, 好差评 ratings and the
//! rectifications a bad one opens — more flows on the work-item engine. Rights: residents rate their own requests
//! (`application:create`), staff record ratings at the window and put bad ones right
//! (`oversight:*`); surveys (`survey:*`) and supervisors' follow-ups (`follow_up:*`).

mod complaints;
mod figures;
mod ledgers;
mod limits;
mod notes;
mod ratings;
mod rectifications;
mod surveys;
mod tally;

pub use complaints::{ComplaintDetail, ComplaintRow};
pub use figures::{CommunityFigures, MonthFigures, Span, first_month as figures_first_month};
pub use ledgers::{ComplaintLedgerRow, Period, RatingLedgerRow, RequestLedgerRow, VisitLedgerRow};
pub use notes::{Note, NoteEvent, NoteMove};
pub use ratings::{Rating, RatingInput, RatingTarget};
pub use rectifications::{RectificationDetail, RectificationRow};
pub use surveys::{Invitation, MAX_INVITATIONS, QuestionEdit, Survey, SurveyResults};
pub use tally::{DayCounts, FiguresMismatch};
pub(crate) use tally::{TallyTx, push_new};
