//! Agents as assignees: profiles, availability, capacity, skills and workload.

pub mod dto;

use actix_web::{HttpResponse, web};
use application::agents::{AgentChanges, AgentPorts, GetAgent, SetAvailability, SkillInput, UpdateAgent};
use application::assignment::Workload;
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::Authenticated;
use crate::problem::{ApiError, JsonBody, ReadErrors, WriteErrors};
use crate::shared::instant;
use dto::{
    AgentLoadResponse, AgentResponse, AvailabilityRequest, Count, UpdateAgentRequest, WorkloadQuery, WorkloadResponse,
};

/// `/api/v1/agents/me/availability`
pub const AGENTS_ME_AVAILABILITY: &str = "/agents/me/availability";
/// `/api/v1/agents/workload`
pub const AGENTS_WORKLOAD: &str = "/agents/workload";
/// `/api/v1/agents/{id}`
pub const AGENTS_ID: &str = "/agents/{id}";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// Reads agent profiles.
    pub get_agent: GetAgent,
    /// Agents set their availability.
    pub set_availability: SetAvailability,
    /// Admins configure agents.
    pub update_agent: UpdateAgent,
    /// `GET /agents/workload`
    pub workload: Workload,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        let ports = AgentPorts {
            agents: ctx.db.clone(),
            users: ctx.db.clone(),
            clock: ctx.clock.clone(),
        };
        Self {
            get_agent: GetAgent::new(ports.clone()),
            set_availability: SetAvailability::new(ports.clone()),
            update_agent: UpdateAgent::new(ports),
            workload: Workload::new(ctx.db.clone(), ctx.clock.clone(), ctx.settings.load_weights()),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(AGENTS_ME_AVAILABILITY, "PUT").route(web::put().to(set_availability)));
    cfg.service(resource(AGENTS_WORKLOAD, "GET").route(web::get().to(workload)));
    cfg.service(
        resource(AGENTS_ID, "GET, PATCH")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(get, set_availability, update, workload))]
pub struct Doc;

/// An agent's profile: the agent themself and admins.
#[utoipa::path(get, path = AGENTS_ID, context_path = API, tag = "agents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The agent's user id")),
    responses((status = 200, description = "The profile", body = AgentResponse), ReadErrors))]
pub async fn get(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let profile = cases.get_agent.execute(caller.0.actor(), *id).await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(&profile)))
}

/// Sets the caller's own availability (staff).
#[utoipa::path(put, path = AGENTS_ME_AVAILABILITY, context_path = API, tag = "agents", request_body = AvailabilityRequest, security(("bearer" = [])),
    responses((status = 200, description = "The profile", body = AgentResponse), WriteErrors))]
pub async fn set_availability(
    cases: web::Data<Cases>,
    caller: Authenticated,
    body: JsonBody<AvailabilityRequest>,
) -> Result<HttpResponse, ApiError> {
    let profile = cases
        .set_availability
        .execute(caller.0.actor(), &body.0.availability)
        .await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(&profile)))
}

/// Sets an agent's skills, capacity and availability (admins), checked as a whole.
#[utoipa::path(patch, path = AGENTS_ID, context_path = API, tag = "agents", request_body = UpdateAgentRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The agent's user id")),
    responses((status = 200, description = "The profile", body = AgentResponse), WriteErrors))]
pub async fn update(
    cases: web::Data<Cases>,
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
    let profile = cases.update_agent.execute(caller.0.actor(), *id, changes).await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(&profile)))
}

/// Every agent's open tickets by status and priority, capacity and utilisation, tickets at
/// risk or breached, and median first-response time over a window (staff).
#[utoipa::path(get, path = AGENTS_WORKLOAD, context_path = API, tag = "agents", security(("bearer" = [])),
    params(WorkloadQuery),
    responses((status = 200, description = "The workload", body = WorkloadResponse), ReadErrors))]
pub async fn workload(
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<WorkloadQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = cases.workload.execute(caller.0.actor(), query.window_days).await?;
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
