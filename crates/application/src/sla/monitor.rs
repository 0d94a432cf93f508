//! The SLA monitor's tick: record the warnings and breaches that came due.

use std::sync::Arc;

use domain::TicketId;

use crate::error::AppError;
use crate::ports::{ChangeSet, Clock, SlaTargetRepository, StoreError, StoredSla, UnitOfWork};

use super::engine::{count, save_with_events};

/// Tickets saved per transaction: each is a savepoint, and PostgreSQL slows every session
/// down while a transaction holds more than 64 subtransactions.
const SAVEPOINTS_PER_TRANSACTION: usize = 50;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaTick {
    /// Tickets leased because a deadline had come.
    pub claimed: usize,
    /// Warnings recorded.
    pub warnings: usize,
    /// Breaches recorded.
    pub breaches: usize,
    /// Tickets a concurrent command changed first; their crossings are recorded by it or
    /// by a later tick.
    pub conflicts: usize,
    /// Tickets whose save failed otherwise, with the last error; their lease expires and
    /// a later tick tries again.
    pub failed: usize,
    /// The last failure, for the log.
    pub last_error: Option<String>,
}

/// Finds tickets whose next SLA deadline has come (through the deadline index), and
/// records each warning and breach once: history entry and outbox event in the same
/// transaction as the targets' new state, guarded by the revision read.
#[derive(Clone)]
pub struct MonitorSla {
    targets: Arc<dyn SlaTargetRepository>,
    uow: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    batch: u32,
    lease_seconds: i64,
}

impl MonitorSla {
    /// Wires the use case: at most `batch` tickets per tick, each leased for
    /// `lease_seconds` so a crashed monitor's tickets are taken up again after that.
    pub fn new(
        targets: Arc<dyn SlaTargetRepository>,
        uow: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        batch: u32,
        lease_seconds: i64,
    ) -> Self {
        Self {
            targets,
            uow,
            clock,
            batch: batch.max(1),
            lease_seconds: lease_seconds.max(1),
        }
    }

    /// The most tickets one [`MonitorSla::tick`] takes.
    pub fn batch_size(&self) -> usize {
        self.batch as usize
    }

    /// One pass. Fails when the due tickets cannot be leased or the batch's transaction
    /// fails as a whole (their leases then expire and a later tick takes them again); a
    /// ticket that fails alone is counted and left to its lease.
    pub async fn tick(&self) -> Result<SlaTick, AppError> {
        let now = self.clock.now();
        let ids = self
            .targets
            .claim_due(now, now.plus_seconds(self.lease_seconds), self.batch)
            .await?;
        let mut report = SlaTick {
            claimed: ids.len(),
            ..SlaTick::default()
        };
        if ids.is_empty() {
            return Ok(report);
        }
        let mut sets = Vec::new();
        let mut crossings = Vec::new();
        for (ticket_id, read) in self.read(&ids, &mut report).await? {
            let revision = read.revision;
            let mut observed = read;
            let crossed = observed.sla.observe(now);
            // Saved even when nothing crossed (the deadline moved meanwhile): the save
            // ends the lease and stores the current next deadline.
            sets.push(ChangeSet {
                writes: save_with_events(ticket_id, revision, observed, &crossed, now),
            });
            crossings.push(crossed);
        }
        // One transaction per chunk, a savepoint per ticket: one flush per chunk, and a
        // ticket a command changed meanwhile loses alone.
        let mut outcomes = Vec::with_capacity(sets.len());
        let mut sets = sets.into_iter().peekable();
        while sets.peek().is_some() {
            let chunk: Vec<ChangeSet> = sets.by_ref().take(SAVEPOINTS_PER_TRANSACTION).collect();
            let n = chunk.len();
            match self.uow.commit_each(chunk).await {
                Ok(done) => outcomes.extend(done),
                Err(e) => outcomes.extend((0..n).map(|_| Err(e.clone()))),
            }
        }
        for (outcome, crossed) in outcomes.into_iter().zip(crossings) {
            match outcome {
                Ok(()) => {
                    let (w, b) = count(&crossed);
                    report.warnings += w;
                    report.breaches += b;
                }
                Err(StoreError::VersionConflict) => report.conflicts += 1,
                Err(e) => {
                    report.failed += 1;
                    report.last_error = Some(e.to_string());
                }
            }
        }
        Ok(report)
    }

    /// The stored SLAs of the leased tickets; if the batch read fails (a corrupt row), one
    /// by one, so one bad ticket cannot hold up the others: it is counted as failed.
    async fn read(&self, ids: &[TicketId], report: &mut SlaTick) -> Result<Vec<(TicketId, StoredSla)>, AppError> {
        match self.targets.slas_of(ids).await {
            Ok(all) => Ok(all),
            Err(StoreError::Unavailable(e)) => Err(StoreError::Unavailable(e).into()),
            Err(_) => {
                let mut found = Vec::new();
                for id in ids {
                    match self.targets.sla_of(*id).await {
                        Ok(one) => found.push((*id, one)),
                        Err(e) => {
                            report.failed += 1;
                            report.last_error = Some(format!("ticket {id}: {e}"));
                        }
                    }
                }
                Ok(found)
            }
        }
    }
}

/// The SLA monitor as a background job: a batch of due tickets at a time, more at once
/// while batches come back full.
#[async_trait::async_trait]
impl crate::jobs::Job for MonitorSla {
    fn name(&self) -> &'static str {
        "sla"
    }

    fn measures(&self) -> &'static [crate::jobs::Measure] {
        use crate::jobs::Measure;
        const MEASURES: &[Measure] = &[
            Measure::counter("sla_warnings", "SLA warnings recorded."),
            Measure::counter("sla_breaches", "SLA breaches recorded."),
            Measure::counter("sla_conflicts", "SLA monitor saves lost to a concurrent change."),
        ];
        MEASURES
    }

    async fn run_batch(&self) -> Result<crate::jobs::BatchReport, AppError> {
        let tick = self.tick().await?;
        Ok(crate::jobs::BatchReport {
            taken: tick.claimed,
            more: tick.claimed >= self.batch_size() && tick.failed == 0,
            failed: tick.failed,
            last_error: tick.last_error,
            values: Vec::new(),
        }
        .with("sla_warnings", tick.warnings)
        .with("sla_breaches", tick.breaches)
        .with("sla_conflicts", tick.conflicts))
    }
}
