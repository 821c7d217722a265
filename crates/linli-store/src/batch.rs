//! Several writes sent as one statement, so a transaction makes fewer round trips while it holds
//! the write lock.
//!
//! A create writes six to eight rows. Sent one by one, each is a round trip to the connection —
//! on SQLite to sqlx's worker thread, on PostgreSQL to the server — and on SQLite every other
//! writer waits through all of them. A batch sends them together: on SQLite as one string of
//! statements (sqlx steps through them, binding each `$n` to the n-th argument of the whole
//! batch), on PostgreSQL as one statement of data-modifying CTEs. Each statement is written with
//! its own `$1, $2, …` and renumbered as it joins.
//!
//! What goes in one batch must not read what the batch writes: PostgreSQL runs the CTEs on one
//! snapshot, and one upsert may not change a row another part of the statement changes.

use sqlx::{Arguments as _, AssertSqlSafe, Postgres, Sqlite};
use time::Date;
use uuid::Uuid;

use crate::Ts;
use crate::tx::WriteTx;

/// A bound value, kept as its kind until the batch knows its engine (a NULL keeps its kind too:
/// PostgreSQL wants to know the type of every parameter).
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    I64(i64),
    I32(i32),
    Ts(Option<Ts>),
    Date(Date),
}

macro_rules! arg_from {
    ($($t:ty => $v:ident $(, $conv:expr)?);* $(;)?) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                $(let v = $conv(v);)?
                Arg::$v(v)
            }
        }
    )*};
}

arg_from! {
    Uuid => Uuid, Some;
    Option<Uuid> => Uuid;
    &str => Text, |s: &str| Some(s.to_owned());
    &String => Text, |s: &String| Some(s.clone());
    String => Text, Some;
    Option<&str> => Text, |s: Option<&str>| s.map(str::to_owned);
    Option<String> => Text;
    &[u8] => Bytes, |b: &[u8]| Some(b.to_vec());
    Vec<u8> => Bytes, Some;
    i64 => I64;
    i32 => I32;
    Ts => Ts, Some;
    Option<Ts> => Ts;
    Date => Date;
}

/// Statements to send at once, with their arguments numbered across the batch.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    sql: Vec<String>,
    args: Vec<Arg>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Adds a statement written with `$1…` for the values bound after it.
    pub fn push(&mut self, sql: &str) -> &mut Batch {
        self.sql.push(renumber(sql, self.args.len()));
        self
    }

    pub fn bind(&mut self, v: impl Into<Arg>) -> &mut Batch {
        self.args.push(v.into());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }
}

/// `sql` with every `$n` made `$(n + by)`. linli's statements use `$` for nothing else.
fn renumber(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

macro_rules! arguments {
    ($name:ident, $db:ty, $args:ty) => {
        fn $name(values: Vec<Arg>) -> Result<$args, sqlx::Error> {
            let mut args = <$args>::default();
            for v in values {
                match v {
                    Arg::Uuid(v) => args.add(v),
                    Arg::Text(v) => args.add(v),
                    Arg::Bytes(v) => args.add(v),
                    Arg::I64(v) => args.add(v),
                    Arg::I32(v) => args.add(v),
                    Arg::Ts(v) => args.add(v),
                    Arg::Date(v) => args.add(v),
                }
                .map_err(sqlx::Error::Encode)?;
            }
            Ok(args)
        }
    };
}

arguments!(sqlite_arguments, Sqlite, sqlx::sqlite::SqliteArguments);
arguments!(postgres_arguments, Postgres, sqlx::postgres::PgArguments);

/// Sending a batch inside an open write transaction.
pub(crate) trait RunBatch {
    /// Runs every statement of `b`, in order.
    async fn run(&mut self, b: Batch) -> Result<(), sqlx::Error>;
    /// Runs `b` and commits: on SQLite in one round trip, the `COMMIT` sent with the rows.
    async fn finish(self, b: Batch) -> Result<(), sqlx::Error>;
}

impl RunBatch for WriteTx<Sqlite> {
    async fn run(&mut self, b: Batch) -> Result<(), sqlx::Error> {
        if b.is_empty() {
            return Ok(());
        }
        let args = sqlite_arguments(b.args)?;
        let sql = b.sql.join(";\n");
        sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut **self).await?;
        Ok(())
    }

    async fn finish(self, b: Batch) -> Result<(), sqlx::Error> {
        if b.is_empty() {
            return self.commit().await;
        }
        let args = sqlite_arguments(b.args)?;
        let sql = format!("{};\nCOMMIT", b.sql.join(";\n"));
        self.commit_with(sql, args).await
    }
}

impl RunBatch for WriteTx<Postgres> {
    async fn run(&mut self, b: Batch) -> Result<(), sqlx::Error> {
        let Some((last, before)) = b.sql.split_last() else { return Ok(()) };
        let args = postgres_arguments(b.args)?;
        let sql = if before.is_empty() {
            last.clone()
        } else {
            let ctes: Vec<String> = before.iter().enumerate().map(|(i, s)| format!("b{i} AS ({s})")).collect();
            format!("WITH {} {last}", ctes.join(", "))
        };
        sqlx::query_with(AssertSqlSafe(sql), args).execute(&mut **self).await?;
        Ok(())
    }

    async fn finish(mut self, b: Batch) -> Result<(), sqlx::Error> {
        self.run(b).await?;
        self.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::renumber;

    #[test]
    fn renumbers_every_parameter_and_nothing_else() {
        assert_eq!(renumber("VALUES ($1, $2, $10)", 0), "VALUES ($1, $2, $10)");
        assert_eq!(renumber("VALUES ($1, $2, $10)", 3), "VALUES ($4, $5, $13)");
        assert_eq!(renumber("SET a = $1 WHERE b = '$' AND c = $2", 10), "SET a = $11 WHERE b = '$' AND c = $12");
    }
}
