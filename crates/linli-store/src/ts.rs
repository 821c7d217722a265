//! `Ts`: how a point in time is bound as a query parameter.
//!
//! PostgreSQL stores `timestamptz`. SQLite has no time type, so times are TEXT, and TEXT
//! compares as strings: sqlx's default RFC 3339 text drops a zero fraction ("…:01Z" sorts
//! after "…:01.5Z"), which would misorder deadlines within a second. `Ts` always writes six
//! fraction digits and `Z`, so string order is time order. Reading back needs nothing special:
//! sqlx parses this text into `OffsetDateTime` as it is.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo};
use sqlx::{Encode, Postgres, Sqlite, Type};
use time::OffsetDateTime;
use time::macros::format_description;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub OffsetDateTime);

impl Ts {
    pub fn text(&self) -> String {
        let utc = self.0.to_offset(time::UtcOffset::UTC);
        utc.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"))
            .unwrap_or_default()
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.text(), buf)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::Ts;

    #[test]
    fn text_has_fixed_width_so_string_order_is_time_order() {
        let whole = Ts(datetime!(2026-03-05 09:30:00 UTC)).text();
        let later = Ts(datetime!(2026-03-05 09:30:00.5 UTC)).text();
        assert_eq!(whole, "2026-03-05T09:30:00.000000Z");
        assert!(whole < later);
        // Other offsets are normalised to UTC first.
        assert_eq!(Ts(datetime!(2026-03-05 17:30:00 +8)).text(), whole);
    }
}
