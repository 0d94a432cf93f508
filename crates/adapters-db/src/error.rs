//! Turning Diesel and pool errors into the application's [`StoreError`].

use application::ports::StoreError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL names no supported database.
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB")]
    UnsupportedUrl(String),
    /// The pool could not be built or the first connection failed.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// Applying migrations failed.
    #[error("cannot apply database migrations: {0}")]
    Migrate(String),
}

/// Any pool failure means the database cannot be reached now.
pub(crate) fn pool_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Maps a Diesel error outside a transaction.
pub(crate) fn db_error(e: DieselError) -> StoreError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Duplicate("record"),
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => StoreError::Reference("record"),
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
            StoreError::Unavailable(info.message().to_owned())
        }
        DieselError::DatabaseError(_, info) if info.message().contains("database is locked") => {
            StoreError::Unavailable(info.message().to_owned())
        }
        other => StoreError::Failure(other.to_string()),
    }
}

/// An error inside a transaction: either Diesel's, or a decision of ours (a lost
/// version race) that must roll the transaction back.
#[derive(Debug)]
pub(crate) enum TxError {
    Diesel(DieselError),
    Store(StoreError),
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        Self::Diesel(e)
    }
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl TxError {
    pub(crate) fn into_store(self) -> StoreError {
        match self {
            Self::Diesel(e) => db_error(e),
            Self::Store(e) => e,
        }
    }
}

/// A stored value the domain refuses: corrupt data or a schema drift.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Failure(format!("stored {what} is invalid: {e}"))
}

/// Inside a transaction, a unique violation is the `refusal` the caller can act on (a
/// lost race, a key remembered before); any other error stays Diesel's.
pub(crate) fn unique_violation_as(refusal: StoreError) -> impl FnOnce(DieselError) -> TxError {
    move |e| match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => TxError::Store(refusal),
        other => TxError::Diesel(other),
    }
}
