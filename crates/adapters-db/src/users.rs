//! User accounts.

use application::ports::{NewAccount, StoreError, UserAccount, UserRepository};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::{DisplayName, Email, Role, UserId};

use crate::error::{corrupt, db_error};
use crate::pool::Database;
use crate::schema::users;
use crate::time::{from_sql, to_sql};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    active: bool,
    created_at: NaiveDateTime,
}

impl UserRow {
    pub(crate) fn into_account(self) -> Result<UserAccount, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("user", e);
        Ok(UserAccount {
            id: UserId::new(self.id),
            email: Email::parse(&self.email).map_err(|e| bad(&e))?,
            display_name: DisplayName::parse(&self.display_name).map_err(|e| bad(&e))?,
            role: Role::parse(&self.role).map_err(|e| bad(&e))?,
            active: self.active,
            created_at: from_sql(self.created_at),
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_default_value = false)]
struct NewUserRow {
    email: String,
    display_name: String,
    role: &'static str,
    password_hash: String,
    active: bool,
    created_at: NaiveDateTime,
}

#[async_trait]
impl UserRepository for Database {
    async fn insert(&self, account: NewAccount) -> Result<UserAccount, StoreError> {
        let row = NewUserRow {
            email: account.email.to_string(),
            display_name: account.display_name.to_string(),
            role: account.role.as_str(),
            password_hash: account.password_hash,
            active: true,
            created_at: to_sql(account.created_at),
        };
        let stored: UserRow = db_run!(self, conn => {
            diesel::insert_into(users::table)
                .values(&row)
                .returning(UserRow::as_returning())
                .get_result(conn)
                .await
                .map_err(|e| match db_error(e) {
                    StoreError::Duplicate(_) => StoreError::Duplicate("email"),
                    other => other,
                })?
        });
        stored.into_account()
    }

    async fn get(&self, id: UserId) -> Result<Option<UserAccount>, StoreError> {
        let row: Option<UserRow> = db_run!(self, conn => {
            users::table.find(id.get()).select(UserRow::as_select()).first(conn).await.optional().map_err(db_error)?
        });
        row.map(UserRow::into_account).transpose()
    }

    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<UserAccount>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        let rows: Vec<UserRow> = db_run!(self, conn => {
            users::table
                .filter(users::id.eq_any(ids.clone()))
                .select(UserRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        rows.into_iter().map(UserRow::into_account).collect()
    }

    async fn find_credentials(&self, email: &Email) -> Result<Option<(UserAccount, String)>, StoreError> {
        let email = email.clone();
        let row: Option<(UserRow, String)> = db_run!(self, conn => {
            users::table
                .filter(users::email.eq(email.as_str()))
                .select((UserRow::as_select(), users::password_hash))
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(|(u, hash)| Ok((u.into_account()?, hash))).transpose()
    }

    async fn any_active_admin(&self) -> Result<bool, StoreError> {
        let found: Option<i64> = db_run!(self, conn => {
            users::table
                .filter(users::role.eq("admin"))
                .filter(users::active.eq(true))
                .select(users::id)
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        Ok(found.is_some())
    }
}

/// Applies the account writes of a change set ([`application::ports::Write::SetPassword`])
/// on a transaction's connection.
macro_rules! user_write {
    (password $conn:ident, $user_id:expr, $hash:expr) => {{
        use diesel::ExpressionMethods as _;
        use diesel::QueryDsl as _;
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::users;
        let user_id: domain::UserId = $user_id;
        let hash: &String = $hash;
        let changed = diesel::update(users::table.find(user_id.get()))
            .set(users::password_hash.eq(hash))
            .execute($conn)
            .await
            .map_err($crate::error::db_error)?;
        if changed == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::Reference("user"),
            ));
        }
    }};
    (consume_reset $conn:ident, $token_hash:expr, $user_id:expr, $at:expr) => {{
        use diesel::ExpressionMethods as _;
        use diesel::QueryDsl as _;
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::password_resets;
        let token_hash: &application::ports::TokenHash = $token_hash;
        let user_id: domain::UserId = $user_id;
        let at = $crate::time::to_sql($at);
        // Guarded: of two concurrent uses, the second finds `used_at` set and changes
        // nothing (PostgreSQL re-checks the condition after the first commits).
        let used = diesel::update(
            password_resets::table
                .find(&token_hash.0)
                .filter(password_resets::user_id.eq(user_id.get()))
                .filter(password_resets::used_at.is_null())
                .filter(password_resets::expires_at.gt(at)),
        )
        .set(password_resets::used_at.eq(Some(at)))
        .execute($conn)
        .await
        .map_err($crate::error::db_error)?;
        if used == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::VersionConflict,
            ));
        }
        diesel::update(
            password_resets::table
                .filter(password_resets::user_id.eq(user_id.get()))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(Some(at)))
        .execute($conn)
        .await
        .map_err($crate::error::db_error)?;
    }};
}
pub(crate) use user_write;
