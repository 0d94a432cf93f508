//! The help desk's use cases, one type each, and the ports they need.
//!
//! Use cases take ports as `Arc<dyn Port>`; the binaries wire adapters in. A use case
//! that changes a ticket builds one [`ports::ChangeSet`] (new state, history, outbox) and
//! commits it through [`ports::UnitOfWork`], so a command is one transaction.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod accounts;
pub mod agents;
pub mod assignment;
pub mod auth;
pub mod categories;
pub mod comments;
pub mod content;
mod error;
pub mod escalation;
mod fingerprint;
pub mod jobs;
pub mod notifications;
pub mod ports;
pub mod reports;
pub mod retention;
pub mod sla;
pub mod surveys;
pub mod tickets;

#[cfg(any(test, feature = "mocks"))]
pub mod testing;

pub use error::{AppError, FieldError};
