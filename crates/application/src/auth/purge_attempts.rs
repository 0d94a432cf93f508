//! Removing login and sign-up state nobody can use any more.

use std::sync::Arc;

use crate::error::AppError;
use crate::jobs::{BatchReport, Job, Measure};
use crate::ports::{AttemptStore, Clock, Registrations};

/// Deletes attempt counters whose window and delay have passed (they would count as
/// empty anyway) and verification tokens that have expired, so neither table grows with
/// every address that ever tried. Run periodically by the worker.
#[derive(Clone)]
pub struct PurgeStaleAttempts {
    attempts: Arc<dyn AttemptStore>,
    registrations: Arc<dyn Registrations>,
    clock: Arc<dyn Clock>,
    longest_window_seconds: i64,
}

impl PurgeStaleAttempts {
    /// Wires the use case; counters are kept `longest_window_seconds` (the longest window
    /// or delay of the throttle policy) after their window began.
    pub fn new(
        attempts: Arc<dyn AttemptStore>,
        registrations: Arc<dyn Registrations>,
        clock: Arc<dyn Clock>,
        longest_window_seconds: i64,
    ) -> Self {
        Self {
            attempts,
            registrations,
            clock,
            longest_window_seconds: longest_window_seconds.max(1),
        }
    }

    /// Deletes them; returns (counters, tokens) deleted.
    pub async fn execute(&self) -> Result<(u64, u64), AppError> {
        let now = self.clock.now();
        let counters = self
            .attempts
            .delete_stale(now.plus_seconds(-self.longest_window_seconds))
            .await?;
        let tokens = self.registrations.delete_expired_verifications(now).await?;
        Ok((counters, tokens))
    }
}

/// The purge as a background job: two deletes per run, through the tables' time indexes.
#[async_trait::async_trait]
impl Job for PurgeStaleAttempts {
    fn name(&self) -> &'static str {
        "attempt-purge"
    }

    fn measures(&self) -> &'static [Measure] {
        const MEASURES: &[Measure] = &[
            Measure::counter("attempt_counters_purged", "Stale login and sign-up counters deleted."),
            Measure::counter(
                "email_verifications_purged",
                "Expired e-mail verification tokens deleted.",
            ),
        ];
        MEASURES
    }

    async fn run_batch(&self) -> Result<BatchReport, AppError> {
        let (counters, tokens) = self.execute().await?;
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        Ok(BatchReport::default()
            .with("attempt_counters_purged", n(counters))
            .with("email_verifications_purged", n(tokens)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockAttemptStore, MockClock, MockRegistrations};
    use domain::Timestamp;

    #[tokio::test]
    async fn deletes_counters_past_the_longest_window_and_expired_tokens() {
        let mut attempts = MockAttemptStore::new();
        attempts
            .expect_delete_stale()
            .withf(|before| *before == Timestamp::from_unix_seconds(10_000 - 3_600))
            .times(1)
            .returning(|_| Ok(4));
        let mut registrations = MockRegistrations::new();
        registrations
            .expect_delete_expired_verifications()
            .withf(|before| *before == Timestamp::from_unix_seconds(10_000))
            .times(1)
            .returning(|_| Ok(2));
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::from_unix_seconds(10_000));
        let purge = PurgeStaleAttempts::new(Arc::new(attempts), Arc::new(registrations), Arc::new(clock), 3_600);
        let report = purge.run_batch().await.expect("runs");
        assert_eq!(
            report.values,
            [("attempt_counters_purged", 4), ("email_verifications_purged", 2)]
        );
    }
}
