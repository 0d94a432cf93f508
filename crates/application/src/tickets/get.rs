//! Reading one ticket.

use domain::Actor;

use crate::error::AppError;

use super::view::{TicketView, view_of};
use super::{TicketPorts, load_visible};

/// Reads a ticket by id or number. Another customer's ticket is "not found".
#[derive(Clone)]
pub struct GetTicket {
    ports: TicketPorts,
}

impl GetTicket {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// The ticket, if the actor may see it.
    pub async fn execute(&self, actor: Actor, reference: &str) -> Result<TicketView, AppError> {
        let ticket = load_visible(&self.ports, &actor, reference).await?;
        Ok(view_of(&self.ports, &actor, ticket).await)
    }
}
