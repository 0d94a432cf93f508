//! User accounts.

use async_trait::async_trait;
use domain::{DisplayName, Email, Role, Timestamp, UserId};

use super::store::StoreError;
use super::tickets::Page;

/// A user account as the use cases see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    /// Its id.
    pub id: UserId,
    /// Its login, normalised.
    pub email: Email,
    /// The name shown for it.
    pub display_name: DisplayName,
    /// Its role.
    pub role: Role,
    /// False once deactivated: it can no longer log in.
    pub active: bool,
    /// When it was created.
    pub created_at: Timestamp,
}

/// An account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Its login.
    pub email: Email,
    /// Its display name.
    pub display_name: DisplayName,
    /// Its role.
    pub role: Role,
    /// The argon2id hash of its password.
    pub password_hash: String,
    /// When.
    pub created_at: Timestamp,
}

/// An account with what an admin needs to see about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDetails {
    /// The account.
    pub account: UserAccount,
    /// Its phone number (E.164), if given.
    pub phone: Option<String>,
    /// Whether its e-mail address was verified (staff-created accounts count as verified).
    pub email_verified: bool,
    /// When its newest session was opened: its last login, if any session is still stored.
    pub last_login_at: Option<Timestamp>,
}

/// A page of accounts to list, newest first (by id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Only these roles (never empty: the use case names what the caller may read).
    pub roles: Vec<Role>,
    /// Only active (`true`) or deactivated (`false`) accounts.
    pub active: Option<bool>,
    /// A case-insensitive substring of the e-mail address or the display name, taken
    /// literally (`%` and `_` are no wildcards).
    pub text: Option<String>,
    /// How many at most (already clamped by the use case).
    pub limit: u32,
    /// Start after (below) this id.
    pub after: Option<UserId>,
}

/// Stores user accounts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Creates an account. MUST return [`StoreError::Duplicate`]`("email")` when the
    /// address is taken.
    async fn insert(&self, account: NewAccount) -> Result<UserAccount, StoreError>;
    /// The account with this id.
    async fn get(&self, id: UserId) -> Result<Option<UserAccount>, StoreError>;
    /// The accounts with these ids, in one read, in any order; unknown ids are left out.
    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<UserAccount>, StoreError>;
    /// The account with this login and its password hash.
    async fn find_credentials(&self, email: &Email) -> Result<Option<(UserAccount, String)>, StoreError>;
    /// True when at least one active admin account exists.
    async fn any_active_admin(&self) -> Result<bool, StoreError>;
    /// One page of the accounts matching `query`, newest (highest id) first; `next` is
    /// the page's last id when more follow (`None` on the last page).
    async fn list_users(&self, query: &UserQuery) -> Result<Page<UserDetails, UserId>, StoreError>;
    /// The account with this id and its details.
    async fn user_details(&self, id: UserId) -> Result<Option<UserDetails>, StoreError>;
    /// How many active admins there are besides `id`. A read outside any transaction:
    /// [`super::Write::UpdateAccount`] checks it again where it counts.
    async fn count_active_admins_except(&self, id: UserId) -> Result<u64, StoreError>;
}
