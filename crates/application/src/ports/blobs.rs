//! Where the bytes of uploaded files live.

use async_trait::async_trait;

/// What went wrong in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// No blob under this key.
    #[error("no blob under this key")]
    NotFound,
    /// The store failed or cannot be reached; retrying later may succeed.
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
}

/// Stores file contents under keys the application chooses (ids only, never file
/// names). Implementations: the local file system and S3-compatible object storage.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing what was there. Done when it returns `Ok`:
    /// a reader will find the whole blob or none of it.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError>;
    /// The bytes under `key`.
    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError>;
    /// Removes the blob under `key`; removing a missing blob is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}
