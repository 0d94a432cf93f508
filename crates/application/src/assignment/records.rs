//! A ticket's assignment record: every time it was given to an agent or taken back.

use domain::{Actor, TicketEventKind, TicketStatus, Timestamp, UserId};

use crate::error::AppError;
use crate::tickets::{TicketPorts, load_visible, pick_history};

/// One assignment, transfer or unassignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRecord {
    /// The history entry it is.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// Who did it; `None` when the system chose the agent (automatic assignment).
    pub by: Option<UserId>,
    /// The agent given the ticket; `None` when it went back to the queue.
    pub agent: Option<UserId>,
    /// The agent who had it before.
    pub previous: Option<UserId>,
    /// Why: the person's reason, or for an automatic one why this agent was chosen.
    pub reason: Option<String>,
    /// The ticket's status before.
    pub from: TicketStatus,
    /// Its status after.
    pub to: TicketStatus,
}

/// `GET /tickets/{id}/assignments`: the record, oldest first. Staff only: customers see
/// who has their ticket, not how it got there.
#[derive(Clone)]
pub struct TicketAssignments {
    ports: TicketPorts,
}

impl TicketAssignments {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// The record of the ticket `reference`.
    pub async fn execute(&self, actor: Actor, reference: &str) -> Result<Vec<AssignmentRecord>, AppError> {
        let ticket = load_visible(&self.ports, &actor, reference).await?;
        if !actor.is_staff() {
            return Err(AppError::Forbidden("the assignment record is for staff".into()));
        }
        pick_history(&self.ports, ticket.id(), |e| {
            let (agent, previous, from, to, reason) = match e.kind {
                TicketEventKind::Assigned {
                    previous,
                    assignee,
                    from,
                    to,
                    reason,
                } => (Some(assignee), previous, from, to, reason),
                TicketEventKind::Unassigned { previous, from, reason } => {
                    (None, Some(previous), from, TicketStatus::New, reason)
                }
                _ => return None,
            };
            Some(AssignmentRecord {
                id: e.id,
                at: e.at,
                by: e.actor,
                agent,
                previous,
                reason,
                from,
                to,
            })
        })
        .await
    }
}
