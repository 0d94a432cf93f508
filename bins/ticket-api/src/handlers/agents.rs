//! Agents as assignees: availability, capacity and skills.

use actix_web::{HttpResponse, web};
use application::agents::{AgentChanges, SkillInput};
use application::ports::AgentProfile;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use crate::dto::instant;
use crate::extract::Authenticated;
use crate::openapi::{ReadErrors, WriteErrors};
use crate::problem::{ApiError, JsonBody};

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

/// An agent's profile: the agent themself and admins.
#[utoipa::path(get, path = "/api/v1/agents/{id}", tag = "agents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The agent's user id")),
    responses((status = 200, description = "The profile", body = AgentResponse), ReadErrors))]
pub async fn get(state: State, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let profile = state.get_agent.execute(caller.0.actor(), *id).await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(&profile)))
}

/// Sets the caller's own availability (staff).
#[utoipa::path(put, path = "/api/v1/agents/me/availability", tag = "agents", request_body = AvailabilityRequest, security(("bearer" = [])),
    responses((status = 200, description = "The profile", body = AgentResponse), WriteErrors))]
pub async fn set_availability(
    state: State,
    caller: Authenticated,
    body: JsonBody<AvailabilityRequest>,
) -> Result<HttpResponse, ApiError> {
    let profile = state
        .set_availability
        .execute(caller.0.actor(), &body.0.availability)
        .await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(&profile)))
}

/// Sets an agent's skills, capacity and availability (admins), checked as a whole.
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "agents", request_body = UpdateAgentRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The agent's user id")),
    responses((status = 200, description = "The profile", body = AgentResponse), WriteErrors))]
pub async fn update(
    state: State,
    caller: Authenticated,
    id: web::Path<i64>,
    body: JsonBody<UpdateAgentRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let changes = AgentChanges {
        skills: b.skills.map(|skills| {
            skills
                .into_iter()
                .map(|s| SkillInput {
                    category: s.category,
                    level: s.level,
                })
                .collect()
        }),
        capacity: b.capacity,
        availability: b.availability,
    };
    let profile = state.update_agent.execute(caller.0.actor(), *id, changes).await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(&profile)))
}

/// Query of `GET /agents/workload`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkloadQuery {
    /// Days of first responses the medians cover, 1 to 365 (default 30).
    #[param(minimum = 1, maximum = 365)]
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
    pub first_responses: usize,
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

/// Every agent's open tickets by status and priority, capacity and utilisation, tickets at
/// risk or breached, and median first-response time over a window (staff).
#[utoipa::path(get, path = "/api/v1/agents/workload", tag = "agents", security(("bearer" = [])),
    params(WorkloadQuery),
    responses((status = 200, description = "The workload", body = WorkloadResponse), ReadErrors))]
pub async fn workload(
    state: State,
    caller: Authenticated,
    query: web::Query<WorkloadQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = state.workload.execute(caller.0.actor(), query.window_days).await?;
    let count = |name: &str, count: u32| Count {
        name: name.to_owned(),
        count,
    };
    let agents = report
        .agents
        .iter()
        .map(|a| AgentLoadResponse {
            user_id: a.user_id.get(),
            display_name: a.display_name.clone(),
            availability: a.availability.as_str().to_owned(),
            capacity: a.capacity,
            open: a.open,
            by_status: a.by_status.iter().map(|(s, n)| count(s.as_str(), *n)).collect(),
            by_priority: a.by_priority.iter().map(|(p, n)| count(p.as_str(), *n)).collect(),
            weighted_load: a.weighted_load,
            utilisation: a.utilisation,
            at_risk: a.at_risk,
            breached: a.breached,
            first_responses: a.first_responses,
            median_first_response_seconds: a.median_first_response_seconds,
        })
        .collect();
    Ok(HttpResponse::Ok().json(WorkloadResponse {
        at: instant(report.at),
        since: instant(report.since),
        window_days: report.window_days,
        agents,
    }))
}
