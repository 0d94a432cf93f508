//! Routing tickets to agents: automatic assignment (as a ticket is opened, and from the
//! queue of tickets that found nobody), each ticket's assignment record and the agents'
//! workload. Manual assignment is a ticket command ([`crate::tickets::AssignTicket`]).

mod auto;
mod names;
mod queue;
mod records;
mod workload;

pub use names::AssigneeNames;
pub use queue::{DrainQueue, QueueTick};
pub use records::{AssignmentRecord, TicketAssignments};
#[cfg(any(test, feature = "mocks"))]
pub(crate) use workload::median;
pub use workload::{AgentLoad, Workload, WorkloadReport};

pub(crate) use auto::pick;

use std::sync::Arc;

use domain::assignment::LoadWeights;

use crate::ports::AgentRepository;

/// How tickets find agents.
#[derive(Clone)]
pub struct Routing {
    /// Agent profiles and their loads.
    pub agents: Arc<dyn AgentRepository>,
    /// Give a ticket to an agent as it is opened, when one qualifies.
    pub assign_on_create: bool,
    /// How open tickets of each priority weigh in a load.
    pub weights: LoadWeights,
}

#[cfg(test)]
mod tests;
