//! Self-registration: accounts waiting for their address to be verified.

use application::ports::{NewNotification, Registrations, SignUpRecord, SignedUp, StoreError, TokenHash, UserAccount};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::{Timestamp, UserId};

use crate::error::{TxError, db_error};
use crate::notifications::notification_write;
use crate::pool::Database;
use crate::schema::{email_verifications, users};
use crate::time::to_sql;
use crate::users::UserRow;

#[async_trait]
impl Registrations for Database {
    async fn sign_up(&self, record: SignUpRecord) -> Result<SignedUp, StoreError> {
        db_tx!(self, conn => {
            let existing: Option<(i64, bool)> = users::table
                .filter(users::email.eq(record.account.email.as_str()))
                .select((users::id, users::email_verified))
                .first(conn)
                .await
                .optional()?;
            let outcome = match existing {
                Some((id, true)) => return Ok(SignedUp::Exists(UserId::new(id))),
                Some((id, false)) => SignedUp::Pending(UserId::new(id)),
                None => {
                    let id: i64 = diesel::insert_into(users::table)
                        .values((
                            users::email.eq(record.account.email.as_str()),
                            users::display_name.eq(record.account.display_name.as_str()),
                            users::role.eq(record.account.role.as_str()),
                            users::password_hash.eq(&record.account.password_hash),
                            users::active.eq(false),
                            users::email_verified.eq(false),
                            users::created_at.eq(to_sql(record.account.created_at)),
                        ))
                        .returning(users::id)
                        .get_result(conn)
                        .await?;
                    SignedUp::Created(UserId::new(id))
                }
            };
            let (SignedUp::Created(user) | SignedUp::Pending(user) | SignedUp::Exists(user)) = outcome;
            diesel::insert_into(email_verifications::table)
                .values((
                    email_verifications::token_hash.eq(&record.token_hash.0),
                    email_verifications::user_id.eq(user.get()),
                    email_verifications::password_hash.eq(&record.account.password_hash),
                    email_verifications::created_at.eq(to_sql(record.account.created_at)),
                    email_verifications::expires_at.eq(to_sql(record.expires_at)),
                ))
                .execute(conn)
                .await?;
            let mut email = record.email.clone();
            email.recipient_id = Some(user);
            notification_write!(queue conn, &email);
            Ok::<_, TxError>(outcome)
        })
    }

    async fn verify_email(&self, token_hash: &TokenHash, now: Timestamp) -> Result<Option<UserAccount>, StoreError> {
        let token_hash = token_hash.clone();
        let row: Option<UserRow> = db_tx!(self, conn => {
            let found: Option<(i64, String)> = email_verifications::table
                .find(&token_hash.0)
                .filter(email_verifications::expires_at.gt(to_sql(now)))
                .select((email_verifications::user_id, email_verifications::password_hash))
                .first(conn)
                .await
                .optional()?;
            let Some((user_id, password_hash)) = found else {
                return Ok(None);
            };
            let updated = diesel::update(
                users::table.find(user_id).filter(users::email_verified.eq(false)),
            )
            .set((
                users::email_verified.eq(true),
                users::active.eq(true),
                users::password_hash.eq(&password_hash),
            ))
            .returning(UserRow::as_returning())
            .get_result(conn)
            .await
            .optional()?;
            diesel::delete(email_verifications::table.filter(email_verifications::user_id.eq(user_id)))
                .execute(conn)
                .await?;
            Ok::<_, TxError>(updated)
        })?;
        row.map(UserRow::into_account).transpose()
    }

    async fn queue_email(&self, email: NewNotification) -> Result<(), StoreError> {
        db_tx!(self, conn => {
            notification_write!(queue conn, &email);
            Ok::<_, TxError>(())
        })
    }

    async fn delete_expired_verifications(&self, before: Timestamp) -> Result<u64, StoreError> {
        let cutoff = to_sql(before);
        let deleted = db_run!(self, conn => {
            diesel::delete(email_verifications::table.filter(email_verifications::expires_at.lt(cutoff)))
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(deleted as u64)
    }
}
