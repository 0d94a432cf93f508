//! Giving a ticket to an agent, transferring it, and sending it back to the queue.

use domain::assignment::Strictness;
use domain::{Actor, Role, TicketStatus, UserId};

use crate::error::AppError;

use super::TicketPorts;
use super::check_reason;
use super::mutate::{mutate, mutate_checked};
use super::view::{TicketView, view_of};

/// `POST /tickets/{id}/assignment`, as received.
#[derive(Debug, Clone, Default)]
pub struct AssignInput {
    /// The agent to give the ticket to.
    pub agent_id: i64,
    /// Why (kept in the history), such as the reason for a transfer.
    pub reason: Option<String>,
    /// Give it even to an offline or full agent (admins and supervisors only).
    pub force: bool,
}

/// The account `id` if it is an active staff account; otherwise `field` is invalid.
pub(crate) async fn active_agent(ports: &TicketPorts, id: UserId, field: &str) -> Result<UserId, AppError> {
    match ports.users.get(id).await? {
        Some(user) if user.active && user.role.is_staff() => Ok(user.id),
        _ => Err(AppError::invalid(field, "is not an active agent")),
    }
}

/// Gives a ticket to an agent: a `new` ticket is assigned (it moves to `assigned`), one
/// that has an agent is transferred (its status is kept). Staff only.
#[derive(Clone)]
pub struct AssignTicket {
    ports: TicketPorts,
}

impl AssignTicket {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// Assigns or transfers; giving the ticket to the agent who has it changes nothing.
    /// An offline agent, or one at capacity, is refused (409) unless an admin or
    /// supervisor forces it; an `away` agent may be handed a ticket (only automatic
    /// assignment skips them).
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        input: AssignInput,
        if_match: Option<i64>,
    ) -> Result<TicketView, AppError> {
        let reason = check_reason(input.reason)?;
        // Customers get the domain's refusal (or "not found"), not an account lookup.
        let agent = match actor.is_staff() {
            true => active_agent(&self.ports, UserId::new(input.agent_id), "agent_id").await?,
            false => UserId::new(input.agent_id),
        };
        let strictness = match (input.force, actor.role) {
            (false, _) => Strictness::Manual,
            (true, Role::Admin | Role::Supervisor) => Strictness::Forced,
            (true, _) => {
                return Err(AppError::Forbidden(
                    "only admins and supervisors may force an assignment".into(),
                ));
            }
        };
        let ticket = mutate_checked(&self.ports, actor, reference, if_match, strictness, |ticket, now| {
            if ticket.status() == TicketStatus::New {
                Ok(Some(ticket.assign(agent, actor, now, reason.clone())?))
            } else {
                Ok(ticket.transfer(agent, actor, now, reason.clone())?)
            }
        })
        .await?;
        Ok(view_of(&self.ports, &actor, ticket).await)
    }
}

/// Sends a ticket back to the queue: no agent, status `new`. Staff only.
#[derive(Clone)]
pub struct UnassignTicket {
    ports: TicketPorts,
}

impl UnassignTicket {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// Unassigns; a ticket without an agent, resolved or closed is refused (409).
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        reason: Option<String>,
        if_match: Option<i64>,
    ) -> Result<TicketView, AppError> {
        let reason = check_reason(reason)?;
        let ticket = mutate(&self.ports, actor, reference, if_match, |ticket, now| {
            Ok(Some(ticket.unassign(actor, now, reason.clone())?))
        })
        .await?;
        Ok(view_of(&self.ports, &actor, ticket).await)
    }
}
