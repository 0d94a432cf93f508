//! Moving a ticket along the state machine.

use domain::{Actor, TicketStatus, UserId};

use crate::error::AppError;

use super::TicketPorts;
use super::assignment::active_agent;
use super::mutate::mutate;
use super::view::{TicketView, view_of};

/// The longest reason accepted with a status change, in characters.
pub const REASON_MAX_CHARS: usize = 1000;

/// A status change, as received.
#[derive(Debug, Clone, Default)]
pub struct ChangeStatusInput {
    /// The target status.
    pub to: String,
    /// For `assigned`: the agent; defaults to the acting staff member.
    pub assignee_id: Option<i64>,
    /// Why, kept in the history.
    pub reason: Option<String>,
}

/// Moves a ticket to another status, if the machine and the actor's role allow it.
#[derive(Clone)]
pub struct ChangeStatus {
    ports: TicketPorts,
}

pub(crate) fn check_reason(reason: Option<String>) -> Result<Option<String>, AppError> {
    match reason.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(r) => domain::text::clean_text(r, REASON_MAX_CHARS, true)
            .map(Some)
            .map_err(|e| AppError::invalid("reason", e)),
    }
}

impl ChangeStatus {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// Applies the change. A move the machine forbids names the allowed targets.
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        input: ChangeStatusInput,
        if_match: Option<i64>,
    ) -> Result<TicketView, AppError> {
        let to = TicketStatus::parse(&input.to).map_err(|e| AppError::invalid("to", e))?;
        let reason = check_reason(input.reason)?;
        // Customers asking for `assigned` get the domain's refusal, not a lookup.
        let assignee = match (to, input.assignee_id) {
            (TicketStatus::Assigned, Some(id)) if actor.is_staff() => {
                Some(active_agent(&self.ports, UserId::new(id), "assignee_id").await?)
            }
            (TicketStatus::Assigned, _) => Some(actor.user_id),
            (_, Some(_)) => {
                return Err(AppError::invalid(
                    "assignee_id",
                    "is only accepted when moving to assigned",
                ));
            }
            _ => None,
        };
        let ticket = mutate(&self.ports, actor, reference, if_match, |ticket, now| {
            let event = match (to, assignee) {
                (TicketStatus::Assigned, Some(agent)) => ticket.assign(agent, actor, now, reason.clone())?,
                _ => ticket.transition(to, actor, now, reason.clone())?,
            };
            Ok(Some(event))
        })
        .await?;
        Ok(view_of(&self.ports, &actor, ticket).await)
    }
}
