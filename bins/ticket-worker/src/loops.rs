//! The worker's loops and their shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use adapters_db::Database;
use application::assignment::{DrainQueue, QueueTick};
use application::auth::PurgeEndedSessions;
use application::comments::SweepOrphanBlobs;
use application::escalation::{EscalationTick, RunEscalations};
use application::notifications::{DispatchNotifications, DispatchTick, PlanNotifications, PlanPorts, PlanTick};
use application::ports::{BlobStore, SystemClock};
use application::ports::{NotificationGateway, TemplateRenderer};
use application::sla::{MonitorSla, SlaTick};
use application::tickets::TicketPorts;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the loops have observed, for `/metrics`.
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Outbox events waiting at the last report.
    pub outbox_pending: AtomicI64,
    /// Completed report ticks.
    pub ticks: AtomicI64,
    /// Login sessions deleted since start.
    pub sessions_purged: AtomicI64,
    /// Orphan blobs deleted since start.
    pub orphan_blobs_deleted: AtomicI64,
    /// SLA warnings recorded since start.
    pub sla_warnings: AtomicI64,
    /// SLA breaches recorded since start.
    pub sla_breaches: AtomicI64,
    /// SLA monitor saves lost to a concurrent change since start.
    pub sla_conflicts: AtomicI64,
    /// Completed SLA monitor ticks.
    pub sla_ticks: AtomicI64,
    /// How long the last SLA monitor tick took, in microseconds.
    pub sla_last_tick_micros: AtomicI64,
    /// Tickets the queue loop gave to an agent since start.
    pub queue_assigned: AtomicI64,
    /// Queue choices refused because the agent filled up or went away meanwhile.
    pub queue_refused: AtomicI64,
    /// Queued tickets that changed meanwhile (assigned or closed by someone else).
    pub queue_conflicts: AtomicI64,
    /// Completed queue ticks.
    pub queue_ticks: AtomicI64,
    /// Tickets the escalation loop looked at.
    pub escalation_checked: AtomicI64,
    /// Escalation rule firings applied.
    pub escalation_fired: AtomicI64,
    /// Hand-overs a rule asked for that the agent could not take.
    pub escalation_refused: AtomicI64,
    /// Completed escalation loop ticks.
    pub escalation_ticks: AtomicI64,
    /// Notifications queued from outbox events.
    pub notifications_planned: AtomicI64,
    /// Notifications the provider accepted.
    pub notifications_sent: AtomicI64,
    /// Attempts that failed for now (to be retried).
    pub notifications_retried: AtomicI64,
    /// Notifications dead-lettered.
    pub notifications_dead: AtomicI64,
    /// Outcomes dropped because another dispatcher took the row over after the lease ran out.
    pub notifications_lost_lease: AtomicI64,
    /// Completed notification ticks.
    pub notify_ticks: AtomicI64,
}

/// How often the loops run.
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

/// Running loops; stop them with [`Worker::shutdown`].
#[derive(Debug)]
pub struct Worker {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// Shared counters.
    pub stats: Arc<WorkerStats>,
}

impl Worker {
    /// Starts the loops on the current tokio runtime.
    pub fn spawn(
        db: Database,
        blobs: Arc<dyn BlobStore>,
        tickets: TicketPorts,
        delivery: Delivery,
        every: Intervals,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let stats = Arc::new(WorkerStats::default());
        // Ended sessions are kept a day for audits before they go.
        let purge = PurgeEndedSessions::new(Arc::new(db.clone()), Arc::new(SystemClock), 86_400);
        let sweep = SweepOrphanBlobs::new(
            Arc::new(db.clone()),
            blobs,
            Arc::new(SystemClock),
            every.orphan_blob_age_secs,
        );
        let db_port = Arc::new(db.clone());
        let monitor = MonitorSla::new(
            db_port.clone(),
            db_port.clone(),
            Arc::new(SystemClock),
            every.sla_batch,
            every.sla_lease_secs,
        );
        let queue = DrainQueue::new(tickets.clone(), every.queue_batch);
        let escalations = RunEscalations::new(
            tickets,
            db_port.clone(),
            db_port.clone(),
            every.escalation_batch,
            every.escalation_lease_secs,
        );
        let planner = planner(&db, every);
        let dispatcher = dispatcher(&db, delivery, every);
        let tasks = vec![
            tokio::spawn(monitor_sla(monitor, every.sla, stopped.clone(), stats.clone())),
            tokio::spawn(drain_queue(queue, every.queue, stopped.clone(), stats.clone())),
            tokio::spawn(run_escalations(
                escalations,
                every.escalation,
                stopped.clone(),
                stats.clone(),
            )),
            tokio::spawn(notify(
                planner,
                dispatcher,
                every.notify,
                stopped.clone(),
                stats.clone(),
            )),
            tokio::spawn(report_backlog(db, every.report, stopped.clone(), stats.clone())),
            tokio::spawn(purge_sessions(
                purge,
                every.session_purge,
                stopped.clone(),
                stats.clone(),
            )),
            tokio::spawn(sweep_orphans(sweep, every.orphan_sweep, stopped, stats.clone())),
        ];
        Self { stop, tasks, stats }
    }

    /// Signals every loop to stop after its current step and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Reports how many outbox events wait for the notification planner, so a growing
/// backlog (planning failing or falling behind) is visible in the log and `/metrics`.
async fn report_backlog(db: Database, every: Duration, mut stopped: watch::Receiver<bool>, stats: Arc<WorkerStats>) {
    let mut ticker = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => break,
        }
        match db.pending_outbox_events().await {
            Ok(pending) => {
                stats.outbox_pending.store(pending, Ordering::Relaxed);
                tracing::info!(pending, "outbox backlog");
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the outbox backlog"),
        }
        stats.ticks.fetch_add(1, Ordering::Relaxed);
    }
    tracing::debug!("backlog reporter stopped");
}

/// Deletes ended login sessions now and then.
async fn purge_sessions(
    purge: PurgeEndedSessions,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
    stats: Arc<WorkerStats>,
) {
    let mut ticker = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => break,
        }
        match purge.execute().await {
            Ok(0) => {}
            Ok(n) => {
                stats
                    .sessions_purged
                    .fetch_add(i64::try_from(n).unwrap_or(i64::MAX), Ordering::Relaxed);
                tracing::info!(deleted = n, "purged ended login sessions");
            }
            Err(e) => tracing::warn!(error = %e, "cannot purge ended login sessions"),
        }
    }
    tracing::debug!("session purger stopped");
}

/// Deletes the blobs of uploads that never committed, a batch at a time. The stale
/// intents are found through the index on their age, so an idle sweep costs one lookup.
async fn sweep_orphans(
    sweep: SweepOrphanBlobs,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
    stats: Arc<WorkerStats>,
) {
    const BATCH: u32 = 100;
    let mut ticker = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => break,
        }
        loop {
            match sweep.execute(BATCH).await {
                Ok(0) => break,
                Ok(n) => {
                    stats
                        .orphan_blobs_deleted
                        .fetch_add(i64::try_from(n).unwrap_or(i64::MAX), Ordering::Relaxed);
                    tracing::info!(deleted = n, "deleted blobs of uploads that never committed");
                    if n < BATCH as usize || *stopped.borrow() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot sweep orphan blobs");
                    break;
                }
            }
        }
    }
    tracing::debug!("orphan sweeper stopped");
}

/// Records the SLA warnings and breaches that came due. Each tick takes due tickets
/// through the deadline index in batches until none is left, so its cost follows what is
/// due; several workers split the work (leases, `SKIP LOCKED` on PostgreSQL).
async fn monitor_sla(
    monitor: MonitorSla,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
    stats: Arc<WorkerStats>,
) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => break,
        }
        let started = std::time::Instant::now();
        let total = run_sla_tick(&monitor, &stopped).await;
        let micros = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
        stats.sla_last_tick_micros.store(micros, Ordering::Relaxed);
        stats.sla_ticks.fetch_add(1, Ordering::Relaxed);
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        stats.sla_warnings.fetch_add(count(total.warnings), Ordering::Relaxed);
        stats.sla_breaches.fetch_add(count(total.breaches), Ordering::Relaxed);
        stats.sla_conflicts.fetch_add(count(total.conflicts), Ordering::Relaxed);
        if total.claimed > 0 {
            tracing::info!(
                claimed = total.claimed,
                warnings = total.warnings,
                breaches = total.breaches,
                conflicts = total.conflicts,
                failed = total.failed,
                micros,
                "SLA monitor tick"
            );
        }
    }
    tracing::debug!("SLA monitor stopped");
}

/// One tick: batches until a batch comes back short, a failure, or shutdown.
pub async fn run_sla_tick(monitor: &MonitorSla, stopped: &watch::Receiver<bool>) -> SlaTick {
    let mut total = SlaTick::default();
    loop {
        match monitor.tick().await {
            Ok(batch) => {
                let full = batch.claimed >= monitor.batch_size();
                if let Some(e) = &batch.last_error {
                    tracing::warn!(failed = batch.failed, error = %e, "SLA monitor could not save some tickets");
                }
                total.claimed += batch.claimed;
                total.warnings += batch.warnings;
                total.breaches += batch.breaches;
                total.conflicts += batch.conflicts;
                total.failed += batch.failed;
                if !full || batch.failed > 0 || *stopped.borrow() {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "SLA monitor cannot take due tickets");
                break;
            }
        }
    }
    total
}

/// Gives queued tickets to agents with room. Runs again at once after a full tick that
/// assigned something; otherwise waits `every`, so tickets are picked up shortly after
/// an agent comes online or frees capacity. An idle tick costs one read of the online
/// agents (and none of the queue when nobody has room).
async fn drain_queue(queue: DrainQueue, every: Duration, mut stopped: watch::Receiver<bool>, stats: Arc<WorkerStats>) {
    loop {
        let tick = run_queue_tick(&queue).await;
        stats.queue_ticks.fetch_add(1, Ordering::Relaxed);
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        stats.queue_assigned.fetch_add(count(tick.assigned), Ordering::Relaxed);
        stats.queue_refused.fetch_add(count(tick.refused), Ordering::Relaxed);
        stats
            .queue_conflicts
            .fetch_add(count(tick.conflicts), Ordering::Relaxed);
        // A full batch that made progress: more may be waiting, go on at once.
        if tick.considered >= queue.batch_size() && tick.assigned > 0 && tick.failed == 0 {
            if *stopped.borrow() {
                break;
            }
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => break,
        }
    }
    tracing::debug!("assignment queue stopped");
}

/// One queue tick, logged when it did something.
pub async fn run_queue_tick(queue: &DrainQueue) -> QueueTick {
    match queue.tick().await {
        Ok(tick) => {
            if let Some(e) = &tick.last_error {
                tracing::warn!(failed = tick.failed, error = %e, "assignment queue could not save some tickets");
            }
            if tick.assigned > 0 || tick.refused > 0 || tick.conflicts > 0 {
                tracing::info!(
                    considered = tick.considered,
                    assigned = tick.assigned,
                    refused = tick.refused,
                    conflicts = tick.conflicts,
                    "assignment queue tick"
                );
            }
            tick
        }
        Err(e) => {
            tracing::warn!(error = %e, "assignment queue cannot read agents or tickets");
            QueueTick::default()
        }
    }
}

/// The planner: outbox events to notification rows.
pub fn planner(db: &Database, every: Intervals) -> PlanNotifications {
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
pub fn dispatcher(db: &Database, delivery: Delivery, every: Intervals) -> DispatchNotifications {
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

/// Applies the escalation rules that fire. Each tick takes the tickets due a look through
/// the check index in batches until none is left; several workers split the work.
async fn run_escalations(
    escalations: RunEscalations,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
    stats: Arc<WorkerStats>,
) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => break,
        }
        let total = run_escalation_tick(&escalations, &stopped).await;
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        stats.escalation_ticks.fetch_add(1, Ordering::Relaxed);
        stats
            .escalation_checked
            .fetch_add(count(total.checked), Ordering::Relaxed);
        stats.escalation_fired.fetch_add(count(total.fired), Ordering::Relaxed);
        stats
            .escalation_refused
            .fetch_add(count(total.refused), Ordering::Relaxed);
    }
    tracing::debug!("escalation loop stopped");
}

/// One escalation tick: batches until a batch comes back short, a failure, or shutdown.
pub async fn run_escalation_tick(escalations: &RunEscalations, stopped: &watch::Receiver<bool>) -> EscalationTick {
    let mut total = EscalationTick::default();
    loop {
        match escalations.tick().await {
            Ok(batch) => {
                if let Some(e) = &batch.last_error {
                    tracing::warn!(failed = batch.failed, error = %e, "escalation loop could not save some tickets");
                }
                if batch.fired > 0 || batch.refused > 0 {
                    tracing::info!(
                        checked = batch.checked,
                        fired = batch.fired,
                        refused = batch.refused,
                        conflicts = batch.conflicts,
                        "escalation tick"
                    );
                }
                let full = batch.checked >= escalations.batch_size();
                total.checked += batch.checked;
                total.fired += batch.fired;
                total.refused += batch.refused;
                total.conflicts += batch.conflicts;
                total.failed += batch.failed;
                if !full || batch.failed > 0 || *stopped.borrow() {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "escalation loop cannot take due tickets");
                break;
            }
        }
    }
    total
}

/// Plans notifications from the outbox and sends what is due. Runs again at once while
/// either step had a full batch; otherwise waits `every`.
async fn notify(
    planner: PlanNotifications,
    dispatcher: DispatchNotifications,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
    stats: Arc<WorkerStats>,
) {
    loop {
        let (planned, sent) = run_notify_tick(&planner, &dispatcher).await;
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        stats.notify_ticks.fetch_add(1, Ordering::Relaxed);
        stats
            .notifications_planned
            .fetch_add(count(planned.queued), Ordering::Relaxed);
        stats.notifications_sent.fetch_add(count(sent.sent), Ordering::Relaxed);
        stats
            .notifications_retried
            .fetch_add(count(sent.retried), Ordering::Relaxed);
        stats.notifications_dead.fetch_add(count(sent.dead), Ordering::Relaxed);
        stats
            .notifications_lost_lease
            .fetch_add(count(sent.lost_lease), Ordering::Relaxed);
        let busy = (planned.events >= planner.batch_size() && planned.failed == 0)
            || (sent.claimed >= dispatcher.batch_size() && sent.failed == 0);
        if busy {
            if *stopped.borrow() {
                break;
            }
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => break,
        }
    }
    tracing::debug!("notification loop stopped");
}

/// One notification tick: plan a batch of outbox events, then send a batch of due
/// notifications; logged when it did something.
pub async fn run_notify_tick(
    planner: &PlanNotifications,
    dispatcher: &DispatchNotifications,
) -> (PlanTick, DispatchTick) {
    let planned = match planner.tick().await {
        Ok(tick) => {
            if let Some(e) = &tick.last_error {
                tracing::warn!(failed = tick.failed, error = %e, "could not plan some outbox events");
            }
            tick
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the outbox");
            PlanTick::default()
        }
    };
    let sent = match dispatcher.tick().await {
        Ok(tick) => {
            if let Some(e) = &tick.last_error {
                tracing::warn!(failed = tick.failed, error = %e, "could not record some notification outcomes");
            }
            if tick.claimed > 0 {
                tracing::info!(
                    planned = planned.queued,
                    claimed = tick.claimed,
                    sent = tick.sent,
                    retried = tick.retried,
                    dead = tick.dead,
                    lost_lease = tick.lost_lease,
                    "notification tick"
                );
            }
            tick
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot take due notifications");
            DispatchTick::default()
        }
    };
    (planned, sent)
}
