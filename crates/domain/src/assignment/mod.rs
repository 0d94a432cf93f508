//! Choosing an agent for a ticket: who qualifies (online, skilled in its category, under
//! capacity) and who wins among them (lowest priority-weighted load, then the agent
//! assigned least recently), with the reasons recorded so nobody has to guess.

mod agent;
mod select;

pub use agent::{AgentSnapshot, Availability, Load, Skill};
pub use select::{LoadWeights, Selection, select_agent};

#[cfg(test)]
mod tests;
