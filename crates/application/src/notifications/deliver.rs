//! The notification loop: plan a batch of outbox events, then send a batch of due
//! notifications, as one background job.

use async_trait::async_trait;

use crate::error::AppError;
use crate::jobs::{BatchReport, Job, Measure};

use super::{DispatchNotifications, PlanNotifications};

/// Plans notifications from the outbox and sends what is due, in that order, so a message
/// planned in a batch goes out in the same batch. Runs again at once while either step
/// had a full batch.
#[derive(Clone)]
pub struct DeliverNotifications {
    planner: PlanNotifications,
    dispatcher: DispatchNotifications,
}

impl DeliverNotifications {
    /// Wires the two steps.
    pub fn new(planner: PlanNotifications, dispatcher: DispatchNotifications) -> Self {
        Self { planner, dispatcher }
    }
}

const MEASURES: &[Measure] = &[
    Measure::counter("notifications_planned", "Notifications queued from outbox events."),
    Measure::counter("notifications_sent", "Notifications the provider accepted."),
    Measure::counter("notifications_retried", "Notification attempts that failed for now."),
    Measure::counter("notifications_dead", "Notifications dead-lettered."),
    Measure::counter(
        "notifications_lost_lease",
        "Outcomes dropped: another dispatcher took the row over.",
    ),
];

#[async_trait]
impl Job for DeliverNotifications {
    fn name(&self) -> &'static str {
        "notify"
    }

    fn measures(&self) -> &'static [Measure] {
        MEASURES
    }

    /// Fails only when neither step could run; a step that could not run is otherwise
    /// reported as the batch's last error.
    async fn run_batch(&self) -> Result<BatchReport, AppError> {
        let planned = self.planner.tick().await;
        let sent = self.dispatcher.tick().await;
        let (planned, sent) = match (planned, sent) {
            (Err(_), Err(e)) => return Err(e),
            (planned, sent) => (planned, sent),
        };
        let mut report = BatchReport::default();
        let mut errors = Vec::new();
        match planned {
            Ok(tick) => {
                report.taken += tick.events;
                report.failed += tick.failed;
                report.more |= tick.events >= self.planner.batch_size() && tick.failed == 0;
                errors.extend(tick.last_error.map(|e| format!("planning: {e}")));
                report = report.with("notifications_planned", tick.queued);
            }
            Err(e) => errors.push(format!("cannot read the outbox: {e}")),
        }
        match sent {
            Ok(tick) => {
                report.taken += tick.claimed;
                report.failed += tick.failed;
                report.more |= tick.claimed >= self.dispatcher.batch_size() && tick.failed == 0;
                errors.extend(tick.last_error.map(|e| format!("recording outcomes: {e}")));
                report = report
                    .with("notifications_sent", tick.sent)
                    .with("notifications_retried", tick.retried)
                    .with("notifications_dead", tick.dead)
                    .with("notifications_lost_lease", tick.lost_lease);
            }
            Err(e) => errors.push(format!("cannot take due notifications: {e}")),
        }
        report.last_error = errors.pop();
        Ok(report)
    }
}
