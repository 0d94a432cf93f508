//! User accounts.

use application::ports::{NewAccount, Page, StoreError, UserAccount, UserDetails, UserQuery, UserRepository};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::QueryResult;
use diesel_async::RunQueryDsl;
use domain::{DisplayName, Email, Role, UserId};

use crate::error::{corrupt, db_error};
use crate::pool::Database;
use crate::schema::{sessions, users};
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

diesel::define_sql_function! {
    /// SQL `lower`, on both backends (SQLite lowers ASCII letters only).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `text` as a `LIKE` pattern matching it literally anywhere, lowercased: `\`, `%` and
/// `_` escaped with `\` (the query says `ESCAPE '\'`).
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The columns of an account's details besides the account itself.
type DetailRow = (UserRow, Option<String>, bool);

/// The details of `rows`, with each account's newest session as its last login (one
/// grouped read through the `sessions_user_id` index).
fn details_of(rows: Vec<DetailRow>, logins: Vec<(i64, Option<NaiveDateTime>)>) -> Result<Vec<UserDetails>, StoreError> {
    let logins: std::collections::HashMap<i64, NaiveDateTime> = logins
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect();
    rows.into_iter()
        .map(|(row, phone, email_verified)| {
            let last_login_at = logins.get(&row.id).copied().map(from_sql);
            Ok(UserDetails {
                account: row.into_account()?,
                phone,
                email_verified,
                last_login_at,
            })
        })
        .collect()
}

/// The ids of the active admins, locked until the transaction ends (PostgreSQL), so that
/// changes taking an admin away take turns: a second one waits, then sees the first's
/// result (rows no longer matching are left out after the wait).
pub(crate) async fn lock_active_admins_postgres(conn: &mut diesel_async::AsyncPgConnection) -> QueryResult<Vec<i64>> {
    users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .for_update()
        .load(conn)
        .await
}

/// SQLite's [`lock_active_admins_postgres`]: the `BEGIN IMMEDIATE` transaction already
/// has the database to itself.
pub(crate) async fn lock_active_admins_sqlite(conn: &mut crate::pool::SqliteConnection) -> QueryResult<Vec<i64>> {
    users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)
        .await
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

    async fn list_users(&self, query: &UserQuery) -> Result<Page<UserDetails, UserId>, StoreError> {
        let roles: Vec<&'static str> = query.roles.iter().map(|r| r.as_str()).collect();
        let active = query.active;
        let pattern = query.text.as_deref().map(contains_pattern);
        let after = query.after.map(UserId::get);
        let fetch = i64::from(query.limit) + 1;
        let (rows, logins) = db_run!(self, conn => {
            // Newest first through the primary key; the filters are checked on the way.
            let mut q = users::table
                .filter(users::role.eq_any(roles.clone()))
                .select((UserRow::as_select(), users::phone, users::email_verified))
                .order(users::id.desc())
                .limit(fetch)
                .into_boxed();
            if let Some(active) = active {
                q = q.filter(users::active.eq(active));
            }
            if let Some(after) = after {
                q = q.filter(users::id.lt(after));
            }
            if let Some(p) = &pattern {
                q = q.filter(
                    lower(users::email)
                        .like(p.clone())
                        .escape('\\')
                        .or(lower(users::display_name).like(p.clone()).escape('\\')),
                );
            }
            let rows: Vec<DetailRow> = q.load(conn).await.map_err(db_error)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.0.id).collect();
            let logins: Vec<(i64, Option<NaiveDateTime>)> = sessions::table
                .filter(sessions::user_id.eq_any(ids))
                .group_by(sessions::user_id)
                .select((sessions::user_id, diesel::dsl::max(sessions::created_at)))
                .load(conn)
                .await
                .map_err(db_error)?;
            (rows, logins)
        });
        let mut items = details_of(rows, logins)?;
        let next = if items.len() > query.limit as usize {
            items.truncate(query.limit as usize);
            items.last().map(|d| d.account.id)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn user_details(&self, id: UserId) -> Result<Option<UserDetails>, StoreError> {
        let (rows, logins) = db_run!(self, conn => {
            let rows: Vec<DetailRow> = users::table
                .find(id.get())
                .select((UserRow::as_select(), users::phone, users::email_verified))
                .load(conn)
                .await
                .map_err(db_error)?;
            let logins: Vec<(i64, Option<NaiveDateTime>)> = sessions::table
                .filter(sessions::user_id.eq(id.get()))
                .group_by(sessions::user_id)
                .select((sessions::user_id, diesel::dsl::max(sessions::created_at)))
                .load(conn)
                .await
                .map_err(db_error)?;
            (rows, logins)
        });
        Ok(details_of(rows, logins)?.into_iter().next())
    }

    async fn count_active_admins_except(&self, id: UserId) -> Result<u64, StoreError> {
        let count: i64 = db_run!(self, conn => {
            users::table
                .filter(users::role.eq(Role::Admin.as_str()))
                .filter(users::active.eq(true))
                .filter(users::id.ne(id.get()))
                .count()
                .get_result(conn)
                .await
                .map_err(db_error)?
        });
        Ok(u64::try_from(count).unwrap_or_default())
    }
}

/// Applies the account writes of a change set ([`application::ports::Write::SetPassword`],
/// [`application::ports::Write::UpdateAccount`]) on a transaction's connection.
macro_rules! user_write {
    (update $conn:ident, $user_id:expr, $name:expr, $role:expr, $active:expr, $keep_an_admin:expr) => {{
        use diesel::ExpressionMethods as _;
        use diesel::QueryDsl as _;
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::users;
        let conn = &mut *$conn;
        let user_id: domain::UserId = $user_id;
        let name: Option<String> = $name.as_ref().map(|n: &domain::DisplayName| n.as_str().to_owned());
        let role: Option<&'static str> = $role.map(domain::Role::as_str);
        let active: Option<bool> = $active;
        if $keep_an_admin {
            // Locked first, so a concurrent change taking away another admin waits and
            // then counts what this one leaves.
            let admins: Vec<i64> = dialect::lock_active_admins(conn).await?;
            if !admins.iter().any(|id| *id != user_id.get()) {
                return Err($crate::error::TxError::Store(application::ports::StoreError::LastAdmin));
            }
        }
        let changed = diesel::update(users::table.find(user_id.get()))
            .set((
                name.map(|n| users::display_name.eq(n)),
                role.map(|r| users::role.eq(r)),
                active.map(|a| users::active.eq(a)),
            ))
            .execute(conn)
            .await;
        let changed = match changed {
            // Nothing to set: diesel refuses an empty SET; check the account exists.
            Err(diesel::result::Error::QueryBuilderError(_)) => users::table
                .find(user_id.get())
                .count()
                .get_result::<i64>(conn)
                .await
                .map_err($crate::error::db_error)?
                as usize,
            other => other.map_err($crate::error::db_error)?,
        };
        if changed == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::Reference("user"),
            ));
        }
    }};
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
