//! The help desk's background process: its configuration, telemetry and loops.
//!
//! The loops live in this library so `ticket-api` can run them in-process (single-node
//! mode) and `ticket-worker` as its own deployment: the SLA monitor, the outbox backlog
//! report, the session purge and the orphan-blob sweep, with `/healthz` and `/metrics`
//! and a graceful stop; the assignment queue, the escalation loop, and the notification
//! loop (outbox to notifications, then delivery).
#![forbid(unsafe_code)]

pub mod health;
pub mod loops;
pub mod settings;
pub mod telemetry;
pub mod wiring;

pub use loops::{Delivery, Intervals, Worker};
