//! The admin-defined escalation rules.

pub mod dto;

use actix_web::{HttpResponse, web};
use application::escalation::{ActionInput, ConditionInput, ManageRules, RuleInput, RulePorts};
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::Authenticated;
use crate::problem::{ApiError, JsonBody, ReadErrors, WriteErrors};
use dto::{RuleList, RuleRequest, RuleResponse};

/// `/api/v1/escalation-rules`
pub const ESCALATION_RULES: &str = "/escalation-rules";
/// `/api/v1/escalation-rules/{id}`
pub const ESCALATION_RULES_ID: &str = "/escalation-rules/{id}";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `/escalation-rules`
    pub escalation_rules: ManageRules,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            escalation_rules: ManageRules::new(RulePorts {
                rules: ctx.db.clone(),
                categories: ctx.db.clone(),
                users: ctx.db.clone(),
                clock: ctx.clock.clone(),
                checks: ctx.db.clone(),
            }),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(
        resource(ESCALATION_RULES, "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    );
    cfg.service(
        resource(ESCALATION_RULES_ID, "PATCH, DELETE")
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    );
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, create, update, delete))]
pub struct Doc;

fn input(b: RuleRequest) -> RuleInput {
    RuleInput {
        name: b.name,
        active: b.active,
        conditions: b.conditions.map(|cs| {
            cs.into_iter()
                .map(|c| ConditionInput {
                    kind: c.kind,
                    target: c.target,
                    trouble: c.trouble,
                    business_minutes: c.business_minutes,
                    priority: c.priority,
                    category: c.category,
                    rating: c.rating,
                })
                .collect()
        }),
        actions: b.actions.map(|a| {
            a.into_iter()
                .map(|a| ActionInput {
                    kind: a.kind,
                    to: a.to,
                    agent_id: a.agent_id,
                    category: a.category,
                    recipient: a.recipient,
                    channels: a.channels,
                })
                .collect()
        }),
    }
}

/// The escalation rules (admins).
#[utoipa::path(get, path = ESCALATION_RULES, context_path = API, tag = "escalation", security(("bearer" = [])),
    responses((status = 200, description = "Every rule, oldest first", body = RuleList), ReadErrors))]
pub async fn list(cases: web::Data<Cases>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let rules = cases.escalation_rules.list(caller.0.actor()).await?;
    Ok(HttpResponse::Ok().json(RuleList {
        items: rules.iter().map(RuleResponse::from).collect(),
    }))
}

/// Creates an escalation rule (admins), checked as a whole: exactly one trigger, at least
/// one action, every part valid (422 names each bad one by position), what it names exists.
#[utoipa::path(post, path = ESCALATION_RULES, context_path = API, tag = "escalation", request_body = RuleRequest, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = RuleResponse), WriteErrors))]
pub async fn create(
    cases: web::Data<Cases>,
    caller: Authenticated,
    body: JsonBody<RuleRequest>,
) -> Result<HttpResponse, ApiError> {
    let rule = cases.escalation_rules.create(caller.0.actor(), input(body.0)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/escalation-rules/{}", rule.id)))
        .json(RuleResponse::from(&rule)))
}

/// Changes an escalation rule (admins): the fields present replace the stored ones and the
/// rule is checked as a whole.
#[utoipa::path(patch, path = ESCALATION_RULES_ID, context_path = API, tag = "escalation", request_body = RuleRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    responses((status = 200, description = "Changed", body = RuleResponse), WriteErrors))]
pub async fn update(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: JsonBody<RuleRequest>,
) -> Result<HttpResponse, ApiError> {
    let rule = cases
        .escalation_rules
        .update(caller.0.actor(), *id, input(body.0))
        .await?;
    Ok(HttpResponse::Ok().json(RuleResponse::from(&rule)))
}

/// Deletes an escalation rule (admins); the escalations it made stay in the histories.
#[utoipa::path(delete, path = ESCALATION_RULES_ID, context_path = API, tag = "escalation", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    cases.escalation_rules.delete(caller.0.actor(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
