//! The JSON bodies of the escalation endpoints.

use domain::escalation::{Action, Condition, EscalationRule, PriorityRaise, Reassign};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A condition: `type` is `sla` (with `trouble` `at_risk`/`breached` and an optional
/// `target`), `unassigned_for` or `no_agent_reply_for` (with `business_minutes`),
/// `satisfaction_at_most` (with `rating` 1–5: the customer's survey answer of the latest
/// round rates the ticket at most this; fires once per round, also on resolved and closed
/// tickets, where only notify actions apply) — the trigger, exactly one per rule — or the
/// filters `priority_at_least` (`priority`) and
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
    /// `satisfaction_at_most`: the highest survey rating (1 to 5) that fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<i64>,
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
        Condition::SatisfactionAtMost { rating } => ConditionBody {
            kind: "satisfaction_at_most".into(),
            rating: Some(i64::from(rating.get())),
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
