//! Deleting sent and dead notifications.

use std::sync::Arc;

use super::Retention;
use crate::error::AppError;
use crate::jobs::{BatchReport, Job, Measure};
use crate::ports::{Clock, NotificationRepository, NotificationStatus};

/// Deletes sent notifications and dead ones, each after its own retention counted from
/// when it was sent or died. Pending notifications are never deleted. The admins' list
/// of dead notifications (and their retry) reaches back as far as the dead retention.
#[derive(Clone)]
pub struct PurgeNotifications {
    notifications: Arc<dyn NotificationRepository>,
    clock: Arc<dyn Clock>,
    sent: Retention,
    dead: Retention,
}

impl PurgeNotifications {
    /// Wires the job: sent notifications are kept `sent.keep_seconds`, dead ones
    /// `dead.keep_seconds`; each batch deletes at most `batch` of each.
    pub fn new(
        notifications: Arc<dyn NotificationRepository>,
        clock: Arc<dyn Clock>,
        sent: Retention,
        dead: Retention,
    ) -> Self {
        Self {
            notifications,
            clock,
            sent,
            dead,
        }
    }
}

#[async_trait::async_trait]
impl Job for PurgeNotifications {
    fn name(&self) -> &'static str {
        "notification-purge"
    }

    fn measures(&self) -> &'static [Measure] {
        const MEASURES: &[Measure] = &[
            Measure::counter(
                "notifications_purged",
                "Sent and cancelled notifications past their retention, deleted.",
            ),
            Measure::counter(
                "dead_notifications_purged",
                "Dead notifications past their retention, deleted.",
            ),
        ];
        MEASURES
    }

    async fn run_batch(&self) -> Result<BatchReport, AppError> {
        let now = self.clock.now();
        let sent = self
            .notifications
            .purge_notifications(NotificationStatus::Sent, self.sent.cutoff(now), self.sent.batch)
            .await?;
        // Cancelled ones (never to be sent) are kept as long as sent ones.
        let cancelled = self
            .notifications
            .purge_notifications(NotificationStatus::Cancelled, self.sent.cutoff(now), self.sent.batch)
            .await?;
        let dead = self
            .notifications
            .purge_notifications(NotificationStatus::Dead, self.dead.cutoff(now), self.dead.batch)
            .await?;
        let mut report = self.sent.report("notifications_purged", sent + cancelled);
        report.absorb(self.dead.report("dead_notifications_purged", dead), self.measures());
        report.more = sent >= u64::from(self.sent.batch)
            || cancelled >= u64::from(self.sent.batch)
            || dead >= u64::from(self.dead.batch);
        Ok(report)
    }
}
