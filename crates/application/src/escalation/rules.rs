//! Managing escalation rules (admins).

use std::sync::Arc;

use domain::escalation::{Action, Channel, Condition, EscalationRule, PriorityRaise, Reassign, Recipient, SlaTrouble};
use domain::sla::TargetKind;
use domain::{Actor, CategorySlug, Priority, UserId};

use crate::error::{AppError, Validator, require_admin};
use crate::ports::{CategoryRepository, Clock, EscalationChecks, EscalationRuleRepository, StoreError, UserRepository};

/// The most conditions or actions one rule may have.
const MAX_PARTS: usize = 20;
/// The longest wait a time condition may name: a year of minutes.
const MAX_MINUTES: i64 = 366 * 24 * 60;

/// A condition as received: `type` names it, the other fields are its parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConditionInput {
    /// `sla`, `unassigned_for`, `no_agent_reply_for`, `satisfaction_at_most`,
    /// `priority_at_least` or `category`.
    pub kind: String,
    /// `sla`: `first_response`, `next_response` or `resolution`; none for any.
    pub target: Option<String>,
    /// `sla`: `at_risk` or `breached`.
    pub trouble: Option<String>,
    /// `unassigned_for`, `no_agent_reply_for`: business minutes.
    pub business_minutes: Option<i64>,
    /// `priority_at_least`: the priority.
    pub priority: Option<String>,
    /// `category`: the category slug.
    pub category: Option<String>,
    /// `satisfaction_at_most`: the highest survey rating (1 to 5) that fires.
    pub rating: Option<i64>,
}

/// An action as received: `type` names it, the other fields are its parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionInput {
    /// `raise_priority`, `raise_level`, `reassign` or `notify`.
    pub kind: String,
    /// `raise_priority`: `one_level` (the default) or a priority.
    pub to: Option<String>,
    /// `reassign`: an agent; without it the ticket goes back to the queue.
    pub agent_id: Option<i64>,
    /// `reassign` to the queue: the category whose agents should take it.
    pub category: Option<String>,
    /// `notify`: `supervisors`, `assignee` or `customer`.
    pub recipient: Option<String>,
    /// `notify`: `email` and/or `sms`.
    pub channels: Vec<String>,
}

/// A rule as received. For updates, `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleInput {
    /// A unique name.
    pub name: Option<String>,
    /// Whether it is evaluated (default true).
    pub active: Option<bool>,
    /// Exactly one trigger and any filters.
    pub conditions: Option<Vec<ConditionInput>>,
    /// At least one action.
    pub actions: Option<Vec<ActionInput>>,
}

/// The ports the rule use cases share.
#[derive(Clone)]
pub struct RulePorts {
    /// Stores rules.
    pub rules: Arc<dyn EscalationRuleRepository>,
    /// To check a named category exists.
    pub categories: Arc<dyn CategoryRepository>,
    /// To check a named agent is active staff.
    pub users: Arc<dyn UserRepository>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
    /// Makes open tickets due a look when a rule is added or changed.
    pub checks: Arc<dyn EscalationChecks>,
}

/// Why a non-admin is refused.
const ADMINS_ONLY: &str = "only admins manage escalation rules";

fn parse_condition(v: &mut Validator, at: &str, c: &ConditionInput) -> Option<Condition> {
    let field = |name: &str| format!("{at}.{name}");
    let minutes = |v: &mut Validator| match c.business_minutes {
        Some(m) if (1..=MAX_MINUTES).contains(&m) => u32::try_from(m).ok(),
        _ => {
            v.fail(
                &field("business_minutes"),
                format!("must be between 1 and {MAX_MINUTES}"),
            );
            None
        }
    };
    match c.kind.as_str() {
        "sla" => {
            let target = match c.target.as_deref() {
                None => Some(None),
                Some(t) => match TargetKind::parse(t) {
                    Some(k) => Some(Some(k)),
                    None => {
                        v.fail(&field("target"), "must be first_response, next_response or resolution");
                        None
                    }
                },
            };
            let trouble = match c.trouble.as_deref().and_then(SlaTrouble::parse) {
                Some(t) => Some(t),
                None => {
                    v.fail(&field("trouble"), "must be at_risk or breached");
                    None
                }
            };
            Some(Condition::Sla {
                target: target?,
                trouble: trouble?,
            })
        }
        "unassigned_for" => minutes(v).map(|business_minutes| Condition::UnassignedFor { business_minutes }),
        "no_agent_reply_for" => minutes(v).map(|business_minutes| Condition::NoAgentReplyFor { business_minutes }),
        "satisfaction_at_most" => match c.rating.map(domain::survey::Rating::parse) {
            Some(Ok(rating)) => Some(Condition::SatisfactionAtMost { rating }),
            _ => {
                v.fail(&field("rating"), "must be one of: 1, 2, 3, 4, 5");
                None
            }
        },
        "priority_at_least" => {
            let raw = c.priority.clone().unwrap_or_default();
            v.check(&field("priority"), Priority::parse(&raw))
                .map(Condition::PriorityAtLeast)
        }
        "category" => {
            let raw = c.category.clone().unwrap_or_default();
            v.check(&field("category"), CategorySlug::parse(&raw))
                .map(Condition::Category)
        }
        _ => {
            v.fail(
                &field("type"),
                "must be sla, unassigned_for, no_agent_reply_for, satisfaction_at_most, priority_at_least or category",
            );
            None
        }
    }
}

fn parse_action(v: &mut Validator, at: &str, a: &ActionInput) -> Option<Action> {
    let field = |name: &str| format!("{at}.{name}");
    match a.kind.as_str() {
        "raise_priority" => match a.to.as_deref() {
            None | Some("one_level") => Some(Action::RaisePriority(PriorityRaise::OneLevel)),
            Some(p) => v
                .check(&field("to"), Priority::parse(p))
                .map(|p| Action::RaisePriority(PriorityRaise::To(p))),
        },
        "raise_level" => Some(Action::RaiseLevel),
        "reassign" => match (a.agent_id, a.category.as_deref()) {
            (Some(id), None) => Some(Action::Reassign(Reassign::Agent(UserId::new(id)))),
            (None, category) => {
                let category = match category {
                    None => Some(None),
                    Some(c) => v.check(&field("category"), CategorySlug::parse(c)).map(Some),
                };
                category.map(|category| Action::Reassign(Reassign::Queue { category }))
            }
            (Some(_), Some(_)) => {
                v.fail(&field("agent_id"), "name an agent or a queue's category, not both");
                None
            }
        },
        "notify" => {
            let recipient = match a.recipient.as_deref().and_then(Recipient::parse) {
                Some(r) => Some(r),
                None => {
                    v.fail(&field("recipient"), "must be supervisors, assignee or customer");
                    None
                }
            };
            let mut channels = Vec::new();
            for c in &a.channels {
                match Channel::parse(c) {
                    Some(c) => channels.push(c),
                    None => v.fail(&field("channels"), "each must be email or sms"),
                }
            }
            channels.dedup();
            recipient.map(|recipient| Action::Notify { recipient, channels })
        }
        _ => {
            v.fail(
                &field("type"),
                "must be raise_priority, raise_level, reassign or notify",
            );
            None
        }
    }
}

/// Applies `input` over `base` and checks the whole rule.
async fn merge(ports: &RulePorts, base: EscalationRule, input: RuleInput) -> Result<EscalationRule, AppError> {
    let mut v = Validator::default();
    let mut rule = base;
    if let Some(name) = input.name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            v.fail("name", "must be 1 to 100 characters, without control characters");
        }
        rule.name = name;
    }
    if let Some(active) = input.active {
        rule.active = active;
    }
    if let Some(conditions) = input.conditions {
        if conditions.len() > MAX_PARTS {
            v.fail("conditions", format!("at most {MAX_PARTS}"));
        }
        rule.conditions = conditions
            .iter()
            .enumerate()
            .filter_map(|(i, c)| parse_condition(&mut v, &format!("conditions[{i}]"), c))
            .collect();
    }
    if let Some(actions) = input.actions {
        if actions.len() > MAX_PARTS {
            v.fail("actions", format!("at most {MAX_PARTS}"));
        }
        rule.actions = actions
            .iter()
            .enumerate()
            .filter_map(|(i, a)| parse_action(&mut v, &format!("actions[{i}]"), a))
            .collect();
    }
    v.finish()?;
    rule.check().map_err(|e| {
        let field = match e {
            domain::escalation::RuleError::NoActions | domain::escalation::RuleError::NoChannel => "actions",
            _ => "conditions",
        };
        AppError::invalid(field, e)
    })?;
    // What the rule names must exist.
    let mut v = Validator::default();
    for c in &rule.conditions {
        if let Condition::Category(slug) = c
            && ports.categories.get(slug).await?.is_none()
        {
            v.fail("conditions", format!("there is no category `{slug}`"));
        }
    }
    for a in &rule.actions {
        match a {
            Action::Reassign(Reassign::Agent(id)) => match ports.users.get(*id).await? {
                Some(u) if u.active && u.role.is_staff() => {}
                _ => v.fail("actions", format!("user {} is not an active agent", id.get())),
            },
            Action::Reassign(Reassign::Queue { category: Some(slug) })
                if ports.categories.get(slug).await?.is_none() =>
            {
                v.fail("actions", format!("there is no category `{slug}`"));
            }
            _ => {}
        }
    }
    v.finish()?;
    Ok(rule)
}

fn store_error(name: &str) -> impl Fn(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::Duplicate(_) => AppError::Conflict {
            code: "rule_exists",
            message: format!("an escalation rule named `{name}` already exists"),
        },
        other => other.into(),
    }
}

/// Lists, creates, changes and deletes escalation rules (admins).
#[derive(Clone)]
pub struct ManageRules {
    ports: RulePorts,
}

impl ManageRules {
    /// Wires the use case.
    pub fn new(ports: RulePorts) -> Self {
        Self { ports }
    }

    /// Every rule, oldest first.
    pub async fn list(&self, actor: Actor) -> Result<Vec<EscalationRule>, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        Ok(self.ports.rules.list_rules().await?)
    }

    /// Checks and stores a new rule (active unless `active: false`); a taken name is a
    /// conflict.
    pub async fn create(&self, actor: Actor, input: RuleInput) -> Result<EscalationRule, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        let mut v = Validator::default();
        for (present, field) in [
            (input.name.is_some(), "name"),
            (input.conditions.is_some(), "conditions"),
            (input.actions.is_some(), "actions"),
        ] {
            if !present {
                v.fail(field, "is required");
            }
        }
        v.finish()?;
        let blank = EscalationRule {
            id: 0,
            name: String::new(),
            active: true,
            conditions: Vec::new(),
            actions: Vec::new(),
        };
        let rule = merge(&self.ports, blank, input).await?;
        let now = self.ports.clock.now();
        let name = rule.name.clone();
        let stored = self
            .ports
            .rules
            .insert_rule(rule, now)
            .await
            .map_err(store_error(&name))?;
        self.recheck(&stored, now).await?;
        Ok(stored)
    }

    /// A new or changed active rule may fire on any open ticket: every one is due a look.
    async fn recheck(&self, rule: &EscalationRule, now: domain::Timestamp) -> Result<(), AppError> {
        if rule.active {
            self.ports.checks.recheck_open_tickets(now).await?;
        }
        Ok(())
    }

    /// Changes the fields present; the rule is checked as a whole.
    pub async fn update(&self, actor: Actor, id: i64, input: RuleInput) -> Result<EscalationRule, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        let base = self
            .ports
            .rules
            .get_rule(id)
            .await?
            .ok_or(AppError::NotFound("escalation rule"))?;
        let rule = merge(&self.ports, base, input).await?;
        let now = self.ports.clock.now();
        let name = rule.name.clone();
        match self
            .ports
            .rules
            .update_rule(rule.clone(), now)
            .await
            .map_err(store_error(&name))?
        {
            true => {
                self.recheck(&rule, now).await?;
                Ok(rule)
            }
            false => Err(AppError::NotFound("escalation rule")),
        }
    }

    /// Deletes a rule. Escalations it made stay in the tickets' histories.
    pub async fn delete(&self, actor: Actor, id: i64) -> Result<(), AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        match self.ports.rules.delete_rule(id).await? {
            true => Ok(()),
            false => Err(AppError::NotFound("escalation rule")),
        }
    }
}
