//! Where the bytes of uploaded files live.

use async_trait::async_trait;
pub use bytes::Bytes;
use futures_util::stream::BoxStream;

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

/// Bytes as they arrive, a chunk at a time: a file is never held whole in memory.
pub type ByteStream = BoxStream<'static, Result<Bytes, BlobError>>;

/// A blob being read: its size, known before its first byte, and its bytes as a stream.
pub struct BlobRead {
    /// Its size in bytes (the response's `Content-Length`).
    pub size: u64,
    /// Its bytes, read from the store as the stream is polled.
    pub stream: ByteStream,
}

impl std::fmt::Debug for BlobRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobRead")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// Stores file contents under keys the application chooses (ids only, never file
/// names). Implementations: the local file system and S3-compatible object storage.
///
/// Both directions stream: `put` consumes the bytes as it stores them and `get` hands
/// them out as they are read, so the memory a transfer takes does not grow with the file.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores the bytes `body` yields under `key`, replacing what was there. Done when it
    /// returns `Ok`: a reader will find the whole blob or none of it. An error from `body`
    /// ends the put with that error and stores nothing.
    async fn put(&self, key: &str, body: ByteStream) -> Result<(), BlobError>;
    /// The blob under `key`, streamed; [`BlobError::NotFound`] when there is none.
    async fn get(&self, key: &str) -> Result<BlobRead, BlobError>;
    /// Removes the blob under `key`; removing a missing blob is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}

/// A stream of one chunk: `bytes` as a [`ByteStream`].
pub fn single_chunk(bytes: impl Into<Bytes>) -> ByteStream {
    let bytes: Bytes = bytes.into();
    Box::pin(futures_util::stream::once(async move { Ok(bytes) }))
}
