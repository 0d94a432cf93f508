//! Removing login and sign-up state nobody can use any more.

use std::sync::Arc;

use crate::error::AppError;
use crate::jobs::{BatchReport, Job, Measure};
use crate::ports::{AttemptStore, Clock, PasswordResets, Registrations};

/// Deletes attempt counters whose window and delay have passed (they would count as
/// empty anyway), verification tokens that have expired and password reset tokens that
/// have expired (used or not), so no table grows with every address that ever tried.
/// Run periodically by the worker.
#[derive(Clone)]
pub struct PurgeStaleAttempts {
    attempts: Arc<dyn AttemptStore>,
    registrations: Arc<dyn Registrations>,
    resets: Arc<dyn PasswordResets>,
    clock: Arc<dyn Clock>,
    longest_window_seconds: i64,
}

impl PurgeStaleAttempts {
    /// Wires the use case; counters are kept `longest_window_seconds` (the longest window
    /// or delay of the throttle policy) after their window began.
    pub fn new(
        attempts: Arc<dyn AttemptStore>,
        registrations: Arc<dyn Registrations>,
        resets: Arc<dyn PasswordResets>,
        clock: Arc<dyn Clock>,
        longest_window_seconds: i64,
    ) -> Self {
        Self {
            attempts,
            registrations,
            resets,
            clock,
            longest_window_seconds: longest_window_seconds.max(1),
        }
    }

    /// Deletes them; returns (counters, verification tokens, reset tokens) deleted.
    pub async fn execute(&self) -> Result<(u64, u64, u64), AppError> {
        let now = self.clock.now();
        let counters = self
            .attempts
            .delete_stale(now.plus_seconds(-self.longest_window_seconds))
            .await?;
        let tokens = self.registrations.delete_expired_verifications(now).await?;
        let resets = self.resets.delete_expired_password_resets(now).await?;
        Ok((counters, tokens, resets))
    }
}

/// The purge as a background job: three deletes per run, through the tables' time indexes.
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
            Measure::counter(
                "password_resets_purged",
                "Expired password reset tokens (used or not) deleted.",
            ),
        ];
        MEASURES
    }

    async fn run_batch(&self) -> Result<BatchReport, AppError> {
        let (counters, tokens, resets) = self.execute().await?;
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        Ok(BatchReport::default()
            .with("attempt_counters_purged", n(counters))
            .with("email_verifications_purged", n(tokens))
            .with("password_resets_purged", n(resets)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockAttemptStore, MockClock, MockPasswordResets, MockRegistrations};
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
        let mut resets = MockPasswordResets::new();
        resets
            .expect_delete_expired_password_resets()
            .withf(|before| *before == Timestamp::from_unix_seconds(10_000))
            .times(1)
            .returning(|_| Ok(3));
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::from_unix_seconds(10_000));
        let purge = PurgeStaleAttempts::new(
            Arc::new(attempts),
            Arc::new(registrations),
            Arc::new(resets),
            Arc::new(clock),
            3_600,
        );
        let report = purge.run_batch().await.expect("runs");
        assert_eq!(
            report.values,
            [
                ("attempt_counters_purged", 4),
                ("email_verifications_purged", 2),
                ("password_resets_purged", 3)
            ]
        );
    }
}
