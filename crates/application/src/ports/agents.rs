//! Agents as assignees: their availability, capacity and skills.

use async_trait::async_trait;
use domain::assignment::{Availability, Skill};
use domain::{Timestamp, UserId};

use super::StoreError;

/// The capacity of an agent nobody has configured.
pub const DEFAULT_CAPACITY: u32 = 10;

/// An agent's profile as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfile {
    /// The staff account.
    pub user_id: UserId,
    /// Whether they take tickets now.
    pub availability: Availability,
    /// The most open assigned tickets they may have.
    pub capacity: u32,
    /// The categories they handle.
    pub skills: Vec<Skill>,
    /// When they were last given a ticket.
    pub last_assigned_at: Option<Timestamp>,
    /// When the profile last changed.
    pub updated_at: Timestamp,
}

impl AgentProfile {
    /// The profile of a staff account nobody has configured: offline, default capacity,
    /// no skills.
    pub fn unconfigured(user_id: UserId, at: Timestamp) -> Self {
        Self {
            user_id,
            availability: Availability::Offline,
            capacity: DEFAULT_CAPACITY,
            skills: Vec::new(),
            last_assigned_at: None,
            updated_at: at,
        }
    }
}

/// Stores agent profiles.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AgentRepository: Send + Sync {
    /// The stored profile of this account, if one was saved.
    async fn agent_profile(&self, user_id: UserId) -> Result<Option<AgentProfile>, StoreError>;
    /// Saves a profile whole (skills replaced). MUST return
    /// [`StoreError::Reference`]`("category")` for a skill in a category that does not
    /// exist, writing nothing.
    async fn save_agent_profile(&self, profile: AgentProfile) -> Result<(), StoreError>;
}
