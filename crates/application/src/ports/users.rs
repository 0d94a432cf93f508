//! User accounts.

use async_trait::async_trait;
use domain::{DisplayName, Email, Role, Timestamp, UserId};

use super::store::StoreError;

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
}
