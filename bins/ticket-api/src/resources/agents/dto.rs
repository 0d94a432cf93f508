//! The JSON bodies and query strings of the agents endpoints.

use application::ports::AgentProfile;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::shared::instant;

/// A skill: a category the agent handles, optionally graded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillBody {
    /// A category slug.
    pub category: String,
    /// 1 to 5, when graded.
    #[serde(default)]
    pub level: Option<i64>,
}

/// An agent's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentResponse {
    /// The staff account.
    pub user_id: i64,
    /// `online`, `away` or `offline`.
    pub availability: String,
    /// The most open assigned tickets.
    pub capacity: u32,
    /// The categories they handle.
    pub skills: Vec<SkillBody>,
    /// When they were last given a ticket.
    #[schema(format = DateTime)]
    pub last_assigned_at: Option<String>,
    /// When the profile last changed.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&AgentProfile> for AgentResponse {
    fn from(p: &AgentProfile) -> Self {
        Self {
            user_id: p.user_id.get(),
            availability: p.availability.as_str().to_owned(),
            capacity: p.capacity,
            skills: p
                .skills
                .iter()
                .map(|s| SkillBody {
                    category: s.category.to_string(),
                    level: s.level.map(i64::from),
                })
                .collect(),
            last_assigned_at: p.last_assigned_at.map(instant),
            updated_at: instant(p.updated_at),
        }
    }
}

/// `PUT /agents/me/availability`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    /// `online`, `away` or `offline`.
    #[schema(example = "online")]
    pub availability: String,
}

/// `PATCH /agents/{id}`: fields present replace the stored ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgentRequest {
    /// All the categories they handle.
    #[serde(default)]
    pub skills: Option<Vec<SkillBody>>,
    /// The most open assigned tickets, 0 to 1000.
    #[serde(default)]
    pub capacity: Option<i64>,
    /// An admin's override of the availability.
    #[serde(default)]
    pub availability: Option<String>,
}

/// Query of `GET /agents/workload`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkloadQuery {
    /// Days of first responses the medians cover, 1 to 90 (default 30).
    #[param(minimum = 1, maximum = 90)]
    pub window_days: Option<u32>,
}

/// A count of open tickets in one status or priority.
#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    /// The status or priority.
    pub name: String,
    /// How many.
    pub count: u32,
}

/// One agent's workload.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentLoadResponse {
    /// The staff account.
    pub user_id: i64,
    /// Their display name.
    pub display_name: String,
    /// `online`, `away` or `offline`.
    pub availability: String,
    /// The most open assigned tickets.
    pub capacity: u32,
    /// Open assigned tickets in all (`assigned`, `in_progress`, `waiting_customer`).
    pub open: u32,
    /// Open tickets per status.
    pub by_status: Vec<Count>,
    /// Open tickets per priority.
    pub by_priority: Vec<Count>,
    /// Open tickets weighed by priority, as automatic assignment weighs them.
    pub weighted_load: u64,
    /// `open / capacity` (above 1 after a forced assignment); `null` for capacity 0.
    pub utilisation: Option<f64>,
    /// Open tickets with an SLA target at risk now.
    pub at_risk: u32,
    /// Open tickets with an SLA target breached.
    pub breached: u32,
    /// First responses to their tickets within the window.
    pub first_responses: u32,
    /// The median of those, in seconds from the ticket's creation (wall-clock).
    pub median_first_response_seconds: Option<i64>,
}

/// The workload report.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadResponse {
    /// When it was taken.
    #[schema(format = DateTime)]
    pub at: String,
    /// The start of the first-response window.
    #[schema(format = DateTime)]
    pub since: String,
    /// The window in days.
    pub window_days: u32,
    /// One line per agent with a profile or open tickets.
    pub agents: Vec<AgentLoadResponse>,
}
