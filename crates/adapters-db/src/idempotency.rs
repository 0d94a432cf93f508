//! Remembered idempotency keys.

use application::ports::{IdempotencyRecord, IdempotencyRepository, StoreError};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::UserId;

use crate::error::db_error;
use crate::pool::Database;
use crate::schema::idempotency_keys;
use crate::time::from_sql;

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
}
