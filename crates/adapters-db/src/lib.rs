//! Persistence for the help desk with Diesel and diesel-async: PostgreSQL for production,
//! SQLite (bundled) as the embedded default. One [`Database`] implements every storage
//! port of the application on either backend.
//!
//! Queries are written once and expanded per backend by [`db_run!`] / [`db_tx!`], so each
//! copy type-checks against its own backend; only dialect fragments (full-text search,
//! sequences) differ.
#![forbid(unsafe_code)]

#[macro_use]
mod macros;

mod agents;
mod assignments;
mod attempts;
mod categories;
mod comments;
mod content;
mod error;
mod escalation;
mod events;
mod idempotency;
mod notifications;
mod password_resets;
mod pool;
mod reference;
mod registrations;
mod reports;
mod schema;
mod sessions;
mod sla;
mod surveys;
mod tickets;
mod time;
mod tls;
mod unit_of_work;
mod users;

pub mod testing;

diesel::define_sql_function! {
    /// PostgreSQL's `nextval(sequence)`, as a typed function so the statement is cached.
    fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt;
}

pub use error::ConnectError;
pub use pool::{Backend, Database, PoolOptions, redact as redact_url};
