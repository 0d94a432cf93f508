//! Request handlers: parse, call one use case, map the result. No business rules here.

pub mod accounts;
pub mod agents;
pub mod auth;
pub mod categories;
pub mod comments;
pub mod escalation;
pub mod notifications;
pub mod ops;
pub mod sla;
pub mod tickets;

use actix_web::web;

use crate::state::AppState;

/// The shared state, as handlers receive it.
pub type State = web::Data<AppState>;
