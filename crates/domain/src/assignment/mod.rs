//! Choosing an agent for a ticket: who qualifies (online, skilled in its category, under
//! capacity) and who wins among them (lowest priority-weighted load, then the agent
//! assigned least recently), with the reasons recorded so nobody has to guess.

mod agent;
mod queue;
mod room;
mod select;

pub use agent::{AgentSnapshot, Availability, Load, Skill};
pub use queue::queue_order;
pub use room::{LOAD_STATUSES, Refusal, Strictness, check_room, takes_capacity};
pub use select::{LoadWeights, Selection, select_agent};

#[cfg(test)]
mod tests;
