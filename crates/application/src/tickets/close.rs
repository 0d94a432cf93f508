//! Closing a ticket.

use domain::{Actor, TicketStatus};

use crate::error::AppError;

use super::TicketPorts;
use super::mutate::mutate;
use super::view::{TicketView, view_of};

/// Closes a ticket from any open status. Customers may close their own tickets.
#[derive(Clone)]
pub struct CloseTicket {
    ports: TicketPorts,
}

impl CloseTicket {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// Closes the ticket, recording the optional reason in its history.
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        reason: Option<String>,
        if_match: Option<i64>,
    ) -> Result<TicketView, AppError> {
        let reason = super::change_status::check_reason(reason)?;
        let ticket = mutate(&self.ports, actor, reference, if_match, |ticket, now| {
            Ok(Some(ticket.transition(
                TicketStatus::Closed,
                actor,
                now,
                reason.clone(),
            )?))
        })
        .await?;
        Ok(view_of(&self.ports, &actor, ticket).await)
    }
}
