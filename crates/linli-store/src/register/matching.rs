//! The register's one search box, turned into SQL that an index answers.
//!
//! What is typed is read the way people type it: 3–6 digits are the end of an ID or phone
//! number (or a room), letters are pinyin or initials, anything else is part of a name or an
//! address. Each reading becomes a union of subqueries on one table each, answered from the
//! (community, tail / pinyin / initials / name) and (community, room) indexes of migration
//! 0009; the residents it finds are then joined to their household and building by key.
//! A catch-all `$n IS NULL OR …` filter would read the same on every search but hides every
//! index from both planners: a community of 10,000 residents was scanned and joined on each key
//! press (32 ms, and 1 s with 16 searches at once).

use sqlx::QueryBuilder;
use time::Date;
use uuid::Uuid;

use super::search::{RESIDENT_JOINS, ResidentQuery, SUMMARY_COLUMNS, Sort, SummaryRow, for_engine, years_before};
use crate::StoreResult;
use crate::acting::Acting;
use crate::audit::escape_like;

/// How the text box reads.
#[derive(Debug, PartialEq)]
enum Text {
    /// The last 4 characters of an ID or phone number; the whole when it could be a room.
    Digits { tail: String, room: Option<String> },
    /// Pinyin or initials, lower case: those starting with it.
    Letters { prefix: String },
    /// Part of a name, a building's name, or unit and room, as a LIKE pattern.
    Words { like: String },
}

fn read(text: Option<&str>) -> Option<Text> {
    let t = text.map(str::trim).filter(|s| !s.is_empty())?;
    let numeric = t.chars().all(|c| c.is_ascii_digit());
    Some(if t.chars().all(|c| c.is_ascii_digit() || c == 'x' || c == 'X') && (3..=6).contains(&t.len()) {
        let tail = t.to_ascii_uppercase();
        Text::Digits { tail: tail[tail.len().saturating_sub(4)..].to_owned(), room: numeric.then(|| t.to_owned()) }
    } else if t.chars().all(|c| c.is_ascii_alphabetic()) {
        Text::Letters { prefix: t.to_ascii_lowercase() }
    } else {
        Text::Words { like: format!("%{}%", escape_like(t)) }
    })
}

/// The least string above every string starting with `prefix` (lower-case letters), for an
/// index range; none when it is all `z`.
fn prefix_end(prefix: &str) -> Option<String> {
    let kept = prefix.trim_end_matches('z');
    let last = kept.chars().last()?;
    let next = char::from_u32(last as u32 + 1)?;
    Some(format!("{}{next}", &kept[..kept.len() - last.len_utf8()]))
}

/// A filter's values, owned so a query builder can bind them.
struct Filter {
    community: Option<String>,
    pattern: String,
    text: Option<Text>,
    status: Option<&'static str>,
    recorded_tag: Option<String>,
    born_by: Option<Date>,
    born_after: Option<Date>,
    building: Option<Uuid>,
    grid: Option<Uuid>,
}

/// Appends `FROM … WHERE …` for `$f` to the query builder `$q`, binding as it goes. A macro,
/// as the builder's type is per engine and the binds' trait bounds would swamp a generic
/// function. With text in the box the ids it matches come first (`m`), and SQLite keeps a
/// CROSS JOIN's order, so the few found lead and are then joined by primary key; left to
/// itself, SQLite's planner (without statistics) would read the whole community by its
/// (community, status) index and test each resident against the list.
macro_rules! push_from_where {
    ($q:expr, $f:expr, $joins:expr) => {{
        let q = &mut $q;
        let f: &Filter = $f;
        // The community, or every one under the viewer (`code%`), for column `$col`.
        macro_rules! scope {
            ($col:expr) => {
                match &f.community {
                    Some(c) => q.push(format!(" {} = ", $col)).push_bind(c.clone()),
                    None => q.push(format!(" {} LIKE ", $col)).push_bind(f.pattern.clone()),
                }
            };
        }
        match &f.text {
            None => {
                q.push(" FROM resident r");
            }
            Some(Text::Digits { tail, room }) => {
                q.push(" FROM (SELECT r3.id FROM resident r3 WHERE");
                scope!("r3.community_code");
                q.push(" AND r3.document_tail = ").push_bind(tail.clone());
                q.push(" UNION SELECT r4.id FROM resident r4 WHERE");
                scope!("r4.community_code");
                q.push(" AND r4.phone_tail = ").push_bind(tail.clone());
                if let Some(room) = room {
                    q.push(" UNION SELECT r5.id FROM household h5 CROSS JOIN resident r5 WHERE");
                    scope!("h5.community_code");
                    q.push(" AND h5.room = ").push_bind(room.clone());
                    q.push(" AND r5.household_id = h5.id AND r5.community_code = h5.community_code");
                }
                q.push(") m CROSS JOIN resident r");
            }
            Some(Text::Letters { prefix }) => {
                // The range finds them in the index; LIKE keeps the answer exact whatever the
                // database's collation.
                for (i, (alias, col)) in [("r3", "pinyin"), ("r4", "initials")].into_iter().enumerate() {
                    q.push(if i == 0 { " FROM (" } else { " UNION " });
                    q.push(format!("SELECT {alias}.id FROM resident {alias} WHERE"));
                    scope!(format!("{alias}.community_code"));
                    q.push(format!(" AND {alias}.{col} >= ")).push_bind(prefix.clone());
                    if let Some(end) = prefix_end(prefix) {
                        q.push(format!(" AND {alias}.{col} < ")).push_bind(end);
                    }
                    q.push(format!(" AND {alias}.{col} LIKE ")).push_bind(format!("{prefix}%"));
                }
                q.push(") m CROSS JOIN resident r");
            }
            Some(Text::Words { like }) => {
                // Names from the (community, name) index; addresses from the community's
                // buildings and households, whose residents are then found by household.
                q.push(" FROM (SELECT r3.id FROM resident r3 WHERE");
                scope!("r3.community_code");
                q.push(" AND r3.name LIKE ").push_bind(like.clone()).push(" ESCAPE '\\'");
                q.push(" UNION SELECT r4.id FROM building b4 CROSS JOIN household h4 CROSS JOIN resident r4 WHERE");
                scope!("b4.community_code");
                q.push(" AND b4.name LIKE ").push_bind(like.clone()).push(" ESCAPE '\\'");
                q.push(
                    " AND h4.building_id = b4.id AND h4.community_code = b4.community_code \
                     AND r4.household_id = h4.id AND r4.community_code = h4.community_code",
                );
                q.push(" UNION SELECT r5.id FROM household h5 CROSS JOIN resident r5 WHERE");
                scope!("h5.community_code");
                q.push(" AND (h5.unit || h5.room) LIKE ").push_bind(like.clone()).push(" ESCAPE '\\'");
                q.push(" AND r5.household_id = h5.id AND r5.community_code = h5.community_code");
                q.push(") m CROSS JOIN resident r");
            }
        }
        q.push($joins);
        // Always within the viewer's subtree too, whatever community the caller checked.
        q.push(" WHERE r.community_code LIKE ").push_bind(f.pattern.clone()).push(" AND");
        scope!("r.community_code");
        if f.text.is_some() {
            q.push(" AND r.id = m.id");
        }
        if let Some(s) = f.status {
            q.push(" AND r.status = ").push_bind(s);
        }
        if let Some(tag) = &f.recorded_tag {
            q.push(
                " AND EXISTS (SELECT 1 FROM resident_tag t WHERE t.resident_id = r.id \
                 AND t.community_code = r.community_code AND t.tag = ",
            )
            .push_bind(tag.clone())
            .push(")");
        }
        if let Some(d) = f.born_by {
            q.push(" AND r.birth_date <= ").push_bind(d);
        }
        if let Some(d) = f.born_after {
            q.push(" AND r.birth_date >= ").push_bind(d);
        }
        if let Some(b) = f.building {
            q.push(" AND h.building_id = ").push_bind(b);
        }
        if let Some(g) = f.grid {
            q.push(" AND b.grid_id = ").push_bind(g);
        }
    }};
}

impl Acting<'_> {
    /// A page of the residents `q` asks for, and how many there are in all.
    pub(super) async fn matching(&self, q: &ResidentQuery, today: Date) -> StoreResult<(Vec<SummaryRow>, i64)> {
        let status = match q.status.as_deref() {
            None | Some("") | Some("active") => Some("active"),
            Some("moved_out") => Some("moved_out"),
            Some("deceased") => Some("deceased"),
            _ => None,
        };
        let (born_by, born_after) = match q.tag.as_deref() {
            Some("elderly_60") => (Some(years_before(today, 60)), None),
            Some("elderly_80") => (Some(years_before(today, 80)), None),
            Some("minor") => (None, years_before(today, 18).next_day()),
            _ => (None, None),
        };
        let f = Filter {
            community: q.community.map(|c| c.to_string()),
            pattern: self.scope_pattern(),
            text: read(q.q.as_deref()),
            status,
            recorded_tag: q.tag.clone().filter(|t| !matches!(t.as_str(), "elderly_60" | "elderly_80" | "minor" | "")),
            born_by,
            born_after,
            building: q.building,
            grid: q.grid,
        };
        let order = match q.sort {
            // 2号楼 before 10号楼, room 302 before 1001.
            Sort::Address => {
                "length(b.name), b.name, length(h.unit), h.unit, length(h.room), h.room, r.relation = 'head' DESC, \
                 r.birth_date"
            }
            Sort::Name => "r.pinyin, r.name",
            Sort::Age => "r.birth_date, r.name",
        };
        let select = for_engine(self.store, SUMMARY_COLUMNS);
        let rows: Vec<SummaryRow> = on_db!(self.store, |pool| {
            let mut b = QueryBuilder::new(select.as_str());
            push_from_where!(b, &f, RESIDENT_JOINS);
            b.push(format!(" ORDER BY {order} LIMIT ")).push_bind(q.limit).push(" OFFSET ").push_bind(q.offset);
            b.build_query_as().fetch_all(pool).await
        })?;
        // Every resident has a household in a building: the count joins them only to filter by them.
        let joins = if f.building.is_some() || f.grid.is_some() { RESIDENT_JOINS } else { "" };
        let total: i64 = on_db!(self.store, |pool| {
            let mut b = QueryBuilder::new("SELECT count(*)");
            push_from_where!(b, &f, joins);
            b.build_query_scalar().fetch_one(pool).await
        })?;
        Ok((rows, total))
    }
}

#[cfg(test)]
mod tests {
    use super::{Text, prefix_end, read};

    #[test]
    fn the_box_reads_as_people_type() {
        assert_eq!(read(Some(" 0012 ")), Some(Text::Digits { tail: "0012".into(), room: Some("0012".into()) }));
        assert_eq!(read(Some("12345x")), Some(Text::Digits { tail: "345X".into(), room: None }));
        assert_eq!(read(Some("WangF")), Some(Text::Letters { prefix: "wangf".into() }));
        assert_eq!(read(Some("12")), Some(Text::Words { like: "%12%".into() }));
        assert_eq!(read(Some("秀_英")), Some(Text::Words { like: "%秀\\_英%".into() }));
        assert_eq!(read(Some("   ")), None);
    }

    #[test]
    fn a_prefix_ends_where_the_next_letter_begins() {
        assert_eq!(prefix_end("wang").as_deref(), Some("wanh"));
        assert_eq!(prefix_end("wz").as_deref(), Some("x"));
        assert_eq!(prefix_end("zz"), None);
    }
}
