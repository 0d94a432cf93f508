//! The adapters, opened as configured: the one place either binary builds them.

use std::sync::Arc;
use std::time::Duration;

use adapters_blob::{BlobConfig, ObjectBlobStore, S3Config};
use adapters_db::{Database, PoolOptions};
use application::assignment::Routing;
use application::ports::{CalendarSupport, Clock, NotificationGateway, TemplateRenderer};
use application::sla::SlaPorts;
use application::tickets::TicketPorts;

use crate::settings::Settings;

/// Connects to `database.url` and, with `migrate`, applies pending migrations.
pub async fn open_database(settings: &Settings, migrate: bool) -> Result<Database, String> {
    let url = settings.database.url.expose();
    let options = PoolOptions {
        max_connections: settings.database.max_connections,
        acquire_timeout: Duration::from_secs(settings.database.acquire_timeout_secs),
        statement_timeout: Some(settings.database.statement_timeout_ms)
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis),
    };
    let db = Database::connect(url, &options).await.map_err(|e| e.to_string())?;
    tracing::info!(backend = ?db.backend(), url = %adapters_db::redact_url(url), "connected to the database");
    if migrate {
        let applied = db.migrate().await.map_err(|e| e.to_string())?;
        if applied.is_empty() {
            tracing::info!("database schema is up to date");
        } else {
            tracing::info!(?applied, "applied migrations");
        }
    }
    Ok(db)
}

/// Opens the attachment store of `attachments.*`.
pub fn open_blob_store(settings: &Settings) -> Result<ObjectBlobStore, String> {
    let a = &settings.attachments;
    let config = match a.store.as_str() {
        "s3" => BlobConfig::S3(S3Config {
            bucket: a.s3.bucket.clone(),
            region: a.s3.region.clone(),
            endpoint: Some(a.s3.endpoint.clone()).filter(|e| !e.is_empty()),
            access_key_id: Some(a.s3.access_key_id.clone()).filter(|k| !k.is_empty()),
            secret_access_key: Some(a.s3.secret_access_key.expose().to_owned()).filter(|k| !k.is_empty()),
            allow_http: a.s3.allow_http,
        }),
        _ => BlobConfig::Local {
            root: a.path.clone().into(),
        },
    };
    ObjectBlobStore::open(&config).map_err(|e| e.to_string())
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
        surveys: db.clone(),
        routing: Routing {
            agents: db,
            assign_on_create: settings.assignment.assign_on_create,
            weights: settings.load_weights(),
        },
    }
}

/// How notifications are rendered and sent.
#[derive(Clone)]
pub struct Delivery {
    /// The templates.
    pub renderer: Arc<dyn TemplateRenderer>,
    /// The providers (or the log).
    pub gateway: Arc<dyn NotificationGateway>,
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
