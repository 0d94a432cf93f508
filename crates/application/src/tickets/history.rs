//! A ticket's history.

use domain::{Actor, TicketId};

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

/// History entries read per page by [`pick_history`].
const PAGE: u32 = 500;

/// Every entry of a ticket's history (internal ones too) that `pick` keeps, oldest first,
/// read page by page: for the assignment and escalation records.
pub(crate) async fn pick_history<T>(
    ports: &TicketPorts,
    ticket: TicketId,
    mut pick: impl FnMut(HistoryEntry) -> Option<T>,
) -> Result<Vec<T>, AppError> {
    let mut kept = Vec::new();
    let mut after = None;
    loop {
        let page = ports.tickets.history(ticket, true, after, PAGE).await?;
        let full = page.len() == PAGE as usize;
        after = page.last().map(|e| e.id);
        kept.extend(page.into_iter().filter_map(&mut pick));
        if !full {
            return Ok(kept);
        }
    }
}
