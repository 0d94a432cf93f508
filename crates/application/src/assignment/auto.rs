//! One automatic assignment: the selection rule's choice, applied to a queued ticket.

use domain::assignment::{AgentSnapshot, LoadWeights, Strictness, select_agent};
use domain::{Ticket, TicketEvent, Timestamp, UserId};

use crate::ports::Write;

/// A queued ticket given to the agent the selection rule chose.
pub(crate) struct Pick {
    /// The ticket, now assigned.
    pub ticket: Ticket,
    /// Its `TicketAssigned` event (no actor; the reason says why this agent).
    pub event: TicketEvent,
    /// The agent's place it takes, checked as automatic work.
    pub place: Write,
    /// The agent.
    pub agent: UserId,
}

/// Chooses among `agents` for `ticket` (in status `new`, without an agent) and assigns it
/// on a copy; `None` when nobody qualifies or the ticket is not queued.
pub(crate) fn pick(ticket: &Ticket, agents: &[AgentSnapshot], weights: &LoadWeights, now: Timestamp) -> Option<Pick> {
    let t = ticket.parts();
    let selection = select_agent(&t.category, t.priority, agents, weights)?;
    let agent = selection.agent.id;
    let mut assigned = ticket.clone();
    let event = assigned.assign_automatically(agent, now, selection.reason()).ok()?;
    let place = Write::TakeCapacity {
        ticket_id: t.id,
        agent_id: agent,
        strictness: Strictness::Automatic,
        at: now,
    };
    Some(Pick {
        ticket: assigned,
        event,
        place,
        agent,
    })
}

/// Counts a ticket of `ticket`'s priority on the agent's snapshot, so the next choice in
/// the same pass sees it.
pub(crate) fn note_taken(agents: &mut [AgentSnapshot], pick: &Pick) {
    if let Some(a) = agents.iter_mut().find(|a| a.id == pick.agent) {
        a.load.add(pick.ticket.parts().priority);
        a.last_assigned_at = Some(pick.event.at);
    }
}
