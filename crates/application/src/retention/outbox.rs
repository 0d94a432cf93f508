//! Deleting processed outbox events.

use std::sync::Arc;

use super::Retention;
use crate::error::AppError;
use crate::jobs::{BatchReport, Job, Measure};
use crate::ports::{Clock, OutboxRepository};

/// Deletes outbox events processed (planned into notifications, or set aside as
/// unreadable) longer ago than the retention. Unprocessed events are never deleted; the
/// ticket's history is a table of its own and stays.
#[derive(Clone)]
pub struct PurgeOutbox {
    outbox: Arc<dyn OutboxRepository>,
    clock: Arc<dyn Clock>,
    retention: Retention,
}

impl PurgeOutbox {
    /// Wires the job: events are kept `retention.keep_seconds` after they were processed.
    pub fn new(outbox: Arc<dyn OutboxRepository>, clock: Arc<dyn Clock>, retention: Retention) -> Self {
        Self {
            outbox,
            clock,
            retention,
        }
    }
}

#[async_trait::async_trait]
impl Job for PurgeOutbox {
    fn name(&self) -> &'static str {
        "outbox-purge"
    }

    fn measures(&self) -> &'static [Measure] {
        const MEASURES: &[Measure] = &[Measure::counter(
            "outbox_events_purged",
            "Processed outbox events past their retention, deleted.",
        )];
        MEASURES
    }

    async fn run_batch(&self) -> Result<BatchReport, AppError> {
        let before = self.retention.cutoff(self.clock.now());
        let deleted = self.outbox.purge_processed(before, self.retention.batch).await?;
        Ok(self.retention.report("outbox_events_purged", deleted))
    }
}
