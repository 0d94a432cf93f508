//! The help desk's background process: its jobs and their driver.
//!
//! Every loop is an [`application::jobs::Job`] run by the one driver in [`runtime`]; the
//! list of jobs is [`wiring::jobs`]. They live in this library so `ticket-api` can run
//! them in-process (single-node mode) and `ticket-worker` as its own deployment: the SLA
//! monitor, the assignment queue, the escalation loop, the notification loop (outbox to
//! notifications, then delivery), the outbox backlog report, the session purge and the
//! orphan-blob sweep, with `/healthz` and `/metrics` and a graceful stop.
#![forbid(unsafe_code)]

pub mod health;
pub mod runtime;
pub mod wiring;

pub use runtime::{Jobs, Runtime};
pub use wiring::Intervals;
