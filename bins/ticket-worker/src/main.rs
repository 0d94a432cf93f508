//! `ticket-worker`: the help desk's background process.
#![forbid(unsafe_code)]

/// mimalloc gives freed memory back to the system: with glibc's allocator the 19 MiB of
/// each password hash stayed resident in a per-thread arena (BENCHMARKS.md, issue 17).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use platform::{Settings, adapters, telemetry};
use ticket_worker::runtime::{self, Runtime};
use ticket_worker::{health, wiring};

const USAGE: &str = "usage: ticket-worker              run every job until SIGINT or SIGTERM\n       \
                     ticket-worker tick JOB [--repeat N]   run one job's tick N times now (default 1)";

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
        Some("tick") => tick(settings, &args[1..]).await,
        Some(other) => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `tick JOB [--repeat N]`: runs one job's tick N times (default 1) now, one after the
/// other, and prints what each did and how long it took. For operations (catch up by
/// hand) and for the benchmarks in BENCHMARKS.md.
async fn tick(settings: Settings, args: &[String]) -> Result<(), String> {
    let (name, repeat) = match args {
        [name] => (name, 1),
        [name, flag, n] if flag == "--repeat" => (
            name,
            n.parse::<u32>()
                .map_err(|_| format!("--repeat wants a number, not `{n}`"))?,
        ),
        _ => return Err(USAGE.into()),
    };
    let db = adapters::open_database(&settings, false).await?;
    let jobs = wiring::compose(&db, &settings)?;
    let Some(scheduled) = jobs.get(name) else {
        return Err(format!("no job `{name}`; the jobs are: {}", jobs.names().join(", ")));
    };
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    for i in 1..=repeat {
        let t = runtime::tick(&*scheduled.job, &stopped).await;
        let values: String = t.report.values.iter().map(|(n, v)| format!(", {n} {v}")).collect();
        let error = t.error.map(|e| format!(", error: {e}")).unwrap_or_default();
        let line = format!(
            "tick {i}: {} us, taken {}{values}, failed {}{error}\n",
            t.elapsed.as_micros(),
            t.report.taken,
            t.report.failed
        );
        std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn run(settings: Settings) -> Result<(), String> {
    let db = adapters::open_database(&settings, false).await?;
    let listener = tokio::net::TcpListener::bind(&settings.worker.health_bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.worker.health_bind))?;
    tracing::info!(address = %settings.worker.health_bind, "serving /healthz, /readyz and /metrics");
    let jobs = wiring::compose(&db, &settings)?;
    tracing::info!(jobs = %jobs.names().join(", "), "starting the jobs");
    let runtime = Runtime::spawn(&jobs);
    let (stop_health, health_stopped) = tokio::sync::watch::channel(false);
    let probe_db = db.clone();
    let ready = health::Readiness {
        metrics: runtime.metrics.clone(),
        probe: std::sync::Arc::new(move || {
            let db = probe_db.clone();
            Box::pin(async move { db.ping().await.map_err(|e| e.to_string()) })
        }),
        max_failing: std::time::Duration::from_secs(settings.worker.ready_max_failing_secs),
    };
    let health = tokio::spawn(health::serve(listener, ready, health_stopped));
    platform::shutdown_signal().await;
    tracing::info!("stopping: finishing the current batch of each job");
    runtime.shutdown().await;
    let _ = stop_health.send(true);
    let _ = health.await;
    tracing::info!("stopped");
    Ok(())
}
