//! The roster: every agent with profile and current load.

use std::sync::Arc;

use domain::Actor;

use crate::error::AppError;
use crate::ports::{AgentRepository, Clock, RosterEntry};

/// Lists every active agent with profile, skills, availability, capacity and open load
/// (staff only; customers 403), read in a fixed number of queries.
#[derive(Clone)]
pub struct ListAgents {
    agents: Arc<dyn AgentRepository>,
    clock: Arc<dyn Clock>,
}

impl ListAgents {
    /// Wires the use case.
    pub fn new(agents: Arc<dyn AgentRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { agents, clock }
    }

    /// The roster, by user id.
    pub async fn execute(&self, actor: Actor) -> Result<Vec<RosterEntry>, AppError> {
        if !actor.is_staff() {
            return Err(AppError::Forbidden("only staff see the agents".into()));
        }
        Ok(self.agents.roster(self.clock.now()).await?)
    }
}
