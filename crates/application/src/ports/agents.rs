//! Agents as assignees: their availability, capacity and skills.

use async_trait::async_trait;
use domain::assignment::{AgentSnapshot, Availability, LOAD_STATUSES, Load, Skill};
use domain::{CategorySlug, Timestamp, UserId};

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

/// One agent's open work, for the workload report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentWorkload {
    /// The staff account.
    pub user_id: UserId,
    /// Their display name.
    pub display_name: String,
    /// Whether they take tickets now.
    pub availability: Availability,
    /// The most open assigned tickets they may have.
    pub capacity: u32,
    /// Open assigned tickets per status, in the order of [`LOAD_STATUSES`].
    pub by_status: [u32; LOAD_STATUSES.len()],
    /// Open assigned tickets per priority.
    pub load: Load,
    /// Open assigned tickets with an SLA target at risk at the instant asked for.
    pub at_risk: u32,
    /// Open assigned tickets with an SLA target breached at that instant.
    pub breached: u32,
    /// Tickets assigned to them whose first response came within the window asked for.
    pub first_responses: u32,
    /// The median of those tickets' seconds from creation to first response (the mean of
    /// the two middle values, rounded down, for an even count); `None` without any.
    pub median_first_response_seconds: Option<i64>,
}

/// An agent on the roster (`GET /agents`): who they are, their profile and their load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// Their display name.
    pub display_name: String,
    /// Their e-mail address.
    pub email: String,
    /// Their profile ([`AgentProfile::unconfigured`] when none was saved).
    pub profile: AgentProfile,
    /// Their open assigned tickets (statuses in [`LOAD_STATUSES`]) by priority.
    pub load: Load,
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
    /// Every active staff account whose profile says `online`, with their skills and
    /// their open assigned tickets (statuses in [`LOAD_STATUSES`]) counted by priority;
    /// with `category`, only those skilled in it.
    async fn online_agents(&self, category: Option<CategorySlug>) -> Result<Vec<AgentSnapshot>, StoreError>;
    /// The open work of every active staff account that has a profile or open assigned
    /// tickets, ordered by user id, with the SLA status of their tickets at `at` and the
    /// first responses from `since` on. Aggregated by the store: its cost follows the
    /// number of agents and the tickets answered in the window, never returning a row per
    /// ticket.
    async fn workload(&self, since: Timestamp, at: Timestamp) -> Result<Vec<AgentWorkload>, StoreError>;
    /// Every active account with the role `agent`, by id, with their profile and open
    /// load, read in a fixed number of queries (never one per agent); profiles read as
    /// of `at` when none was saved.
    async fn roster(&self, at: Timestamp) -> Result<Vec<RosterEntry>, StoreError>;
}
