//! Remembered idempotency keys: finding them, and remembering one in a unit of work.

use application::ports::{IdempotencyRecord, IdempotencyRepository, StoreError};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::{Timestamp, UserId};

use crate::error::db_error;
use crate::pool::Database;
use crate::schema::idempotency_keys;
use crate::time::{from_sql, to_sql};

/// An `idempotency_keys` row.
#[derive(Insertable)]
#[diesel(table_name = idempotency_keys)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct IdempotencyRow {
    user_id: i64,
    scope: &'static str,
    key: String,
    fingerprint: String,
    resource_id: i64,
    created_at: chrono::NaiveDateTime,
}

impl IdempotencyRow {
    /// The row remembering `r`.
    pub(crate) fn of(r: &IdempotencyRecord) -> Self {
        Self {
            user_id: r.user_id.get(),
            scope: r.scope,
            key: r.key.clone(),
            fingerprint: r.fingerprint.clone(),
            resource_id: r.resource_id,
            created_at: to_sql(r.created_at),
        }
    }
}

#[async_trait]
impl IdempotencyRepository for Database {
    async fn find(
        &self,
        user_id: UserId,
        scope: &'static str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let lookup = key.to_owned();
        let row: Option<(String, i64, chrono::NaiveDateTime)> = db_run!(self, conn => {
            idempotency_keys::table
                .find((user_id.get(), scope, lookup.as_str()))
                .select((idempotency_keys::fingerprint, idempotency_keys::resource_id, idempotency_keys::created_at))
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        Ok(row.map(|(fingerprint, resource_id, created_at)| IdempotencyRecord {
            user_id,
            scope,
            key: key.to_owned(),
            fingerprint,
            resource_id,
            created_at: from_sql(created_at),
        }))
    }

    async fn purge_keys(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError> {
        use diesel::sql_types::{BigInt, Timestamp as SqlTimestamp};
        let (before, limit) = (to_sql(before), i64::from(limit));
        let deleted = db_run!(self, conn => {
            // The oldest `limit` due keys, found through `idempotency_keys_created` and
            // deleted by row address (the key is three columns).
            diesel::sql_query(dialect::PURGE_IDEMPOTENCY_KEYS)
                .bind::<SqlTimestamp, _>(before)
                .bind::<BigInt, _>(limit)
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(deleted as u64)
    }
}

/// Applies [`application::ports::Write::RememberIdempotencyKey`] on `$conn` inside the
/// unit of work's transaction (expanded per backend there, see [`crate::unit_of_work`]):
/// a key remembered already (a concurrent retry committed first) is
/// [`StoreError::Duplicate`]`("idempotency_key")`.
macro_rules! idempotency_write {
    (remember $conn:ident, $record:expr) => {{
        use diesel_async::RunQueryDsl as _;
        diesel::insert_into($crate::schema::idempotency_keys::table)
            .values($crate::idempotency::IdempotencyRow::of($record))
            .execute($conn)
            .await
            .map_err($crate::error::unique_violation_as(
                application::ports::StoreError::Duplicate("idempotency_key"),
            ))?;
    }};
}
pub(crate) use idempotency_write;
