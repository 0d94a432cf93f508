//! The worker's jobs: their settings and the list of them both binaries run.

use std::sync::Arc;
use std::time::Duration;

use adapters_db::Database;
use application::assignment::DrainQueue;
use application::auth::{PurgeEndedSessions, PurgeStaleAttempts};
use application::comments::SweepOrphanBlobs;
use application::escalation::RunEscalations;
use application::notifications::{
    DeliverNotifications, DispatchNotifications, OutboxBacklog, PlanNotifications, PlanPorts,
};
use application::ports::{BlobStore, Clock, SystemClock};
use application::retention::{PurgeIdempotencyKeys, PurgeNotifications, PurgeOutbox, Retention};
use application::sla::MonitorSla;
use application::surveys::SurveyInvitations;
use application::tickets::TicketPorts;

use crate::runtime::Jobs;
use platform::Settings;
use platform::adapters::Delivery;

/// How often the jobs run, how much each takes at a time and how long it holds it.
#[derive(Debug, Clone, Copy)]
pub struct Intervals {
    /// Between reports of the outbox backlog.
    pub report: Duration,
    /// Between purges of ended login sessions.
    pub session_purge: Duration,
    /// Between sweeps for orphan blobs.
    pub orphan_sweep: Duration,
    /// Age after which an uncommitted upload's blob is an orphan, in seconds.
    pub orphan_blob_age_secs: i64,
    /// Stale uploads swept per batch.
    pub orphan_sweep_batch: u32,
    /// How long ended login sessions are kept (for audits) before the purge deletes them,
    /// in seconds.
    pub session_retention_secs: i64,
    /// How long a login or sign-up counter can matter (the throttle's longest window or
    /// delay), in seconds; older ones are purged.
    pub attempt_window_secs: i64,
    /// Between purges of idempotency keys, processed outbox events and finished
    /// notifications.
    pub purge: Duration,
    /// Rows one purge statement deletes at most (the session purge's too).
    pub purge_batch: u32,
    /// How long idempotency keys are remembered (the API's idempotency window), in seconds.
    pub idempotency_retention_secs: i64,
    /// How long processed outbox events are kept, in seconds.
    pub outbox_retention_secs: i64,
    /// How long sent notifications are kept, in seconds.
    pub notification_retention_secs: i64,
    /// How long dead notifications are kept, in seconds.
    pub dead_notification_retention_secs: i64,
    /// Between SLA monitor ticks.
    pub sla: Duration,
    /// Tickets per SLA monitor batch.
    pub sla_batch: u32,
    /// How long the SLA monitor holds the tickets it took, in seconds.
    pub sla_lease_secs: i64,
    /// Between assignment queue ticks that found nothing to do.
    pub queue: Duration,
    /// Queued tickets per tick.
    pub queue_batch: u32,
    /// Between escalation loop ticks.
    pub escalation: Duration,
    /// Tickets per escalation batch.
    pub escalation_batch: u32,
    /// How long the escalation loop holds the tickets it took, in seconds.
    pub escalation_lease_secs: i64,
    /// Between notification ticks that found nothing to do.
    pub notify: Duration,
    /// Outbox events planned per tick.
    pub notify_plan_batch: u32,
    /// Notifications sent per tick.
    pub notify_batch: u32,
    /// How long a dispatcher holds the notifications it took, in seconds.
    pub notify_lease_secs: i64,
    /// Notifications sent at the same time.
    pub notify_concurrency: usize,
    /// When to retry and when to give up.
    pub notify_retry: application::notifications::RetryPolicy,
}

impl Intervals {
    /// The jobs' settings from `worker.*`, with floors that keep a bad value from
    /// spinning a loop.
    pub fn from_settings(settings: &Settings) -> Self {
        let w = &settings.worker;
        Self {
            report: std::time::Duration::from_secs(w.report_interval_secs.max(1)),
            session_purge: std::time::Duration::from_secs(w.session_purge_interval_secs.max(1)),
            orphan_sweep: std::time::Duration::from_secs(w.orphan_sweep_interval_secs.max(1)),
            orphan_blob_age_secs: i64::try_from(w.orphan_blob_age_secs.max(60)).unwrap_or(i64::MAX),
            orphan_sweep_batch: w.orphan_sweep_batch.max(1),
            session_retention_secs: i64::try_from(w.session_retention_secs).unwrap_or(i64::MAX),
            attempt_window_secs: settings.throttle_policy().longest_window_seconds(),
            purge: std::time::Duration::from_secs(w.purge_interval_secs.max(1)),
            purge_batch: w.purge_batch.max(1),
            idempotency_retention_secs: i64::try_from(w.idempotency_retention_secs).unwrap_or(i64::MAX),
            outbox_retention_secs: i64::try_from(w.outbox_retention_secs).unwrap_or(i64::MAX),
            notification_retention_secs: i64::try_from(w.notification_retention_secs).unwrap_or(i64::MAX),
            dead_notification_retention_secs: i64::try_from(w.dead_notification_retention_secs).unwrap_or(i64::MAX),
            sla: std::time::Duration::from_secs(w.sla_interval_secs.max(1)),
            sla_batch: w.sla_batch.max(1),
            sla_lease_secs: i64::try_from(w.sla_lease_secs.max(1)).unwrap_or(i64::MAX),
            queue: std::time::Duration::from_millis(w.queue_interval_ms.max(10)),
            queue_batch: w.queue_batch.max(1),
            escalation: std::time::Duration::from_secs(w.escalation_interval_secs.max(1)),
            escalation_batch: w.escalation_batch.max(1),
            escalation_lease_secs: i64::try_from(w.escalation_lease_secs.max(1)).unwrap_or(i64::MAX),
            notify: std::time::Duration::from_millis(w.notify_interval_ms.max(10)),
            notify_plan_batch: w.notify_plan_batch.max(1),
            notify_batch: w.notify_batch.max(1),
            notify_lease_secs: i64::try_from(w.notify_lease_secs.max(1)).unwrap_or(i64::MAX),
            notify_concurrency: usize::try_from(w.notify_concurrency.max(1)).unwrap_or(1),
            notify_retry: application::notifications::RetryPolicy {
                max_attempts: w.notify_max_attempts.max(1),
                base_delay_ms: w.notify_retry_base_ms.max(1),
                max_delay_ms: w.notify_retry_max_ms.max(w.notify_retry_base_ms.max(1)),
            },
        }
    }
}

/// Every job on `db` as `settings` configure them, with the adapters they need opened
/// through [`platform::adapters`]: the worker's composition root, used by `ticket-worker`
/// and by `ticket-api`'s single-node mode.
pub fn compose(db: &Database, settings: &Settings) -> Result<Jobs, String> {
    let blobs = Arc::new(platform::adapters::open_blob_store(settings)?);
    let tickets = platform::adapters::ticket_ports(
        db,
        Arc::new(SystemClock),
        Arc::new(adapters_calendar::IanaCalendars),
        settings,
    );
    let delivery = platform::adapters::delivery(settings)?;
    let surveys = SurveyInvitations {
        surveys: Arc::new(db.clone()),
        tokens: Arc::new(adapters_security::RandomTokens),
        settings: settings.survey_settings().map_err(|e| e.to_string())?,
        public_url: settings.http.public_url.clone(),
    };
    Ok(jobs(
        db,
        blobs,
        tickets,
        delivery,
        surveys,
        Intervals::from_settings(settings),
    ))
}

/// Every background job, on `db`. Adding a job is one `add` here (and its file in
/// `application`).
pub fn jobs(
    db: &Database,
    blobs: Arc<dyn BlobStore>,
    tickets: TicketPorts,
    delivery: Delivery,
    surveys: SurveyInvitations,
    every: Intervals,
) -> Jobs {
    let port = Arc::new(db.clone());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut jobs = Jobs::default();
    jobs.add(
        every.sla,
        MonitorSla::new(
            port.clone(),
            port.clone(),
            clock.clone(),
            every.sla_batch,
            every.sla_lease_secs,
        ),
    )
    .add(every.queue, DrainQueue::new(tickets.clone(), every.queue_batch))
    .add(
        every.escalation,
        RunEscalations::new(
            tickets,
            port.clone(),
            port.clone(),
            every.escalation_batch,
            every.escalation_lease_secs,
        ),
    )
    .add(
        every.notify,
        DeliverNotifications::new(planner(db, surveys, every), dispatcher(db, delivery, every)),
    )
    .add(every.report, OutboxBacklog::new(port.clone()))
    .add(
        every.session_purge,
        PurgeEndedSessions::new(port.clone(), clock.clone(), every.session_retention_secs)
            .with_batch(every.purge_batch),
    )
    .add(
        every.session_purge,
        PurgeStaleAttempts::new(
            port.clone(),
            port.clone(),
            port.clone(),
            clock.clone(),
            every.attempt_window_secs,
        ),
    )
    .add(
        every.orphan_sweep,
        SweepOrphanBlobs::new(port.clone(), blobs, clock.clone(), every.orphan_blob_age_secs)
            .with_batch(every.orphan_sweep_batch),
    )
    .add(
        every.purge,
        PurgeIdempotencyKeys::new(
            port.clone(),
            clock.clone(),
            Retention::new(every.idempotency_retention_secs, every.purge_batch),
        ),
    )
    .add(
        every.purge,
        PurgeOutbox::new(
            port.clone(),
            clock.clone(),
            Retention::new(every.outbox_retention_secs, every.purge_batch),
        ),
    )
    .add(
        every.purge,
        PurgeNotifications::new(
            port,
            clock,
            Retention::new(every.notification_retention_secs, every.purge_batch),
            Retention::new(every.dead_notification_retention_secs, every.purge_batch),
        ),
    );
    jobs
}

/// The planner: outbox events to notification rows and survey invitations.
fn planner(db: &Database, surveys: SurveyInvitations, every: Intervals) -> PlanNotifications {
    let port = Arc::new(db.clone());
    PlanNotifications::new(
        PlanPorts {
            outbox: port.clone(),
            notifications: port.clone(),
            tickets: port.clone(),
            comments: port.clone(),
            rules: port.clone(),
            uow: port,
            clock: Arc::new(SystemClock),
        },
        every.notify_plan_batch,
        every.notify_lease_secs,
    )
    .with_surveys(surveys)
}

/// The dispatcher, its leases in a name unique to this process.
fn dispatcher(db: &Database, delivery: Delivery, every: Intervals) -> DispatchNotifications {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    DispatchNotifications::new(
        Arc::new(db.clone()),
        delivery.renderer,
        delivery.gateway,
        Arc::new(SystemClock),
        format!("dispatcher-{}-{started}", std::process::id()),
        every.notify_batch,
        every.notify_lease_secs,
        every.notify_concurrency,
        every.notify_retry,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_jobs_settings() {
        let settings = Settings::defaults().expect("the defaults are valid");
        let every = Intervals::from_settings(&settings);
        assert_eq!(
            (every.sla, every.sla_batch, every.sla_lease_secs),
            (Duration::from_secs(60), 500, 120),
            "the SLA monitor ticks every minute"
        );
        assert_eq!((every.session_retention_secs, every.orphan_sweep_batch), (86_400, 100));
        assert_eq!(
            (
                every.purge,
                every.purge_batch,
                every.idempotency_retention_secs,
                every.outbox_retention_secs,
                every.notification_retention_secs,
                every.dead_notification_retention_secs
            ),
            (
                Duration::from_secs(3600),
                1000,
                86_400,
                7 * 86_400,
                30 * 86_400,
                90 * 86_400
            ),
            "what is kept how long"
        );
    }
}
