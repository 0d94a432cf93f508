//! The escalation rule endpoints (admins).

use actix_web::{HttpResponse, web};
use application::escalation::{ActionInput, ConditionInput, RuleInput};
use domain::escalation::{Action, Condition, EscalationRule, PriorityRaise, Reassign};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use crate::extract::Authenticated;
use crate::openapi::{ReadErrors, WriteErrors};
use crate::problem::{ApiError, JsonBody};

/// A condition: `type` is `sla` (with `trouble` `at_risk`/`breached` and an optional
/// `target`), `unassigned_for` or `no_agent_reply_for` (with `business_minutes`) — the
/// trigger, exactly one per rule — or the filters `priority_at_least` (`priority`) and
/// `category` (`category`).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionBody {
    /// What kind of condition.
    #[serde(rename = "type")]
    pub kind: String,
    /// `sla`: `first_response`, `next_response` or `resolution`; absent for any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `sla`: `at_risk` or `breached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trouble: Option<String>,
    /// `unassigned_for`, `no_agent_reply_for`: business minutes on the ticket's SLA calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_minutes: Option<i64>,
    /// `priority_at_least`: the priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// `category`: the category slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// An action: `type` is `raise_priority` (`to`: `one_level`, the default, or a priority),
/// `raise_level`, `reassign` (`agent_id`, or the queue of `category`, or the queue) or
/// `notify` (`recipient` `supervisors`/`assignee`/`customer`, `channels` `email`/`sms`).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// What kind of action.
    #[serde(rename = "type")]
    pub kind: String,
    /// `raise_priority`: `one_level` or a priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `reassign`: the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    /// `reassign` to a queue: the category whose agents should take it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// `notify`: who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    /// `notify`: how.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

/// `POST /escalation-rules` (all of `name`, `conditions`, `actions` required) and `PATCH
/// /escalation-rules/{id}` (fields present replace the stored ones).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleRequest {
    /// A unique name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it is evaluated (default true).
    #[serde(default)]
    pub active: Option<bool>,
    /// Exactly one trigger and any filters.
    #[serde(default)]
    pub conditions: Option<Vec<ConditionBody>>,
    /// What it does, in order.
    #[serde(default)]
    pub actions: Option<Vec<ActionBody>>,
}

/// An escalation rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleResponse {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Whether it is evaluated.
    pub active: bool,
    /// Its conditions.
    pub conditions: Vec<ConditionBody>,
    /// Its actions.
    pub actions: Vec<ActionBody>,
}

/// The rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    /// Every rule, oldest first.
    pub items: Vec<RuleResponse>,
}

fn condition_body(c: &Condition) -> ConditionBody {
    match c {
        Condition::Sla { target, trouble } => ConditionBody {
            kind: "sla".into(),
            target: target.map(|t| t.as_str().to_owned()),
            trouble: Some(trouble.as_str().to_owned()),
            ..Default::default()
        },
        Condition::UnassignedFor { business_minutes } => ConditionBody {
            kind: "unassigned_for".into(),
            business_minutes: Some(i64::from(*business_minutes)),
            ..Default::default()
        },
        Condition::NoAgentReplyFor { business_minutes } => ConditionBody {
            kind: "no_agent_reply_for".into(),
            business_minutes: Some(i64::from(*business_minutes)),
            ..Default::default()
        },
        Condition::PriorityAtLeast(p) => ConditionBody {
            kind: "priority_at_least".into(),
            priority: Some(p.as_str().to_owned()),
            ..Default::default()
        },
        Condition::Category(c) => ConditionBody {
            kind: "category".into(),
            category: Some(c.to_string()),
            ..Default::default()
        },
    }
}

fn action_body(a: &Action) -> ActionBody {
    match a {
        Action::RaisePriority(raise) => ActionBody {
            kind: "raise_priority".into(),
            to: Some(match raise {
                PriorityRaise::OneLevel => "one_level".into(),
                PriorityRaise::To(p) => p.as_str().to_owned(),
            }),
            ..Default::default()
        },
        Action::RaiseLevel => ActionBody {
            kind: "raise_level".into(),
            ..Default::default()
        },
        Action::Reassign(Reassign::Agent(id)) => ActionBody {
            kind: "reassign".into(),
            agent_id: Some(id.get()),
            ..Default::default()
        },
        Action::Reassign(Reassign::Queue { category }) => ActionBody {
            kind: "reassign".into(),
            category: category.as_ref().map(ToString::to_string),
            ..Default::default()
        },
        Action::Notify { recipient, channels } => ActionBody {
            kind: "notify".into(),
            recipient: Some(recipient.as_str().to_owned()),
            channels: channels.iter().map(|c| c.as_str().to_owned()).collect(),
            ..Default::default()
        },
    }
}

impl From<&EscalationRule> for RuleResponse {
    fn from(r: &EscalationRule) -> Self {
        Self {
            id: r.id,
            name: r.name.clone(),
            active: r.active,
            conditions: r.conditions.iter().map(condition_body).collect(),
            actions: r.actions.iter().map(action_body).collect(),
        }
    }
}

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
#[utoipa::path(get, path = "/api/v1/escalation-rules", tag = "escalation", security(("bearer" = [])),
    responses((status = 200, description = "Every rule, oldest first", body = RuleList), ReadErrors))]
pub async fn list(state: State, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let rules = state.escalation_rules.list(caller.0.actor()).await?;
    Ok(HttpResponse::Ok().json(RuleList {
        items: rules.iter().map(RuleResponse::from).collect(),
    }))
}

/// Creates an escalation rule (admins), checked as a whole: exactly one trigger, at least
/// one action, every part valid (422 names each bad one by position), what it names exists.
#[utoipa::path(post, path = "/api/v1/escalation-rules", tag = "escalation", request_body = RuleRequest, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = RuleResponse), WriteErrors))]
pub async fn create(
    state: State,
    caller: Authenticated,
    body: JsonBody<RuleRequest>,
) -> Result<HttpResponse, ApiError> {
    let rule = state.escalation_rules.create(caller.0.actor(), input(body.0)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/escalation-rules/{}", rule.id)))
        .json(RuleResponse::from(&rule)))
}

/// Changes an escalation rule (admins): the fields present replace the stored ones and the
/// rule is checked as a whole.
#[utoipa::path(patch, path = "/api/v1/escalation-rules/{id}", tag = "escalation", request_body = RuleRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    responses((status = 200, description = "Changed", body = RuleResponse), WriteErrors))]
pub async fn update(
    state: State,
    caller: Authenticated,
    id: web::Path<i64>,
    body: JsonBody<RuleRequest>,
) -> Result<HttpResponse, ApiError> {
    let rule = state
        .escalation_rules
        .update(caller.0.actor(), *id, input(body.0))
        .await?;
    Ok(HttpResponse::Ok().json(RuleResponse::from(&rule)))
}

/// Deletes an escalation rule (admins); the escalations it made stay in the histories.
#[utoipa::path(delete, path = "/api/v1/escalation-rules/{id}", tag = "escalation", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete(state: State, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    state.escalation_rules.delete(caller.0.actor(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
