//! Login sessions behind bearer tokens.

use async_trait::async_trait;
use domain::{Timestamp, UserId};

use super::security::TokenHash;
use super::store::StoreError;
use super::users::UserAccount;

/// A login session: the hash of its token, whose it is and how long it lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The token's hash.
    pub token_hash: TokenHash,
    /// The user it authenticates.
    pub user_id: UserId,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Stores sessions.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session.
    async fn insert(&self, session: Session) -> Result<(), StoreError>;
    /// The active account behind an unexpired, unrevoked session with this hash.
    /// MUST return `None` for expired or revoked sessions and for deactivated accounts.
    async fn authenticate(&self, token_hash: &TokenHash, now: Timestamp) -> Result<Option<UserAccount>, StoreError>;
    /// Revokes the session; revoking an unknown or revoked session is not an error.
    async fn revoke(&self, token_hash: &TokenHash, now: Timestamp) -> Result<(), StoreError>;
    /// Deletes at most `limit` sessions that expired before `before` (revoked or not),
    /// earliest first, in one statement (through the `expires_at` index); returns how
    /// many.
    async fn delete_ended_before(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError>;
}
