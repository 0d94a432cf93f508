//! A ticket's escalation record.

use domain::{Actor, Priority, TicketEventKind, Timestamp, UserId};

use crate::error::AppError;
use crate::tickets::{TicketPorts, load_visible, pick_history};

/// One escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationRecord {
    /// The history entry it is.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// Who escalated; `None` when a rule did.
    pub by: Option<UserId>,
    /// The rule that fired, for automatic escalations.
    pub rule_id: Option<i64>,
    /// Why.
    pub reason: String,
    /// The escalation level before and after.
    pub level: (u8, u8),
    /// The priority before and after.
    pub priority: (Priority, Priority),
}

/// `GET /tickets/{id}/escalations`: the record, oldest first. Staff only.
#[derive(Clone)]
pub struct TicketEscalations {
    ports: TicketPorts,
}

impl TicketEscalations {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// The record of the ticket `reference`.
    pub async fn execute(&self, actor: Actor, reference: &str) -> Result<Vec<EscalationRecord>, AppError> {
        let ticket = load_visible(&self.ports, &actor, reference).await?;
        if !actor.is_staff() {
            return Err(AppError::Forbidden("the escalation record is for staff".into()));
        }
        pick_history(&self.ports, ticket.id(), |e| match e.kind {
            TicketEventKind::Escalated {
                rule_id,
                reason,
                level_from,
                level_to,
                priority_from,
                priority_to,
            } => Some(EscalationRecord {
                id: e.id,
                at: e.at,
                by: e.actor,
                rule_id,
                reason,
                level: (level_from, level_to),
                priority: (priority_from, priority_to),
            }),
            _ => None,
        })
        .await
    }
}
