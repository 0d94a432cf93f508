//! Deleting the blobs of uploads that never committed.

use std::sync::Arc;

use crate::error::AppError;
use crate::ports::{BlobError, BlobStore, Clock, UploadIntents};

/// Deletes blobs whose upload intent is older than `max_age_seconds`: their comment never
/// committed (the process died between storing and committing). Each key is claimed
/// before its blob goes, so a commit racing the sweeper either wins (and the sweeper skips
/// the key) or fails; a row never names a deleted blob.
#[derive(Clone)]
pub struct SweepOrphanBlobs {
    intents: Arc<dyn UploadIntents>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    max_age_seconds: i64,
}

impl SweepOrphanBlobs {
    /// Wires the use case. `max_age_seconds` must exceed the longest an upload request
    /// can take.
    pub fn new(
        intents: Arc<dyn UploadIntents>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        max_age_seconds: i64,
    ) -> Self {
        Self {
            intents,
            blobs,
            clock,
            max_age_seconds,
        }
    }

    /// Sweeps at most `limit` stale uploads; returns how many blobs were deleted.
    pub async fn execute(&self, limit: u32) -> Result<usize, AppError> {
        let before = self.clock.now().plus_seconds(-self.max_age_seconds);
        let stale = self.intents.stale(before, limit).await?;
        let mut deleted = 0;
        for key in stale {
            if !self.intents.claim(&key).await? {
                continue;
            }
            match self.blobs.delete(&key).await {
                Ok(()) => deleted += 1,
                Err(BlobError::NotFound) => {}
                Err(e) => {
                    // Put the intent back with its old age so the next sweep retries.
                    self.intents.record(std::slice::from_ref(&key), before).await?;
                    return Err(AppError::Unavailable(format!("deleting an orphan blob failed: {e}")));
                }
            }
        }
        Ok(deleted)
    }
}
