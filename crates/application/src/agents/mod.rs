//! Agents as assignees: reading and changing their availability, capacity and skills,
//! and the roster of every agent with their load.

mod profile;
mod roster;

pub use profile::{AgentChanges, AgentPorts, GetAgent, MAX_CAPACITY, SetAvailability, SkillInput, UpdateAgent};
pub use roster::ListAgents;

#[cfg(test)]
mod tests;
