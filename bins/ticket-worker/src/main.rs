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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        None => run(settings).await,
        Some("sla-tick") => sla_tick(settings, &args[1..]).await,
        Some("queue-tick") => queue_tick(settings, &args[1..]).await,
        Some("escalation-tick") => escalation_tick(settings, &args[1..]).await,
        Some("notify-tick") => notify_tick(settings, &args[1..]).await,
        Some(other) => Err(format!(
            "unknown command `{other}`; run without arguments, or \
             `sla-tick|queue-tick|escalation-tick|notify-tick [--repeat N]`"
        )),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(settings: &Settings) -> Result<Database, String> {
    let url = settings.database.url.expose();
    let options = PoolOptions {
        max_connections: settings.database.max_connections,
        acquire_timeout: Duration::from_secs(settings.database.acquire_timeout_secs),
    };
    Database::connect(url, &options).await.map_err(|e| e.to_string())
}

/// `sla-tick [--repeat N]`: runs the SLA monitor's tick N times (default 1) now, one after
/// the other, and prints what each recorded and how long it took. For operations (catch up
/// by hand) and for the monitor benchmark in BENCHMARKS.md.
async fn sla_tick(settings: Settings, args: &[String]) -> Result<(), String> {
    let repeat = repeat_of(args, "sla-tick")?;
    let db = std::sync::Arc::new(connect(&settings).await?);
    let every = settings.worker_intervals();
    let monitor = application::sla::MonitorSla::new(
        db.clone(),
        db,
        std::sync::Arc::new(application::ports::SystemClock),
        every.sla_batch,
        every.sla_lease_secs,
    );
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    for i in 1..=repeat {
        let started = std::time::Instant::now();
        let tick = ticket_worker::loops::run_sla_tick(&monitor, &stopped).await;
        let micros = started.elapsed().as_micros();
        let line = format!(
            "tick {i}: {micros} us, claimed {}, warnings {}, breaches {}, conflicts {}, failed {}\n",
            tick.claimed, tick.warnings, tick.breaches, tick.conflicts, tick.failed
        );
        std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The ticket use cases' ports on `db`, on the system clock and the IANA time zones.
fn ticket_ports(db: &Database, settings: &Settings) -> application::tickets::TicketPorts {
    ticket_worker::wiring::ticket_ports(
        db,
        std::sync::Arc::new(application::ports::SystemClock),
        std::sync::Arc::new(adapters_calendar::IanaCalendars),
        settings,
    )
}

/// `queue-tick [--repeat N]`: runs the assignment queue's tick N times (default 1) now,
/// one after the other, and prints what each did and how long it took. For operations and
/// for the queue benchmark in BENCHMARKS.md.
async fn queue_tick(settings: Settings, args: &[String]) -> Result<(), String> {
    let repeat = repeat_of(args, "queue-tick")?;
    let db = connect(&settings).await?;
    let queue = application::assignment::DrainQueue::new(ticket_ports(&db, &settings), settings.worker.queue_batch);
    for i in 1..=repeat {
        let started = std::time::Instant::now();
        let tick = ticket_worker::loops::run_queue_tick(&queue).await;
        let micros = started.elapsed().as_micros();
        let line = format!(
            "tick {i}: {micros} us, considered {}, assigned {}, refused {}, conflicts {}, failed {}\n",
            tick.considered, tick.assigned, tick.refused, tick.conflicts, tick.failed
        );
        std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The N of `--repeat N` (default 1).
async fn escalation_tick(settings: Settings, args: &[String]) -> Result<(), String> {
    let repeat = repeat_of(args, "escalation-tick")?;
    let db = connect(&settings).await?;
    let every = settings.worker_intervals();
    let port = std::sync::Arc::new(db.clone());
    let escalations = application::escalation::RunEscalations::new(
        ticket_ports(&db, &settings),
        port.clone(),
        port,
        every.escalation_batch,
        every.escalation_lease_secs,
    );
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    for i in 1..=repeat {
        let started = std::time::Instant::now();
        let tick = ticket_worker::loops::run_escalation_tick(&escalations, &stopped).await;
        let micros = started.elapsed().as_micros();
        print_line(&format!(
            "tick {i}: {micros} us, checked {}, fired {}, refused {}, conflicts {}, failed {}",
            tick.checked, tick.fired, tick.refused, tick.conflicts, tick.failed
        ))?;
    }
    Ok(())
}

async fn notify_tick(settings: Settings, args: &[String]) -> Result<(), String> {
    let repeat = repeat_of(args, "notify-tick")?;
    let db = connect(&settings).await?;
    let every = settings.worker_intervals();
    let planner = ticket_worker::loops::planner(&db, every);
    let dispatcher = ticket_worker::loops::dispatcher(&db, ticket_worker::wiring::delivery(&settings)?, every);
    for i in 1..=repeat {
        let started = std::time::Instant::now();
        let (planned, sent) = ticket_worker::loops::run_notify_tick(&planner, &dispatcher).await;
        let micros = started.elapsed().as_micros();
        print_line(&format!(
            "tick {i}: {micros} us, events {}, planned {}, claimed {}, sent {}, retried {}, dead {}",
            planned.events, planned.queued, sent.claimed, sent.sent, sent.retried, sent.dead
        ))?;
    }
    Ok(())
}

fn print_line(line: &str) -> Result<(), String> {
    std::io::Write::write_all(&mut std::io::stdout(), format!("{line}\n").as_bytes()).map_err(|e| e.to_string())
}

fn repeat_of(args: &[String], command: &str) -> Result<u32, String> {
    match args {
        [] => Ok(1),
        [flag, n] if flag == "--repeat" => n
            .parse::<u32>()
            .map_err(|_| format!("--repeat wants a number, not `{n}`")),
        _ => Err(format!("usage: ticket-worker {command} [--repeat N]")),
    }
}

async fn run(settings: Settings) -> Result<(), String> {
    let db = connect(&settings).await?;
    tracing::info!(backend = ?db.backend(), "connected to the database");
    let listener = tokio::net::TcpListener::bind(&settings.worker.health_bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.worker.health_bind))?;
    tracing::info!(address = %settings.worker.health_bind, "serving /healthz and /metrics");
    let blobs = std::sync::Arc::new(settings.open_blob_store()?);
    let tickets = ticket_ports(&db, &settings);
    let delivery = ticket_worker::wiring::delivery(&settings)?;
    let worker = Worker::spawn(db, blobs, tickets, delivery, settings.worker_intervals());
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
