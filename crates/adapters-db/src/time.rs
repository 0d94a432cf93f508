//! Instants between the domain's [`Timestamp`] and SQL `TIMESTAMP` (UTC).

use chrono::{DateTime, NaiveDateTime};
use domain::Timestamp;

/// The SQL value of an instant.
pub(crate) fn to_sql(t: Timestamp) -> NaiveDateTime {
    DateTime::from_timestamp_micros(t.unix_micros())
        .unwrap_or(DateTime::UNIX_EPOCH)
        .naive_utc()
}

/// The instant of a SQL value.
pub(crate) fn from_sql(t: NaiveDateTime) -> Timestamp {
    Timestamp::from_unix_micros(t.and_utc().timestamp_micros())
}
