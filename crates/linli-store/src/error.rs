//! Storage errors, told apart in one place: not found, conflict, invalid, and the rest.

use linli_domain::Invalid;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist (or is outside the actor's scope).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique key or a stale version: `field` names what clashed, for a field message.
    #[error("{what} already exists ({field})")]
    Conflict { what: &'static str, field: &'static str },
    /// The actor's role or token lacks the right for this action.
    #[error("forbidden")]
    Forbidden,
    /// Encrypting or decrypting personal data failed (no key, another key, damaged value).
    #[error(transparent)]
    Key(#[from] crate::privacy::KeyError),
    /// The input broke a domain rule that only the stored data can reveal.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Anything else from the database: logged with its cause, shown as an apology.
    #[error("database error: {0}")]
    Db(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row"),
            other => StoreError::Db(other),
        }
    }
}

impl StoreError {
    /// Maps a unique-key violation to a conflict on `field`, leaving other errors as they are.
    pub(crate) fn unique(what: &'static str, field: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |e| match e.as_database_error() {
            Some(d) if d.is_unique_violation() => StoreError::Conflict { what, field },
            _ => StoreError::from(e),
        }
    }

    pub(crate) fn not_found(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |e| match e {
            sqlx::Error::RowNotFound => StoreError::NotFound(what),
            other => StoreError::Db(other),
        }
    }
}
