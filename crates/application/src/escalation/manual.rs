//! A person escalating a ticket: level + 1, optionally a higher priority and another agent.

use domain::assignment::Strictness;
use domain::escalation::PriorityRaise;
use domain::{Actor, Escalation, Priority, TicketStatus, UserId};

use crate::error::{AppError, Validator};
use crate::tickets::{REASON_MAX_CHARS, TicketPorts, TicketView, active_agent, mutate_events, view_of};

/// `POST /tickets/{id}/escalations`, as received.
#[derive(Debug, Clone, Default)]
pub struct EscalateInput {
    /// Why (required): kept in the history and shown to whoever is notified.
    pub reason: String,
    /// `one_level`, or a priority to raise to (`normal`, `high`, `urgent`).
    pub raise_priority: Option<String>,
    /// An agent to give the ticket to, checked like a person's assignment.
    pub reassign_to: Option<i64>,
}

/// A person escalates a ticket (staff only): its escalation level goes up by one, its
/// priority optionally up, and it optionally goes to another agent — history entries and
/// outbox events (`TicketEscalated`, and `TicketAssigned` for the hand-over) in one
/// transaction with the ticket's new state and SLA targets.
#[derive(Clone)]
pub struct EscalateTicket {
    ports: TicketPorts,
}

impl EscalateTicket {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// Escalates; `If-Match` as for other ticket commands. A hand-over to an offline or
    /// full agent is refused (409) as a person's assignment is.
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        input: EscalateInput,
        if_match: Option<i64>,
    ) -> Result<TicketView, AppError> {
        let mut v = Validator::default();
        let reason = match input.reason.trim() {
            "" => {
                v.fail("reason", "is required");
                None
            }
            r => v.check("reason", domain::text::clean_text(r, REASON_MAX_CHARS, true)),
        };
        let raise = match input.raise_priority.as_deref() {
            None => None,
            Some("one_level") => Some(PriorityRaise::OneLevel),
            Some(p) => v.check("raise_priority", Priority::parse(p)).map(PriorityRaise::To),
        };
        v.finish()?;
        let reason = reason.ok_or_else(|| AppError::Internal("validator let an empty reason through".into()))?;
        // Customers get "not found" or the domain's refusal before any account lookup.
        let reassign = match (input.reassign_to, actor.is_staff()) {
            (Some(id), true) => Some(active_agent(&self.ports, UserId::new(id), "reassign_to").await?),
            _ => None,
        };
        let ticket = mutate_events(
            &self.ports,
            actor,
            reference,
            if_match,
            Strictness::Manual,
            |ticket, now| {
                let escalation = Escalation {
                    rule_id: None,
                    reason: reason.clone(),
                    raise_level: true,
                    raise_priority: raise,
                };
                let mut events = vec![ticket.escalate(Some(actor), now, escalation)?];
                if let Some(agent) = reassign {
                    let handed = match ticket.status() {
                        TicketStatus::New => Some(ticket.assign(agent, actor, now, Some(reason.clone()))?),
                        _ => ticket.transfer(agent, actor, now, Some(reason.clone()))?,
                    };
                    events.extend(handed);
                }
                Ok(events)
            },
        )
        .await?;
        Ok(view_of(&self.ports, &actor, ticket).await)
    }
}
