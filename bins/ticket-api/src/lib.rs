//! The help desk's HTTP API (actix-web) and its composition root.
//!
//! Handlers parse a request, call one use case and map the result; the rules live in
//! `domain` and `application`. Errors become RFC 9457 problem documents in one place
//! ([`problem`]).
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod compose;
pub mod cursor;
pub mod deadline;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod resources;
pub mod server;
pub mod shared;
