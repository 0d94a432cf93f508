//! Password reset tokens: stored hashed, used through
//! [`application::ports::Write::ConsumePasswordReset`] (`user_write!`), purged by expiry.

use application::ports::{NewPasswordReset, PasswordResets, StoreError, TokenHash};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::{Timestamp, UserId};

use crate::error::{TxError, db_error};
use crate::notifications::notification_write;
use crate::pool::Database;
use crate::schema::password_resets;
use crate::time::to_sql;

#[async_trait]
impl PasswordResets for Database {
    async fn issue_password_reset(&self, reset: NewPasswordReset) -> Result<(), StoreError> {
        db_tx!(self, conn => {
            diesel::insert_into(password_resets::table)
                .values((
                    password_resets::token_hash.eq(&reset.token_hash.0),
                    password_resets::user_id.eq(reset.user_id.get()),
                    password_resets::created_at.eq(to_sql(reset.created_at)),
                    password_resets::expires_at.eq(to_sql(reset.expires_at)),
                ))
                .execute(conn)
                .await?;
            notification_write!(queue conn, &reset.email);
            Ok::<_, TxError>(())
        })
    }

    async fn find_password_reset(&self, token_hash: &TokenHash, now: Timestamp) -> Result<Option<UserId>, StoreError> {
        let token_hash = token_hash.clone();
        let now = to_sql(now);
        let found: Option<i64> = db_run!(self, conn => {
            password_resets::table
                .find(&token_hash.0)
                .filter(password_resets::used_at.is_null())
                .filter(password_resets::expires_at.gt(now))
                .select(password_resets::user_id)
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        Ok(found.map(UserId::new))
    }

    async fn delete_expired_password_resets(&self, before: Timestamp) -> Result<u64, StoreError> {
        let cutoff = to_sql(before);
        let deleted = db_run!(self, conn => {
            diesel::delete(password_resets::table.filter(password_resets::expires_at.lt(cutoff)))
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(deleted as u64)
    }
}
