//! Remembered `Idempotency-Key`s.

use async_trait::async_trait;
use domain::{Timestamp, UserId};

use super::store::StoreError;

/// What a create with an idempotency key produced, so a retry can return the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Whose key it is: keys are scoped per user.
    pub user_id: UserId,
    /// What kind of request it was, such as `create_ticket`.
    pub scope: &'static str,
    /// The client's key.
    pub key: String,
    /// A fingerprint of the request, to refuse the same key with a different request.
    pub fingerprint: String,
    /// The id of what was created.
    pub resource_id: i64,
    /// When.
    pub created_at: Timestamp,
}

/// Looks up remembered keys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyRepository: Send + Sync {
    /// The record for this user, scope and key, if any.
    async fn find(
        &self,
        user_id: UserId,
        scope: &'static str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;
    /// Deletes at most `limit` keys remembered before `before`, oldest first, in one
    /// statement (through the index on their age); returns how many. Keys remembered at
    /// or after `before` MUST stay: a retry within the window is still answered.
    async fn purge_keys(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError>;
}
