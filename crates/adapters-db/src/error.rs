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

/// What PostgreSQL and SQLite say when they cannot serve now, though a retry later may
/// succeed. diesel-async keeps no SQLSTATE of PostgreSQL's errors except a few
/// constraint kinds (the rest arrive as `Unknown` with the server's message), so the
/// messages are matched; they are PostgreSQL's English texts (`lc_messages` `C` or `en`,
/// the default of initdb in an English or C locale). A connection lost for any other
/// reason is caught by [`unavailable_if_lost`].
const UNAVAILABLE_MESSAGES: &[&str] = &[
    // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P05 idle_session_timeout
    "terminating connection",
    // 57P03 cannot_connect_now
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "the database system is not accepting connections",
    // 57014 query_canceled by `statement_timeout` (not a cancel the client asked for)
    "canceling statement due to statement timeout",
    // 08xxx connection_exception sent by the server
    "connection failure",
    "connection does not exist",
    // SQLITE_BUSY after busy_timeout, SQLITE_FULL
    "database is locked",
    "database or disk is full",
];

fn says_unavailable(message: &str) -> bool {
    UNAVAILABLE_MESSAGES.iter().any(|m| message.contains(m))
}

/// Whether `e` means the database cannot serve now: the connection is gone (diesel-async
/// reports tokio-postgres' own I/O errors, which carry no SQLSTATE, as
/// `UnableToSendCommand`), the server is shutting down or starting up, a statement ran
/// past the statement timeout, SQLite is locked or its disk full.
fn is_unavailable(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => {
            true
        }
        DieselError::DatabaseError(_, info) => says_unavailable(info.message()),
        // A transaction whose rollback failed left the connection unusable.
        DieselError::BrokenTransactionManager => true,
        DieselError::RollbackErrorOnCommit {
            commit_error,
            rollback_error,
        } => is_unavailable(commit_error) || is_unavailable(rollback_error),
        _ => false,
    }
}

/// Maps a Diesel error outside a transaction.
pub(crate) fn db_error(e: DieselError) -> StoreError {
    if is_unavailable(&e) {
        return StoreError::Unavailable(e.to_string());
    }
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Duplicate("record"),
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => StoreError::Reference("record"),
        other => StoreError::Failure(other.to_string()),
    }
}

/// A failure on a connection that is now closed or broken was the connection's loss
/// (whatever the server said last): the database is unavailable, not failing.
pub(crate) fn unavailable_if_lost<C, T>(conn: &mut C, outcome: Result<T, StoreError>) -> Result<T, StoreError>
where
    C: diesel_async::pooled_connection::PoolableConnection,
{
    match outcome {
        Err(StoreError::Failure(cause)) if conn.is_broken() => Err(StoreError::Unavailable(cause)),
        other => other,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    fn is_503(e: StoreError) -> bool {
        matches!(e, StoreError::Unavailable(_))
    }

    #[test]
    fn a_lost_or_refused_connection_is_unavailable() {
        for error in [
            // What diesel-async makes of tokio-postgres' "connection closed" and I/O errors.
            database_error(DatabaseErrorKind::UnableToSendCommand, "connection closed"),
            database_error(
                DatabaseErrorKind::UnableToSendCommand,
                "error communicating with the server: Broken pipe",
            ),
            database_error(DatabaseErrorKind::ClosedConnection, "server closed the connection"),
            // 57P01, 57P02, 57P03 arrive as Unknown with the server's message.
            database_error(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            database_error(
                DatabaseErrorKind::Unknown,
                "terminating connection because of crash of another server process",
            ),
            database_error(DatabaseErrorKind::Unknown, "the database system is starting up"),
            database_error(DatabaseErrorKind::Unknown, "the database system is shutting down"),
            database_error(
                DatabaseErrorKind::Unknown,
                "canceling statement due to statement timeout",
            ),
            // SQLite: SQLITE_BUSY after the busy timeout, SQLITE_FULL.
            database_error(DatabaseErrorKind::Unknown, "database is locked"),
            database_error(DatabaseErrorKind::Unknown, "database or disk is full"),
            DieselError::BrokenTransactionManager,
            DieselError::RollbackErrorOnCommit {
                commit_error: Box::new(database_error(
                    DatabaseErrorKind::UnableToSendCommand,
                    "connection closed",
                )),
                rollback_error: Box::new(DieselError::BrokenTransactionManager),
            },
        ] {
            let shown = format!("{error:?}");
            assert!(is_503(db_error(error)), "{shown} should be Unavailable");
            let in_transaction = TxError::from(database_error(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ));
            assert!(is_503(in_transaction.into_store()));
        }
    }

    #[test]
    fn other_errors_stay_what_they_were() {
        assert!(matches!(
            db_error(database_error(DatabaseErrorKind::UniqueViolation, "duplicate key")),
            StoreError::Duplicate(_)
        ));
        assert!(matches!(
            db_error(database_error(DatabaseErrorKind::ForeignKeyViolation, "fk")),
            StoreError::Reference(_)
        ));
        assert!(matches!(
            db_error(database_error(
                DatabaseErrorKind::Unknown,
                "syntax error at or near \"x\""
            )),
            StoreError::Failure(_)
        ));
        assert!(matches!(db_error(DieselError::NotFound), StoreError::Failure(_)));
        assert!(matches!(
            db_error(database_error(
                DatabaseErrorKind::Unknown,
                "canceling statement due to user request"
            )),
            StoreError::Failure(_)
        ));
    }
}
