//! Password resets: single-use links, stored as the hash of their token.

use async_trait::async_trait;
use domain::{Timestamp, UserId};

use super::notifications::NewNotification;
use super::security::TokenHash;
use super::store::StoreError;

/// One password reset to store: the token's hash, whose it is, when it stops working,
/// and the e-mail carrying the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasswordReset {
    /// The hash of the token the link carries (the token itself is never stored).
    pub token_hash: TokenHash,
    /// Whose password the link resets.
    pub user_id: UserId,
    /// When it was issued.
    pub created_at: Timestamp,
    /// From this instant on it no longer works.
    pub expires_at: Timestamp,
    /// The e-mail with the link.
    pub email: NewNotification,
}

/// Stores password reset tokens. Using one is a write in a change set
/// ([`super::Write::ConsumePasswordReset`]), so it commits with the new password.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordResets: Send + Sync {
    /// Stores the token and queues its e-mail, in one transaction.
    /// [`StoreError::Reference`] when the user does not exist.
    async fn issue_password_reset(&self, reset: NewPasswordReset) -> Result<(), StoreError>;
    /// Whose token `token_hash` is, when it is unused and has not expired at `now`;
    /// `None` otherwise.
    async fn find_password_reset(&self, token_hash: &TokenHash, now: Timestamp) -> Result<Option<UserId>, StoreError>;
    /// Deletes the tokens (used or not) that expired before `before`, through the index
    /// on `expires_at`; returns how many. A used token is kept until then, harmlessly.
    async fn delete_expired_password_resets(&self, before: Timestamp) -> Result<u64, StoreError>;
}
