//! A tiny HTTP endpoint for the worker: `GET /healthz` and `GET /metrics`.
//! Hand-rolled on tokio to keep a web framework out of the worker.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::loops::WorkerStats;

/// Serves until `stopped` flips.
pub async fn serve(listener: TcpListener, stats: Arc<WorkerStats>, mut stopped: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopped.changed() => break,
        };
        let Ok((mut stream, _)) = accepted else { continue };
        let stats = stats.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let n = match tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let (status, content_type, body) = match path {
                "/healthz" => ("200 OK", "application/json", "{\"status\":\"ok\"}".to_owned()),
                "/metrics" => ("200 OK", "text/plain; version=0.0.4", metrics(&stats)),
                _ => ("404 Not Found", "text/plain", "not found\n".to_owned()),
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}

fn metrics(stats: &WorkerStats) -> String {
    format!(
        "# HELP ticket_worker_outbox_pending Outbox events waiting for delivery at the last check.\n\
         # TYPE ticket_worker_outbox_pending gauge\n\
         ticket_worker_outbox_pending {}\n\
         # HELP ticket_worker_ticks_total Completed loop ticks.\n\
         # TYPE ticket_worker_ticks_total counter\n\
         ticket_worker_ticks_total {}\n\
         # HELP ticket_worker_sessions_purged_total Ended login sessions deleted.\n\
         # TYPE ticket_worker_sessions_purged_total counter\n\
         ticket_worker_sessions_purged_total {}\n\
         # HELP ticket_worker_orphan_blobs_deleted_total Blobs of uploads that never committed, deleted.\n\
         # TYPE ticket_worker_orphan_blobs_deleted_total counter\n\
         ticket_worker_orphan_blobs_deleted_total {}\n\
         # HELP ticket_worker_sla_warnings_total SLA warnings recorded.\n\
         # TYPE ticket_worker_sla_warnings_total counter\n\
         ticket_worker_sla_warnings_total {}\n\
         # HELP ticket_worker_sla_breaches_total SLA breaches recorded.\n\
         # TYPE ticket_worker_sla_breaches_total counter\n\
         ticket_worker_sla_breaches_total {}\n\
         # HELP ticket_worker_sla_conflicts_total SLA monitor saves lost to a concurrent change.\n\
         # TYPE ticket_worker_sla_conflicts_total counter\n\
         ticket_worker_sla_conflicts_total {}\n\
         # HELP ticket_worker_sla_ticks_total Completed SLA monitor ticks.\n\
         # TYPE ticket_worker_sla_ticks_total counter\n\
         ticket_worker_sla_ticks_total {}\n\
         # HELP ticket_worker_sla_last_tick_seconds Duration of the last SLA monitor tick.\n\
         # TYPE ticket_worker_sla_last_tick_seconds gauge\n\
         ticket_worker_sla_last_tick_seconds {}\n\
         # HELP ticket_worker_queue_assigned_total Queued tickets given to an agent.\n\
         # TYPE ticket_worker_queue_assigned_total counter\n\
         ticket_worker_queue_assigned_total {}\n\
         # HELP ticket_worker_queue_refused_total Queue choices refused: the agent filled up or went away meanwhile.\n\
         # TYPE ticket_worker_queue_refused_total counter\n\
         ticket_worker_queue_refused_total {}\n\
         # HELP ticket_worker_queue_conflicts_total Queued tickets changed by someone else meanwhile.\n\
         # TYPE ticket_worker_queue_conflicts_total counter\n\
         ticket_worker_queue_conflicts_total {}\n\
         # HELP ticket_worker_queue_ticks_total Completed assignment queue ticks.\n\
         # TYPE ticket_worker_queue_ticks_total counter\n\
         ticket_worker_queue_ticks_total {}\n",
        stats.outbox_pending.load(Ordering::Relaxed),
        stats.ticks.load(Ordering::Relaxed),
        stats.sessions_purged.load(Ordering::Relaxed),
        stats.orphan_blobs_deleted.load(Ordering::Relaxed),
        stats.sla_warnings.load(Ordering::Relaxed),
        stats.sla_breaches.load(Ordering::Relaxed),
        stats.sla_conflicts.load(Ordering::Relaxed),
        stats.sla_ticks.load(Ordering::Relaxed),
        stats.sla_last_tick_micros.load(Ordering::Relaxed) as f64 / 1e6,
        stats.queue_assigned.load(Ordering::Relaxed),
        stats.queue_refused.load(Ordering::Relaxed),
        stats.queue_conflicts.load(Ordering::Relaxed),
        stats.queue_ticks.load(Ordering::Relaxed),
    ) + &counters(&[
        (
            "escalation_checked_total",
            "Tickets the escalation loop looked at.",
            &stats.escalation_checked,
        ),
        (
            "escalation_fired_total",
            "Escalation rule firings applied.",
            &stats.escalation_fired,
        ),
        (
            "escalation_refused_total",
            "Hand-overs a rule asked for that the agent could not take.",
            &stats.escalation_refused,
        ),
        (
            "escalation_ticks_total",
            "Completed escalation loop ticks.",
            &stats.escalation_ticks,
        ),
        (
            "notifications_planned_total",
            "Notifications queued from outbox events.",
            &stats.notifications_planned,
        ),
        (
            "notifications_sent_total",
            "Notifications the provider accepted.",
            &stats.notifications_sent,
        ),
        (
            "notifications_retried_total",
            "Notification attempts that failed for now.",
            &stats.notifications_retried,
        ),
        (
            "notifications_dead_total",
            "Notifications dead-lettered.",
            &stats.notifications_dead,
        ),
        (
            "notifications_lost_lease_total",
            "Outcomes dropped: another dispatcher took the row over.",
            &stats.notifications_lost_lease,
        ),
        (
            "notify_ticks_total",
            "Completed notification ticks.",
            &stats.notify_ticks,
        ),
    ])
}

/// Counters in the text exposition format, each named `ticket_worker_NAME`.
fn counters(list: &[(&str, &str, &std::sync::atomic::AtomicI64)]) -> String {
    list.iter()
        .map(|(name, help, value)| {
            format!(
                "# HELP ticket_worker_{name} {help}\n# TYPE ticket_worker_{name} counter\nticket_worker_{name} {}\n",
                value.load(Ordering::Relaxed)
            )
        })
        .collect()
}
