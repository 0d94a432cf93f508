//! What the selection rule knows about an agent at one instant.

use std::fmt;

use crate::ids::UserId;
use crate::ticket::{CategorySlug, Priority};
use crate::time::Timestamp;
use crate::value_error::ValueError;

/// Whether an agent takes new tickets now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Availability {
    /// Working and taking tickets.
    Online,
    /// Working but not taking new tickets for now.
    Away,
    /// Not working.
    Offline,
}

impl Availability {
    /// Every availability.
    pub const ALL: [Availability; 3] = [Availability::Online, Availability::Away, Availability::Offline];

    /// The API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Availability::Online => "online",
            Availability::Away => "away",
            Availability::Offline => "offline",
        }
    }

    /// Parses an API name.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw)
            .ok_or(ValueError::NotOneOf {
                allowed: &["online", "away", "offline"],
            })
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A category an agent handles, optionally with a level (higher is more expert).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// The category.
    pub category: CategorySlug,
    /// How expert, when the help desk grades it.
    pub level: Option<u8>,
}

/// An agent's open assigned tickets, counted by priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    /// Open tickets of priority low, normal, high and urgent.
    pub by_priority: [u32; 4],
}

impl Load {
    /// How many open tickets in all: what capacity limits.
    pub fn open(&self) -> u32 {
        self.by_priority.iter().sum()
    }

    /// Counts one more open ticket of `priority`.
    pub fn add(&mut self, priority: Priority) {
        self.by_priority[index(priority)] += 1;
    }

    /// The open tickets of `priority`.
    pub fn of(&self, priority: Priority) -> u32 {
        self.by_priority[index(priority)]
    }
}

pub(super) fn index(priority: Priority) -> usize {
    match priority {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
        Priority::Urgent => 3,
    }
}

/// One agent as the selection rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSnapshot {
    /// The agent.
    pub id: UserId,
    /// The categories they handle.
    pub skills: Vec<Skill>,
    /// Whether they take tickets now.
    pub availability: Availability,
    /// The most open assigned tickets they may have.
    pub capacity: u32,
    /// Their open assigned tickets.
    pub load: Load,
    /// When they were last given a ticket.
    pub last_assigned_at: Option<Timestamp>,
}

impl AgentSnapshot {
    /// Their skill in `category`, if any.
    pub fn skill_in(&self, category: &CategorySlug) -> Option<&Skill> {
        self.skills.iter().find(|s| &s.category == category)
    }

    /// True while they may take one more ticket.
    pub fn has_room(&self) -> bool {
        self.load.open() < self.capacity
    }
}
