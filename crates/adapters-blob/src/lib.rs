//! Where attachment bytes live: the local file system (the embedded default, under the
//! data directory) or S3-compatible object storage, both through the `object_store` crate.
//!
//! Keys come from the application and are made of ids only (`tickets/12/34`); they are
//! parsed as object-store paths, which refuses `..` and empty segments, so nothing a
//! client sends can address a file outside the store.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::sync::Arc;

use application::ports::{BlobError, BlobRead, BlobStore, ByteStream};
use async_trait::async_trait;
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

/// What a put buffers before it switches to a multipart upload: S3's smallest part, so
/// a stored file never takes more memory than this however large it is.
const PUT_BUFFER_BYTES: usize = 5 * 1024 * 1024;

/// Which blob store to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobConfig {
    /// A directory on the local file system, created if missing.
    Local {
        /// The directory.
        root: PathBuf,
    },
    /// An S3 bucket, or any S3-compatible store (MinIO, Ceph, R2, ...).
    S3(S3Config),
}

/// An S3-compatible bucket.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// The bucket.
    pub bucket: String,
    /// The region, such as `eu-central-1`.
    pub region: String,
    /// The endpoint of an S3-compatible service; `None` for AWS itself.
    pub endpoint: Option<String>,
    /// The access key id; `None` to use the environment's credentials (instance profile,
    /// `AWS_*` variables).
    pub access_key_id: Option<String>,
    /// The secret access key.
    pub secret_access_key: Option<String>,
    /// Allow `http://` endpoints (local MinIO in development).
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "***"))
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// The store could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the attachment store: {0}")]
pub struct OpenError(String);

/// A [`BlobStore`] over any `object_store` backend.
#[derive(Debug, Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
}

impl ObjectBlobStore {
    /// Opens the configured store.
    pub fn open(config: &BlobConfig) -> Result<Self, OpenError> {
        let store: Arc<dyn ObjectStore> = match config {
            BlobConfig::Local { root } => {
                std::fs::create_dir_all(root)
                    .map_err(|e| OpenError(format!("cannot create `{}`: {e}", root.display())))?;
                Arc::new(LocalFileSystem::new_with_prefix(root).map_err(|e| OpenError(e.to_string()))?)
            }
            BlobConfig::S3(s3) => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                    builder = builder.with_access_key_id(id).with_secret_access_key(secret);
                }
                Arc::new(builder.build().map_err(|e| OpenError(e.to_string()))?)
            }
        };
        Ok(Self { store })
    }
}

/// Keys are `/`-separated segments of letters, digits, `-` and `_`: no dots, no leading
/// slash, no empty segment, so no key can name anything outside the store.
fn path(key: &str) -> Result<Path, BlobError> {
    let valid = key
        .split('/')
        .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    if !valid {
        return Err(BlobError::Unavailable(format!("invalid blob key `{key}`")));
    }
    Path::parse(key).map_err(|e| BlobError::Unavailable(format!("invalid blob key `{key}`: {e}")))
}

fn unavailable(e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound,
        other => BlobError::Unavailable(other.to_string()),
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, key: &str, mut body: ByteStream) -> Result<(), BlobError> {
        // Small blobs are one put; larger ones a multipart upload of 5 MiB parts. Either
        // way the blob appears whole or not at all: the local store writes a temporary
        // file and renames it, S3 completes a multipart upload atomically.
        let mut writer = BufWriter::with_capacity(self.store.clone(), path(key)?, PUT_BUFFER_BYTES);
        let mut written: Result<(), BlobError> = Ok(());
        while let Some(chunk) = body.next().await {
            let stored = match chunk {
                Ok(chunk) => writer
                    .put(chunk)
                    .await
                    .map_err(|e| BlobError::Unavailable(e.to_string())),
                Err(e) => Err(e),
            };
            if let Err(e) = stored {
                written = Err(e);
                break;
            }
        }
        if let Err(e) = written {
            // Removes a multipart upload's parts; nothing was stored otherwise.
            let _ = writer.abort().await;
            return Err(e);
        }
        // Completes the upload (or the single put); a failure here leaves nothing behind.
        tokio::io::AsyncWriteExt::shutdown(&mut writer)
            .await
            .map_err(|e| BlobError::Unavailable(e.to_string()))
    }

    async fn get(&self, key: &str) -> Result<BlobRead, BlobError> {
        let result = self.store.get(&path(key)?).await.map_err(unavailable)?;
        let size = result.range.end - result.range.start;
        Ok(BlobRead {
            size,
            stream: result.into_stream().map_err(unavailable).boxed(),
        })
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(BlobError::Unavailable(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root(name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        std::env::temp_dir().join(format!("blobs-{name}-{}-{nanos}", std::process::id()))
    }

    use application::ports::single_chunk;

    async fn read_all(store: &ObjectBlobStore, key: &str) -> Result<Vec<u8>, BlobError> {
        let read = store.get(key).await?;
        let mut out = Vec::new();
        let mut stream = read.stream;
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        assert_eq!(out.len() as u64, read.size, "the size announced");
        Ok(out)
    }

    #[tokio::test]
    async fn local_blobs_round_trip_and_delete_idempotently() {
        let root = temp_root("round-trip");
        let store = ObjectBlobStore::open(&BlobConfig::Local { root: root.clone() }).expect("opens");
        store
            .put("tickets/1/2", single_chunk(&b"hello"[..]))
            .await
            .expect("puts");
        assert!(root.join("tickets/1/2").is_file(), "stored under the root");
        assert_eq!(read_all(&store, "tickets/1/2").await.expect("gets"), b"hello");
        store.delete("tickets/1/2").await.expect("deletes");
        store.delete("tickets/1/2").await.expect("deleting twice is fine");
        assert_eq!(read_all(&store, "tickets/1/2").await, Err(BlobError::NotFound));
        let _ = std::fs::remove_dir_all(root);
    }

    /// A large blob goes in and comes out in pieces: stored through a multipart upload
    /// (more than the put buffer), read back in chunks far smaller than the file.
    #[tokio::test]
    async fn large_blobs_stream_in_and_out_in_chunks() {
        let root = temp_root("large");
        let store = ObjectBlobStore::open(&BlobConfig::Local { root: root.clone() }).expect("opens");
        let size = PUT_BUFFER_BYTES * 2 + 12_345;
        let piece = application::ports::Bytes::from(vec![7u8; 64 * 1024]);
        let pieces = size.div_ceil(piece.len());
        let body = futures_util::stream::iter((0..pieces).map(move |i| {
            let len = (size - i * 64 * 1024).min(64 * 1024);
            Ok(piece.slice(..len))
        }))
        .boxed();
        store.put("tickets/9/9", body).await.expect("puts");
        let read = store.get("tickets/9/9").await.expect("gets");
        assert_eq!(read.size, size as u64);
        let mut stream = read.stream;
        let (mut total, mut largest) = (0usize, 0usize);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.expect("reads");
            total += chunk.len();
            largest = largest.max(chunk.len());
        }
        assert_eq!(total, size);
        assert!(largest <= 1024 * 1024, "read in chunks, the largest {largest} bytes");
        let _ = std::fs::remove_dir_all(root);
    }

    #[tokio::test]
    async fn a_failing_body_stores_nothing() {
        let root = temp_root("failing-body");
        let store = ObjectBlobStore::open(&BlobConfig::Local { root: root.clone() }).expect("opens");
        let big = application::ports::Bytes::from(vec![1u8; PUT_BUFFER_BYTES]);
        let body = futures_util::stream::iter([
            Ok(big.clone()),
            Ok(big),
            Err(BlobError::Unavailable("client gone".into())),
        ])
        .boxed();
        assert!(store.put("tickets/3/3", body).await.is_err());
        assert_eq!(read_all(&store, "tickets/3/3").await, Err(BlobError::NotFound));
        let _ = std::fs::remove_dir_all(root);
    }

    #[tokio::test]
    async fn keys_cannot_leave_the_root() {
        let root = temp_root("traversal");
        let store = ObjectBlobStore::open(&BlobConfig::Local { root: root.clone() }).expect("opens");
        for key in [
            "../escape",
            "tickets/../../escape",
            "/etc/passwd",
            "a//b",
            "a/.hidden",
            "",
        ] {
            assert!(store.put(key, single_chunk(&b"x"[..])).await.is_err(), "{key}");
        }
        assert!(!root.parent().map(|p| p.join("escape").exists()).unwrap_or(false));
        let _ = std::fs::remove_dir_all(root);
    }

    #[tokio::test]
    async fn a_broken_store_reports_unavailable() {
        let root = temp_root("broken");
        let store = ObjectBlobStore::open(&BlobConfig::Local { root: root.clone() }).expect("opens");
        // A file where the store needs a directory: every put under it fails.
        std::fs::write(root.join("tickets"), b"not a directory").expect("writes");
        assert!(matches!(
            store.put("tickets/1/1", single_chunk(&b"x"[..])).await,
            Err(BlobError::Unavailable(_))
        ));
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn s3_configuration_builds_without_contacting_the_service() {
        let config = BlobConfig::S3(S3Config {
            bucket: "attachments".into(),
            region: "eu-central-1".into(),
            endpoint: Some("http://127.0.0.1:9000".into()),
            access_key_id: Some("minio".into()),
            secret_access_key: Some("minio-secret".into()),
            allow_http: true,
        });
        assert!(ObjectBlobStore::open(&config).is_ok());
        assert!(
            !format!("{config:?}").contains("minio-secret"),
            "the secret is not logged"
        );
    }
}
