//! The help desk's background process: its configuration, telemetry and loops.
//!
//! The loops live in this library so `ticket-api` can run them in-process (single-node
//! mode) and `ticket-worker` as its own deployment: the SLA monitor, the outbox backlog
//! report, the session purge and the orphan-blob sweep, with `/healthz` and `/metrics`
//! and a graceful stop. The assignment, escalation and notification loops arrive with
//! their issues.
#![forbid(unsafe_code)]

pub mod health;
pub mod loops;
pub mod settings;
pub mod telemetry;
pub mod wiring;

pub use loops::{Intervals, Worker};
