//! The ticket use cases' ports, wired to the database the same way in both binaries.

use std::sync::Arc;

use adapters_db::Database;
use application::assignment::Routing;
use application::ports::{CalendarSupport, Clock};
use application::sla::SlaPorts;
use application::tickets::TicketPorts;

use crate::settings::Settings;

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

/// The notification templates and providers of `notify.*`: SendGrid and Twilio when
/// their credentials are set, the log file otherwise. Fails when an override template
/// does not parse, so a bad template stops the start, not the sends.
pub fn delivery(settings: &Settings) -> Result<crate::Delivery, String> {
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
    Ok(crate::Delivery {
        renderer: Arc::new(templates),
        gateway: Arc::new(gateways),
    })
}
