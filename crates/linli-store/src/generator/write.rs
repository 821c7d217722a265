//! Bulk rows for the generator: each table's rows as one flat list of values, written by
//! multi-row `INSERT … VALUES` statements inside the caller's transaction. One statement
//! carries up to [`MAX_PARAMS`] values, under SQLite's limit of 32,766 (PostgreSQL's is 65,535).

use sqlx::{Postgres, QueryBuilder, Sqlite};
use time::Date;
use uuid::Uuid;

use crate::Ts;

const MAX_PARAMS: usize = 32_000;

/// One value of a row, typed as its column is on both engines.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Id(Uuid),
    OptId(Option<Uuid>),
    Text(String),
    Str(&'static str),
    OptText(Option<String>),
    At(Ts),
    OptAt(Option<Ts>),
    Int(i32),
    Big(i64),
    Bytes(Vec<u8>),
    Bool(bool),
    Day(Date),
}

/// Rows of one table, waiting to be written.
pub(crate) struct Rows {
    /// `INSERT INTO table (a, b, c) `
    head: &'static str,
    columns: usize,
    values: Vec<Val>,
}

impl Rows {
    pub fn new(head: &'static str) -> Rows {
        let columns = head.split_once('(').map_or(1, |(_, cols)| cols.matches(',').count() + 1);
        Rows { head, columns, values: Vec::new() }
    }

    /// Adds a row; its values must match the head's columns in number and order.
    pub fn push(&mut self, row: impl IntoIterator<Item = Val>) {
        let before = self.values.len();
        self.values.extend(row);
        debug_assert_eq!(self.values.len() - before, self.columns, "{}", self.head);
    }

    pub fn len(&self) -> usize {
        self.values.len() / self.columns
    }
}

pub(crate) trait WriteRows {
    async fn write_rows(&mut self, rows: &Rows) -> Result<(), sqlx::Error>;
}

macro_rules! impl_write_rows {
    ($db:ty) => {
        impl WriteRows for crate::tx::WriteTx<$db> {
            async fn write_rows(&mut self, rows: &Rows) -> Result<(), sqlx::Error> {
                let per = (MAX_PARAMS / rows.columns).max(1) * rows.columns;
                for chunk in rows.values.chunks(per) {
                    let mut b = QueryBuilder::<$db>::new(rows.head);
                    b.push_values(chunk.chunks(rows.columns), |mut s, row| {
                        for v in row {
                            match v {
                                Val::Id(x) => s.push_bind(*x),
                                Val::OptId(x) => s.push_bind(*x),
                                Val::Text(x) => s.push_bind(x.as_str()),
                                Val::Str(x) => s.push_bind(*x),
                                Val::OptText(x) => s.push_bind(x.as_deref()),
                                Val::At(x) => s.push_bind(*x),
                                Val::OptAt(x) => s.push_bind(*x),
                                Val::Int(x) => s.push_bind(*x),
                                Val::Big(x) => s.push_bind(*x),
                                Val::Bytes(x) => s.push_bind(x.as_slice()),
                                Val::Bool(x) => s.push_bind(*x),
                                Val::Day(x) => s.push_bind(*x),
                            };
                        }
                    });
                    b.build().execute(&mut **self).await?;
                }
                Ok(())
            }
        }
    };
}

impl_write_rows!(Sqlite);
impl_write_rows!(Postgres);
