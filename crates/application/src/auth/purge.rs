//! Removing ended login sessions.

use std::sync::Arc;

use crate::error::AppError;
use crate::ports::{Clock, SessionRepository};

/// Deletes sessions that expired more than a grace period ago (revoked ones too, once
/// they would have expired), so the table holds only sessions that can still matter.
/// Run periodically by the worker.
#[derive(Clone)]
pub struct PurgeEndedSessions {
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
    grace_seconds: i64,
    batch: u32,
}

impl PurgeEndedSessions {
    /// Wires the use case; sessions are kept `grace_seconds` after they end (for audits).
    /// It deletes [`PurgeEndedSessions::DEFAULT_BATCH`] sessions per batch unless told
    /// otherwise ([`PurgeEndedSessions::with_batch`]).
    pub fn new(sessions: Arc<dyn SessionRepository>, clock: Arc<dyn Clock>, grace_seconds: i64) -> Self {
        Self {
            sessions,
            clock,
            grace_seconds: grace_seconds.clamp(0, crate::retention::Retention::MAX_SECONDS),
            batch: Self::DEFAULT_BATCH,
        }
    }

    /// Sessions deleted per batch by default.
    pub const DEFAULT_BATCH: u32 = 1_000;

    /// Deletes at most `batch` sessions per batch.
    pub fn with_batch(mut self, batch: u32) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Deletes one batch of them and returns how many.
    pub async fn execute(&self) -> Result<u64, AppError> {
        let before = self.clock.now().plus_seconds(-self.grace_seconds);
        Ok(self.sessions.delete_ended_before(before, self.batch).await?)
    }
}

/// The purge as a background job: a batch is one delete of at most `batch` sessions
/// through the `expires_at` index; batches run until one comes back short.
#[async_trait::async_trait]
impl crate::jobs::Job for PurgeEndedSessions {
    fn name(&self) -> &'static str {
        "session-purge"
    }

    fn measures(&self) -> &'static [crate::jobs::Measure] {
        const MEASURES: &[crate::jobs::Measure] = &[crate::jobs::Measure::counter(
            "sessions_purged",
            "Ended login sessions deleted.",
        )];
        MEASURES
    }

    async fn run_batch(&self) -> Result<crate::jobs::BatchReport, AppError> {
        let deleted = self.execute().await?;
        Ok(crate::retention::Retention::new(0, self.batch).report("sessions_purged", deleted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockClock, MockSessionRepository};
    use domain::Timestamp;

    #[tokio::test]
    async fn deletes_what_ended_before_the_grace_period() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_delete_ended_before()
            .withf(|before, limit| *before == Timestamp::from_unix_seconds(1_000 - 86_400) && *limit == 1_000)
            .times(1)
            .returning(|_, _| Ok(3));
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::from_unix_seconds(1_000));
        let purge = PurgeEndedSessions::new(Arc::new(sessions), Arc::new(clock), 86_400);
        assert_eq!(purge.execute().await.ok(), Some(3));
    }
}
