//! The register (居民台账): grids, buildings, households and residents, their dated history,
//! household visits, search and population figures, and whole-workbook imports.
//!
//! Every operation is an [`Acting`](crate::Acting) method: `register:*` rights for the
//! register itself, `grid:*` and `visit:*` for grids and visits, always inside the actor's
//! subtree. Document and phone numbers are encrypted with the row id as associated data.

mod bulk;
mod import;
mod matching;
mod places;
mod residents;
mod search;
mod visits;

pub use import::{ImportOutcome, ImportPlan, ImportRow, RowProblem};
pub use places::{Building, Grid, Household, HouseholdEvent, HouseholdLine};
pub use residents::{Event, KeepStored, MoveOut, ResidentDetail};
pub(crate) use search::years_before;
pub use search::{ExportRow, Population, ResidentQuery, ResidentSummary, Sort};
pub use visits::{CoverageRow, Visit, VisitInput};

use linli_domain::{Action, DivisionCode, Level, Resource};

use crate::acting::Acting;
use crate::{StoreError, StoreResult};

impl Acting<'_> {
    /// The right, then that `community` is a community the actor reaches.
    pub(crate) async fn community_for(
        &self,
        resource: Resource,
        action: Action,
        community: DivisionCode,
    ) -> StoreResult<()> {
        self.check_right(resource, action)?;
        self.check(resource, action, &community)?;
        // The level is in the code itself; only existence needs the database.
        if community.level() != Level::Community || !self.store.node_exists(community).await? {
            return Err(StoreError::NotFound("community"));
        }
        Ok(())
    }
}

/// An address as people write it: `榕华花园1号楼 2单元 302` (a numbered unit gets 单元; a unit
/// already named, like `A座`, is kept as written).
pub fn address(building: &str, unit: &str, room: &str) -> String {
    match unit.trim() {
        "" => format!("{building} {room}"),
        u if u.chars().all(|c| c.is_ascii_digit()) => format!("{building} {u}单元 {room}"),
        u => format!("{building} {u} {room}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_read_as_written() {
        assert_eq!(super::address("1号楼", "2", "302"), "1号楼 2单元 302");
        assert_eq!(super::address("1号楼", "A座", "302"), "1号楼 A座 302");
        assert_eq!(super::address("1号楼", " ", "302"), "1号楼 302");
    }
}
