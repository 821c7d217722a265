//! The one-stop window (standard ch. 7–8, Appendix A): the catalogue, the request flow and
//! what a request is made of.

pub mod appointment;
pub mod catalogue;
pub mod defaults;
pub mod flow;
pub mod request;

pub use catalogue::{Category, Channel, FieldKind, FormField, ItemFields, ItemInput, Material, MaterialForm};
pub use flow::SERVICE_REQUEST;
