//! The ticket use cases.

mod assignment;
mod change_status;
mod close;
mod create;
mod get;
mod history;
mod idempotent;
mod mutate;
mod search;
mod update;
mod view;

pub(crate) use assignment::active_agent;
pub use assignment::{AssignInput, AssignTicket, UnassignTicket};
pub use change_status::{ChangeStatus, ChangeStatusInput};
pub(crate) use change_status::{REASON_MAX_CHARS, check_reason};
pub use close::CloseTicket;
pub use create::{CreateTicket, CreateTicketInput, CreatedTicket};
pub use get::GetTicket;
pub use history::TicketHistory;
pub(crate) use history::pick_history;
pub(crate) use idempotent::{Idempotent, check_key};
pub(crate) use mutate::{Attempt, commit_with_retry, mutate_events, place_taken};
pub use search::{SearchTickets, TicketListInput};
pub use update::{UpdateTicket, UpdateTicketInput};
pub(crate) use view::view_of;
pub use view::{Satisfaction, StaffView, TicketView};

use std::sync::Arc;

use domain::{Actor, Ticket, TicketId, TicketNumber};

use crate::assignment::Routing;
use crate::error::AppError;
use crate::ports::{CategoryRepository, Clock, IdempotencyRepository, TicketRepository, UnitOfWork, UserRepository};
use crate::sla::SlaPorts;

/// The default page size of lists.
pub const DEFAULT_LIMIT: u32 = 25;
/// The largest page size of lists.
pub const MAX_LIMIT: u32 = 100;

/// The ports the ticket use cases share.
#[derive(Clone)]
pub struct TicketPorts {
    /// Reads tickets.
    pub tickets: Arc<dyn TicketRepository>,
    /// Commits changes atomically.
    pub uow: Arc<dyn UnitOfWork>,
    /// Reads accounts (customers, assignees).
    pub users: Arc<dyn UserRepository>,
    /// Reads categories.
    pub categories: Arc<dyn CategoryRepository>,
    /// Reads remembered idempotency keys.
    pub idempotency: Arc<dyn IdempotencyRepository>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
    /// Keeps tickets' SLA targets in step with their changes.
    pub sla: SlaPorts,
    /// Finds agents for tickets.
    pub routing: Routing,
    /// Reads tickets' satisfaction surveys (staff views, escalation rules).
    pub surveys: Arc<dyn crate::ports::SurveyRepository>,
}

/// Resolves `123` or `TKT-000123` to a ticket id. Anything else names no ticket.
pub fn parse_ticket_ref(reference: &str) -> Result<TicketId, AppError> {
    if let Ok(id) = reference.parse::<i64>() {
        return if id > 0 {
            Ok(TicketId::new(id))
        } else {
            Err(AppError::NotFound("ticket"))
        };
    }
    TicketNumber::parse(reference)
        .map(|(_, id)| id)
        .map_err(|_| AppError::NotFound("ticket"))
}

/// Loads a ticket the actor may see; otherwise "not found", whether it exists or not.
pub(crate) async fn load_visible(ports: &TicketPorts, actor: &Actor, reference: &str) -> Result<Ticket, AppError> {
    let id = parse_ticket_ref(reference)?;
    match ports.tickets.get(id).await? {
        Some(ticket) if ticket.is_visible_to(actor) => Ok(ticket),
        _ => Err(AppError::NotFound("ticket")),
    }
}

pub(crate) fn check_limit(limit: Option<u32>) -> Result<u32, AppError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(AppError::invalid("limit", format!("must be between 1 and {MAX_LIMIT}"))),
    }
}

#[cfg(test)]
mod tests;
