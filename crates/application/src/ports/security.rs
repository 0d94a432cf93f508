//! Passwords and bearer tokens.

use async_trait::async_trait;

/// The stored form of a bearer token: a one-way hash, so a leaked table grants nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

/// Hashes and verifies passwords. Deliberately slow, so implementations run the work off
/// the async executor's threads.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A salted, slow hash of `password` in PHC string format.
    async fn hash(&self, password: &str) -> Result<String, String>;
    /// True when `password` matches `hash`. A malformed hash never matches.
    /// With `hash` = `None`, spends the time of one verification and returns false, so an
    /// unknown login takes as long as a wrong password.
    async fn verify<'a>(&self, password: &str, hash: Option<&'a str>) -> bool;
}

/// Creates opaque bearer tokens and hashes presented ones.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync {
    /// A new random token and its hash. Only the hash is stored.
    fn issue(&self) -> (String, TokenHash);
    /// The hash of a presented token, to look it up.
    fn hash(&self, token: &str) -> TokenHash;
}
