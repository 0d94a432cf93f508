//! A ticket's history.

use domain::Actor;

use crate::error::AppError;
use crate::ports::{HistoryEntry, Page};

use super::{TicketPorts, check_limit, load_visible};

/// Lists the changes made to a ticket, oldest first.
#[derive(Clone)]
pub struct TicketHistory {
    ports: TicketPorts,
}

impl TicketHistory {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// One page of the history of a ticket the actor may see (without internal entries
    /// for customers); the cursor is the last entry's id.
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        after: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Page<HistoryEntry, i64>, AppError> {
        let limit = check_limit(limit)?;
        let ticket = load_visible(&self.ports, &actor, reference).await?;
        let mut items = self
            .ports
            .tickets
            .history(ticket.id(), actor.is_staff(), after, limit + 1)
            .await?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|e| e.id)
        } else {
            None
        };
        Ok(Page { items, next })
    }
}
