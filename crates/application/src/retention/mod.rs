//! Retention: deleting what nobody needs any more, a batch at a time.
//!
//! Each purge is a [`crate::jobs::Job`] whose batch is one `DELETE` of at most `batch`
//! rows through an index on the instant the rows became deletable, so a purge costs
//! what is due and never holds a long lock; the worker's driver runs batches until one
//! comes back short. Expired sessions are purged by [`crate::auth::PurgeEndedSessions`]
//! and stale upload intents (with their blobs) by [`crate::comments::SweepOrphanBlobs`].

mod idempotency;
mod notifications;
mod outbox;

#[cfg(test)]
mod tests;

pub use idempotency::PurgeIdempotencyKeys;
pub use notifications::PurgeNotifications;
pub use outbox::PurgeOutbox;

use domain::Timestamp;

/// How long rows are kept after they became deletable, and how many one batch deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Seconds kept, at least 0 and at most [`Retention::MAX_SECONDS`].
    pub keep_seconds: i64,
    /// Rows deleted per statement, at least 1.
    pub batch: u32,
}

impl Retention {
    /// The longest retention: a hundred years (longer is "keep forever" in practice, and
    /// the cut-off instant must stay one the databases hold).
    pub const MAX_SECONDS: i64 = 100 * 365 * 86_400;

    /// Rows kept `keep_seconds` (clamped to 0 ..= [`Retention::MAX_SECONDS`]), deleted
    /// `batch` (at least 1) at a time.
    pub fn new(keep_seconds: i64, batch: u32) -> Self {
        Self {
            keep_seconds: keep_seconds.clamp(0, Self::MAX_SECONDS),
            batch: batch.max(1),
        }
    }

    /// The instant before which rows are due at `now`.
    pub fn cutoff(&self, now: Timestamp) -> Timestamp {
        now.plus_seconds(-self.keep_seconds)
    }

    /// The report of a batch that deleted `deleted` rows, counted as `measure`: more may
    /// be due when the batch was full.
    pub(crate) fn report(&self, measure: &'static str, deleted: u64) -> crate::jobs::BatchReport {
        let deleted = usize::try_from(deleted).unwrap_or(usize::MAX);
        crate::jobs::BatchReport {
            taken: deleted,
            more: deleted >= self.batch as usize,
            ..crate::jobs::BatchReport::default()
        }
        .with(measure, deleted)
    }
}
