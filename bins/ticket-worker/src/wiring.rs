//! The composition of the worker's jobs: the ticket use cases' ports and the notification
//! delivery on the adapters, and the list of jobs both binaries run.

use std::sync::Arc;
use std::time::Duration;

use adapters_db::Database;
use application::assignment::{DrainQueue, Routing};
use application::auth::PurgeEndedSessions;
use application::comments::SweepOrphanBlobs;
use application::escalation::RunEscalations;
use application::notifications::{
    DeliverNotifications, DispatchNotifications, OutboxBacklog, PlanNotifications, PlanPorts,
};
use application::ports::{BlobStore, CalendarSupport, Clock, NotificationGateway, SystemClock, TemplateRenderer};
use application::sla::{MonitorSla, SlaPorts};
use application::tickets::TicketPorts;

use crate::runtime::Jobs;
use crate::settings::Settings;

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

/// How notifications are rendered and sent.
#[derive(Clone)]
pub struct Delivery {
    /// The templates.
    pub renderer: Arc<dyn TemplateRenderer>,
    /// The providers (or the log).
    pub gateway: Arc<dyn NotificationGateway>,
}

/// The ports of the ticket use cases on `db`, with the routing of `settings`.
pub fn ticket_ports(
    db: &Database,
    clock: Arc<dyn Clock>,
    calendars: Arc<dyn CalendarSupport>,
    settings: &Settings,
) -> TicketPorts {
    let db = Arc::new(db.clone());
    TicketPorts {
        tickets: db.clone(),
        uow: db.clone(),
        users: db.clone(),
        categories: db.clone(),
        idempotency: db.clone(),
        clock,
        sla: SlaPorts {
            policies: db.clone(),
            calendars: db.clone(),
            targets: db.clone(),
            support: calendars,
        },
        routing: Routing {
            agents: db,
            assign_on_create: settings.assignment.assign_on_create,
            weights: settings.load_weights(),
        },
    }
}

/// Every background job, on `db`. Adding a job is one line here (and its file in
/// `application`).
pub fn jobs(
    db: &Database,
    blobs: Arc<dyn BlobStore>,
    tickets: TicketPorts,
    delivery: Delivery,
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
        DeliverNotifications::new(planner(db, every), dispatcher(db, delivery, every)),
    )
    .add(every.report, OutboxBacklog::new(port.clone()))
    .add(
        every.session_purge,
        PurgeEndedSessions::new(port.clone(), clock.clone(), every.session_retention_secs),
    )
    .add(
        every.orphan_sweep,
        SweepOrphanBlobs::new(port, blobs, clock, every.orphan_blob_age_secs).with_batch(every.orphan_sweep_batch),
    );
    jobs
}

/// The planner: outbox events to notification rows.
fn planner(db: &Database, every: Intervals) -> PlanNotifications {
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

/// The notification templates and providers of `notify.*`: SendGrid and Twilio when
/// their credentials are set, the log file otherwise. Fails when an override template
/// does not parse, so a bad template stops the start, not the sends.
pub fn delivery(settings: &Settings) -> Result<Delivery, String> {
    let notify = &settings.notify;
    let templates = adapters_notify::Templates::load(notify.templates_dir.as_deref()).map_err(|e| e.to_string())?;
    let gateways = adapters_notify::Gateways::from_config(notify).map_err(|e| e.to_string())?;
    tracing::info!(providers = %gateways.describe(), "notification delivery");
    // A batch still being sent when its lease runs out is taken over and sent twice.
    let w = &settings.worker;
    let rounds = u64::from(w.notify_batch.div_ceil(w.notify_concurrency.max(1)));
    let worst = rounds.saturating_mul(notify.timeout_secs.max(1));
    if w.notify_lease_secs <= worst {
        tracing::warn!(
            lease_secs = w.notify_lease_secs,
            worst_batch_secs = worst,
            "worker.notify_lease_secs is not longer than a batch can take to send \
             (notify_batch / notify_concurrency x notify.timeout_secs): slow providers can get messages twice"
        );
    }
    Ok(Delivery {
        renderer: Arc::new(templates),
        gateway: Arc::new(gateways),
    })
}
