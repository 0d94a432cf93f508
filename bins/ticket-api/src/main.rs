//! `ticket-api`: the help desk's HTTP API.
#![forbid(unsafe_code)]

/// mimalloc gives freed memory back to the system: with glibc's allocator the 19 MiB of
/// each password hash stayed resident in a per-thread arena (BENCHMARKS.md, issue 17).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write as _;
use std::process::ExitCode;

use platform::{Settings, telemetry};
use ticket_api::cli::{self, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "ticket-api: {e}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    if command == Command::Help {
        let _ = writeln!(std::io::stdout(), "{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "ticket-api: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    match cli::run(command, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
