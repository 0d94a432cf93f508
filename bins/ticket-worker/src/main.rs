//! `ticket-worker`: the help desk's background process.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use adapters_db::{Database, PoolOptions};
use ticket_worker::settings::Settings;
use ticket_worker::{Worker, health, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ticket-worker: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    match run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> Result<(), String> {
    let url = settings.database.url.expose();
    let options = PoolOptions {
        max_connections: settings.database.max_connections,
        acquire_timeout: Duration::from_secs(settings.database.acquire_timeout_secs),
    };
    let db = Database::connect(url, &options).await.map_err(|e| e.to_string())?;
    tracing::info!(backend = ?db.backend(), "connected to the database");
    let listener = tokio::net::TcpListener::bind(&settings.worker.health_bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.worker.health_bind))?;
    tracing::info!(address = %settings.worker.health_bind, "serving /healthz and /metrics");
    let blobs = std::sync::Arc::new(settings.open_blob_store()?);
    let worker = Worker::spawn(db, blobs, settings.worker_intervals());
    let (stop_health, health_stopped) = tokio::sync::watch::channel(false);
    let health = tokio::spawn(health::serve(listener, worker.stats.clone(), health_stopped));
    shutdown_signal().await;
    tracing::info!("stopping: finishing the current step of each loop");
    worker.shutdown().await;
    let _ = stop_health.send(true);
    let _ = health.await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
