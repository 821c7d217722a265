//! 居民台账: the shared register of buildings, households and residents that every service,
//! event, activity and case refers to — the kinds of things recorded about a person, and
//! the rules for recording them.

mod document;
mod resident;
mod vocab;

pub use document::{DocumentKind, IdDocument};
pub use resident::{ResidentFields, ResidentInput, pinyin_of};
pub use vocab::{
    DISABILITY_KINDS, ETHNICITIES, Employment, Relation, ResidenceType, Tag, age_on, derived_categories, ethnicity,
};

/// How often vulnerable residents (独居/空巢老人, 残疾人, 困境/留守儿童) should be visited, unless the
/// community sets its own interval.
pub const DEFAULT_VISIT_INTERVAL_DAYS: u32 = 30;
