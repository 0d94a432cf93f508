//! Forgetting idempotency keys past their window.

use std::sync::Arc;

use super::Retention;
use crate::error::AppError;
use crate::jobs::{BatchReport, Job, Measure};
use crate::ports::{Clock, IdempotencyRepository};

/// Deletes remembered `Idempotency-Key`s older than the retention. The retention is the
/// API's idempotency window: a retry within it is answered with what the first request
/// made; after it the key may be gone and the same key makes a new resource.
#[derive(Clone)]
pub struct PurgeIdempotencyKeys {
    keys: Arc<dyn IdempotencyRepository>,
    clock: Arc<dyn Clock>,
    retention: Retention,
}

impl PurgeIdempotencyKeys {
    /// Wires the job: keys are kept `retention.keep_seconds` after they were remembered.
    pub fn new(keys: Arc<dyn IdempotencyRepository>, clock: Arc<dyn Clock>, retention: Retention) -> Self {
        Self { keys, clock, retention }
    }
}

#[async_trait::async_trait]
impl Job for PurgeIdempotencyKeys {
    fn name(&self) -> &'static str {
        "idempotency-purge"
    }

    fn measures(&self) -> &'static [Measure] {
        const MEASURES: &[Measure] = &[Measure::counter(
            "idempotency_keys_purged",
            "Idempotency keys past their window, deleted.",
        )];
        MEASURES
    }

    async fn run_batch(&self) -> Result<BatchReport, AppError> {
        let before = self.retention.cutoff(self.clock.now());
        let deleted = self.keys.purge_keys(before, self.retention.batch).await?;
        Ok(self.retention.report("idempotency_keys_purged", deleted))
    }
}
