//! The one-stop window (standard ch. 7–8, Appendix A): the service catalogue, the work-item
//! engine's storage, service requests, and the notification outbox.
//!
//! Rights: `catalogue:*` for the catalogue, `service_request:*` for staff work, `application:*`
//! for residents acting on their own requests, `open311:create` for tokens.

mod appointments;
mod attachments;
mod catalogue;
mod consultations;
pub(crate) mod group_commit;
mod open311;
mod outbox;
pub(crate) mod requests;
pub(crate) mod workitem;

pub use appointments::{Booking, SlotView};
pub use attachments::{Attachment, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, sniff};
pub use catalogue::ServiceItem;
pub use consultations::{Consultation, ConsultationInput};
pub use group_commit::CreateGroups;
pub use open311::{PublicFilter, PublicRequest};
pub use outbox::{MAX_ATTEMPTS, Outgoing};
pub use requests::{MoveInput, PublicStatus, QueueQuery, QueueRow, RequestDetail, Taken, WindowSummary, state_key};
pub use workitem::{WorkEvent, WorkItem};
