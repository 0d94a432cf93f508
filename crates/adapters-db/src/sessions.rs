//! Login sessions.

use application::ports::{Session, SessionRepository, StoreError, TokenHash, UserAccount};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::Timestamp;

use crate::error::db_error;
use crate::pool::Database;
use crate::schema::{sessions, users};
use crate::time::to_sql;
use crate::users::UserRow;

#[async_trait]
impl SessionRepository for Database {
    async fn insert(&self, session: Session) -> Result<(), StoreError> {
        db_run!(self, conn => {
            diesel::insert_into(sessions::table)
                .values((
                    sessions::token_hash.eq(&session.token_hash.0),
                    sessions::user_id.eq(session.user_id.get()),
                    sessions::created_at.eq(to_sql(session.created_at)),
                    sessions::expires_at.eq(to_sql(session.expires_at)),
                ))
                .execute(conn)
                .await
                .map_err(db_error)?;
        });
        Ok(())
    }

    async fn authenticate(&self, token_hash: &TokenHash, now: Timestamp) -> Result<Option<UserAccount>, StoreError> {
        let token_hash = token_hash.clone();
        let row: Option<UserRow> = db_run!(self, conn => {
            sessions::table
                .inner_join(users::table)
                .filter(sessions::token_hash.eq(&token_hash.0))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::expires_at.gt(to_sql(now)))
                .filter(users::active.eq(true))
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(UserRow::into_account).transpose()
    }

    async fn revoke(&self, token_hash: &TokenHash, now: Timestamp) -> Result<(), StoreError> {
        let token_hash = token_hash.clone();
        db_run!(self, conn => {
            diesel::update(sessions::table.find(&token_hash.0).filter(sessions::revoked_at.is_null()))
                .set(sessions::revoked_at.eq(Some(to_sql(now))))
                .execute(conn)
                .await
                .map_err(db_error)?;
        });
        Ok(())
    }

    async fn delete_ended_before(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError> {
        let (cutoff, limit) = (to_sql(before), i64::from(limit));
        let deleted = db_run!(self, conn => {
            // Revoked sessions go once they would have expired, so the expires_at index
            // serves the whole delete; at most `limit` rows, so no long lock.
            let due: Vec<String> = sessions::table
                .filter(sessions::expires_at.lt(cutoff))
                .order(sessions::expires_at.asc())
                .select(sessions::token_hash)
                .limit(limit)
                .load(conn)
                .await
                .map_err(db_error)?;
            diesel::delete(sessions::table.filter(sessions::token_hash.eq_any(&due)))
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(deleted as u64)
    }
}

/// Applies [`application::ports::Write::RevokeSessions`] on a transaction's connection.
macro_rules! session_write {
    (revoke_all $conn:ident, $user_id:expr, $except:expr, $at:expr) => {{
        use diesel::ExpressionMethods as _;
        use diesel::QueryDsl as _;
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::sessions;
        let user_id: domain::UserId = $user_id;
        let except: &Option<application::ports::TokenHash> = $except;
        let at = $crate::time::to_sql($at);
        // Through the sessions_user_id index; the caller's own session may stay.
        let keep = except.as_ref().map_or(String::new(), |h| h.0.clone());
        diesel::update(
            sessions::table
                .filter(sessions::user_id.eq(user_id.get()))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::token_hash.ne(keep)),
        )
        .set(sessions::revoked_at.eq(Some(at)))
        .execute($conn)
        .await
        .map_err($crate::error::db_error)?;
    }};
}
pub(crate) use session_write;
