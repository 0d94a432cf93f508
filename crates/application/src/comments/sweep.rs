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
    batch: u32,
}

impl SweepOrphanBlobs {
    /// Wires the use case. `max_age_seconds` must exceed the longest an upload request
    /// can take. As a [`crate::jobs::Job`] it sweeps [`SweepOrphanBlobs::DEFAULT_BATCH`]
    /// uploads per batch unless told otherwise ([`SweepOrphanBlobs::with_batch`]).
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
            batch: Self::DEFAULT_BATCH,
        }
    }

    /// Stale uploads swept per batch by default.
    pub const DEFAULT_BATCH: u32 = 100;

    /// Sweeps at most `batch` stale uploads per batch as a job.
    pub fn with_batch(mut self, batch: u32) -> Self {
        self.batch = batch.max(1);
        self
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

/// The sweep as a background job: batches until one comes back short. The stale intents
/// are found through the index on their age, so an idle sweep costs one lookup.
#[async_trait::async_trait]
impl crate::jobs::Job for SweepOrphanBlobs {
    fn name(&self) -> &'static str {
        "orphan-sweep"
    }

    fn measures(&self) -> &'static [crate::jobs::Measure] {
        const MEASURES: &[crate::jobs::Measure] = &[crate::jobs::Measure::counter(
            "orphan_blobs_deleted",
            "Blobs of uploads that never committed, deleted.",
        )];
        MEASURES
    }

    async fn run_batch(&self) -> Result<crate::jobs::BatchReport, AppError> {
        let deleted = self.execute(self.batch).await?;
        Ok(crate::jobs::BatchReport {
            taken: deleted,
            more: deleted >= self.batch as usize,
            ..crate::jobs::BatchReport::default()
        }
        .with("orphan_blobs_deleted", deleted))
    }
}
