//! How many outbox events wait for the notification planner.

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::AppError;
use crate::jobs::{BatchReport, Job, Measure};
use crate::ports::OutboxRepository;

/// Reports the outbox backlog, so planning that fails or falls behind is visible in the
/// log and the metrics.
#[derive(Clone)]
pub struct OutboxBacklog {
    outbox: Arc<dyn OutboxRepository>,
}

impl OutboxBacklog {
    /// Wires the use case.
    pub fn new(outbox: Arc<dyn OutboxRepository>) -> Self {
        Self { outbox }
    }
}

#[async_trait]
impl Job for OutboxBacklog {
    fn name(&self) -> &'static str {
        "outbox-backlog"
    }

    fn measures(&self) -> &'static [Measure] {
        const MEASURES: &[Measure] = &[Measure::gauge(
            "outbox_pending",
            "Outbox events waiting for delivery at the last check.",
        )];
        MEASURES
    }

    async fn run_batch(&self) -> Result<BatchReport, AppError> {
        let pending = self.outbox.pending_events().await?;
        Ok(BatchReport::default().with("outbox_pending", usize::try_from(pending).unwrap_or(0)))
    }
}
