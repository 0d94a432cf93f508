//! Self-registration: accounts waiting for their address to be verified.

use async_trait::async_trait;
use domain::{Timestamp, UserId};

use super::notifications::NewNotification;
use super::security::TokenHash;
use super::store::StoreError;
use super::users::{NewAccount, UserAccount};

/// One sign-up, as stored: the account, the hash of the token its e-mail carries, when
/// that token stops working, and the e-mail itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpRecord {
    /// The account; its password hash is the one this sign-up chose.
    pub account: NewAccount,
    /// The verification token's hash.
    pub token_hash: TokenHash,
    /// When the token stops working.
    pub expires_at: Timestamp,
    /// The verification e-mail; its recipient is filled in by the store.
    pub email: NewNotification,
}

/// What a sign-up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedUp {
    /// A new account, inactive until verified; the e-mail is queued.
    Created(UserId),
    /// The address belongs to an account still waiting for verification: this sign-up's
    /// token (with its own password) is added and its e-mail queued.
    Pending(UserId),
    /// The address belongs to a verified account: nothing was stored.
    Exists(UserId),
}

/// Stores sign-ups and verifies them.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Registrations: Send + Sync {
    /// In one transaction: the account (inactive, unverified) unless the address has
    /// one, the verification token and its e-mail (addressed to the account).
    async fn sign_up(&self, record: SignUpRecord) -> Result<SignedUp, StoreError>;
    /// Follows a verification link: when the token exists and has not expired at `now`,
    /// the account takes that sign-up's password, becomes verified and active, and every
    /// token of the account is deleted; returns the account. `None` for an unknown,
    /// used or expired token, and for an account verified already.
    async fn verify_email(&self, token_hash: &TokenHash, now: Timestamp) -> Result<Option<UserAccount>, StoreError>;
    /// Queues an e-mail outside any ticket (to the owner of an address that signed up
    /// again, say).
    async fn queue_email(&self, email: NewNotification) -> Result<(), StoreError>;
    /// Deletes verification tokens that expired before `before`; returns how many. (An
    /// account whose every link expired stays inactive until its owner signs up again.)
    async fn delete_expired_verifications(&self, before: Timestamp) -> Result<u64, StoreError>;
}
