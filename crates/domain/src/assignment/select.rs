//! The selection rule.

use std::cmp::Ordering;

use crate::ticket::{CategorySlug, Priority};

use super::agent::{AgentSnapshot, Availability, Load, Skill, index};

/// How much an open ticket of each priority weighs in an agent's load: urgent counts most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadWeights {
    /// Weights of low, normal, high and urgent tickets.
    pub by_priority: [u32; 4],
}

impl Default for LoadWeights {
    /// Low 1, normal 2, high 3, urgent 5.
    fn default() -> Self {
        Self {
            by_priority: [1, 2, 3, 5],
        }
    }
}

impl LoadWeights {
    /// The weighted load of open tickets.
    pub fn weigh(&self, load: &Load) -> u64 {
        Priority::ALL
            .iter()
            .map(|p| u64::from(load.of(*p)) * u64::from(self.by_priority[index(*p)]))
            .sum()
    }
}

/// The agent chosen and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The agent, as seen when chosen.
    pub agent: AgentSnapshot,
    /// Their skill in the ticket's category.
    pub skill: Skill,
    /// Their weighted load before this ticket.
    pub weighted_load: u64,
    /// How many agents qualified (online, skilled, under capacity).
    pub candidates: usize,
}

impl Selection {
    /// The reason in words, for the assignment record: skill, load against capacity,
    /// availability and the tie-break.
    pub fn reason(&self) -> String {
        let a = &self.agent;
        let level = self.skill.level.map(|l| format!(" (level {l})")).unwrap_or_default();
        let last = match a.last_assigned_at {
            Some(at) => format!("last assigned {at}"),
            None => "never assigned before".to_owned(),
        };
        format!(
            "skill {}{level}; load {} of {} open (weighted {}); {}; lowest load, then least recently assigned, of {} qualified; {last}",
            self.skill.category,
            a.load.open(),
            a.capacity,
            self.weighted_load,
            a.availability,
            self.candidates,
        )
    }
}

/// Chooses the agent for a ticket of `category` and `priority`: only online agents skilled
/// in the category and under capacity qualify; the lowest weighted load wins, ties go to
/// the agent assigned least recently (never assigned first), then to the lowest id so the
/// choice is deterministic. `None` when nobody qualifies: the ticket waits in the queue.
pub fn select_agent(
    category: &CategorySlug,
    _priority: Priority,
    agents: &[AgentSnapshot],
    weights: &LoadWeights,
) -> Option<Selection> {
    let qualified: Vec<(&AgentSnapshot, &Skill, u64)> = agents
        .iter()
        .filter(|a| a.availability == Availability::Online && a.has_room())
        .filter_map(|a| a.skill_in(category).map(|s| (a, s, weights.weigh(&a.load))))
        .collect();
    let candidates = qualified.len();
    qualified
        .into_iter()
        .min_by(|(a, _, la), (b, _, lb)| {
            la.cmp(lb)
                .then_with(|| earlier_first(a, b))
                .then_with(|| a.id.get().cmp(&b.id.get()))
        })
        .map(|(agent, skill, weighted_load)| Selection {
            agent: agent.clone(),
            skill: skill.clone(),
            weighted_load,
            candidates,
        })
}

/// Never assigned before any instant; otherwise the earlier instant first.
fn earlier_first(a: &AgentSnapshot, b: &AgentSnapshot) -> Ordering {
    match (a.last_assigned_at, b.last_assigned_at) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}
