//! Agents as assignees: reading and changing their availability, capacity and skills.

mod profile;

pub use profile::{AgentChanges, AgentPorts, GetAgent, MAX_CAPACITY, SetAvailability, SkillInput, UpdateAgent};

#[cfg(test)]
mod tests;
