//! The register (居民台账): grids, buildings, households and residents, their dated history,
//! household visits, search and population figures, and whole-workbook imports.
//!
//! Every operation is an [`Acting`](crate::Acting) method: `register:*` rights for the
//! register itself, `grid:*` and `visit:*` for grids and visits, always inside the actor's
//! subtree. Document and phone numbers are encrypted with the row id as associated data.

mod import;
mod places;
mod residents;
mod search;
mod visits;

pub use import::{ImportOutcome, ImportPlan, ImportRow, RowProblem};
pub use places::{Building, Grid, Household, HouseholdLine};
pub use residents::{Event, KeepStored, MoveOut, ResidentDetail};
pub(crate) use search::years_before;
pub use search::{ExportRow, Population, ResidentQuery, ResidentSummary, Sort};
pub use visits::{CoverageRow, Visit, VisitInput};

use linli_domain::{Action, DivisionCode, Level, Resource};

use crate::acting::Acting;
use crate::{StoreError, StoreResult};

impl Acting<'_> {
    /// The right, then that `community` is a community the actor reaches.
    async fn community_for(&self, resource: Resource, action: Action, community: DivisionCode) -> StoreResult<()> {
        self.check_right(resource, action)?;
        self.check(resource, action, &community)?;
        let node = self.store.node(community).await?;
        if node.level != Level::Community {
            return Err(StoreError::NotFound("community"));
        }
        Ok(())
    }
}

/// `YYYY-MM-DD … ` and the like for addresses: building, unit and room as people write them.
pub fn address(building: &str, unit: &str, room: &str) -> String {
    match unit.trim() {
        "" => format!("{building} {room}"),
        u => format!("{building} {u} {room}"),
    }
}
