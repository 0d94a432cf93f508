//! Managing SLA policies (admins).

use std::sync::Arc;

use domain::sla::{DEFAULT_WARNING_PERCENT, SlaPolicy};
use domain::{Actor, CategorySlug, Priority, TicketStatus};

use crate::error::{AppError, Validator, require_admin};
use crate::ports::{CategoryRepository, Clock, SlaCalendarRepository, SlaPolicyRepository, StoreError};

/// The longest target: ten years of minutes.
pub const MAX_TARGET_MINUTES: i64 = 10 * 366 * 24 * 60;

/// A policy as received. For updates, `None` keeps a field; `Some(None)` clears a
/// nullable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyInput {
    /// A unique name.
    pub name: Option<String>,
    /// `low`, `normal`, `high`, `urgent`: at least one.
    pub priorities: Option<Vec<String>>,
    /// A category slug, or none for every category.
    pub category: Option<Option<String>>,
    /// A stored calendar's id, or none for calendar time.
    pub calendar_id: Option<Option<i64>>,
    /// First response in business minutes.
    pub first_response_minutes: Option<Option<i64>>,
    /// Next response in business minutes.
    pub next_response_minutes: Option<Option<i64>>,
    /// Resolution in business minutes.
    pub resolution_minutes: Option<Option<i64>>,
    /// At-risk threshold, 1-100 percent (default 80).
    pub warning_percent: Option<i64>,
    /// Statuses that pause resolution (default `waiting_customer`).
    pub pause_statuses: Option<Vec<String>>,
}

/// The ports the policy use cases share.
#[derive(Clone)]
pub struct PolicyPorts {
    /// Stores policies.
    pub policies: Arc<dyn SlaPolicyRepository>,
    /// To check a named calendar exists.
    pub calendars: Arc<dyn SlaCalendarRepository>,
    /// To check a named category exists.
    pub categories: Arc<dyn CategoryRepository>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
}

/// Why a non-admin is refused.
const ADMINS_ONLY: &str = "only admins manage SLA policies";

/// Applies `input` over `base` and checks the whole policy.
async fn merge(ports: &PolicyPorts, base: SlaPolicy, input: PolicyInput) -> Result<SlaPolicy, AppError> {
    let mut v = Validator::default();
    let mut p = base;
    if let Some(name) = input.name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            v.fail("name", "must be 1 to 100 characters, without control characters");
        }
        p.name = name;
    }
    if let Some(raw) = input.priorities {
        p.priorities = raw
            .iter()
            .filter_map(|r| v.check("priorities", Priority::parse(r)))
            .collect();
        p.priorities.sort_by_key(|x| x.rank());
        p.priorities.dedup();
    }
    if p.priorities.is_empty() {
        v.fail("priorities", "name at least one priority");
    }
    if let Some(category) = input.category {
        p.category = category.and_then(|c| v.check("category", CategorySlug::parse(&c)));
    }
    if let Some(id) = input.calendar_id {
        p.calendar_id = id;
    }
    let minutes = |v: &mut Validator, field: &str, m: Option<i64>| -> Option<u32> {
        match m {
            None => None,
            Some(m) if (1..=MAX_TARGET_MINUTES).contains(&m) => u32::try_from(m).ok(),
            Some(_) => {
                v.fail(field, format!("must be between 1 and {MAX_TARGET_MINUTES} minutes"));
                None
            }
        }
    };
    if let Some(m) = input.first_response_minutes {
        p.first_response_minutes = minutes(&mut v, "first_response_minutes", m);
    }
    if let Some(m) = input.next_response_minutes {
        p.next_response_minutes = minutes(&mut v, "next_response_minutes", m);
    }
    if let Some(m) = input.resolution_minutes {
        p.resolution_minutes = minutes(&mut v, "resolution_minutes", m);
    }
    if p.first_response_minutes.is_none() && p.next_response_minutes.is_none() && p.resolution_minutes.is_none() {
        v.fail("resolution_minutes", "a policy needs at least one target");
    }
    if let Some(w) = input.warning_percent {
        match u8::try_from(w) {
            Ok(w) if (1..=100).contains(&w) => p.warning_percent = w,
            _ => v.fail("warning_percent", "must be between 1 and 100"),
        }
    }
    if let Some(raw) = input.pause_statuses {
        p.pause_statuses = raw
            .iter()
            .filter_map(|r| v.check("pause_statuses", TicketStatus::parse(r)))
            .collect();
        if p.pause_statuses
            .iter()
            .any(|s| matches!(s, TicketStatus::Resolved | TicketStatus::Closed))
        {
            v.fail(
                "pause_statuses",
                "resolved and closed end the resolution target; they cannot pause it",
            );
        }
    }
    if let Some(c) = &p.category
        && ports.categories.get(c).await?.is_none()
    {
        v.fail("category", format!("there is no category `{c}`"));
    }
    if let Some(id) = p.calendar_id
        && ports.calendars.get_calendar(id).await?.is_none()
    {
        v.fail("calendar_id", format!("there is no calendar {id}"));
    }
    v.finish()?;
    Ok(p)
}

fn store_error(name: &str) -> impl Fn(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::Duplicate(_) => AppError::Conflict {
            code: "policy_exists",
            message: format!("a policy named `{name}` already exists"),
        },
        other => other.into(),
    }
}

macro_rules! policy_use_case {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            ports: PolicyPorts,
        }

        impl $name {
            /// Wires the use case.
            pub fn new(ports: PolicyPorts) -> Self {
                Self { ports }
            }
        }
    };
}

policy_use_case!(
    /// Lists the SLA policies (admins).
    ListPolicies
);
policy_use_case!(
    /// Creates an SLA policy (admins).
    CreatePolicy
);
policy_use_case!(
    /// Changes an SLA policy (admins).
    UpdatePolicy
);
policy_use_case!(
    /// Deletes an SLA policy (admins).
    DeletePolicy
);

impl ListPolicies {
    /// Every policy, oldest first.
    pub async fn execute(&self, actor: Actor) -> Result<Vec<SlaPolicy>, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        Ok(self.ports.policies.list_policies().await?)
    }
}

impl CreatePolicy {
    /// Checks and stores a new policy; a taken name is a conflict.
    pub async fn execute(&self, actor: Actor, input: PolicyInput) -> Result<SlaPolicy, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        if input.name.is_none() {
            return Err(AppError::invalid("name", "is required"));
        }
        let base = SlaPolicy {
            id: 0,
            name: String::new(),
            priorities: Vec::new(),
            category: None,
            calendar_id: None,
            first_response_minutes: None,
            next_response_minutes: None,
            resolution_minutes: None,
            warning_percent: DEFAULT_WARNING_PERCENT,
            pause_statuses: vec![TicketStatus::WaitingCustomer],
        };
        let policy = merge(&self.ports, base, input).await?;
        let name = policy.name.clone();
        self.ports
            .policies
            .insert_policy(policy, self.ports.clock.now())
            .await
            .map_err(store_error(&name))
    }
}

impl UpdatePolicy {
    /// Applies changes and checks the whole policy.
    pub async fn execute(&self, actor: Actor, id: i64, input: PolicyInput) -> Result<SlaPolicy, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        let base = self
            .ports
            .policies
            .get_policy(id)
            .await?
            .ok_or(AppError::NotFound("policy"))?;
        let policy = merge(&self.ports, base, input).await?;
        let name = policy.name.clone();
        match self
            .ports
            .policies
            .update_policy(policy.clone(), self.ports.clock.now())
            .await
        {
            Ok(true) => Ok(policy),
            Ok(false) => Err(AppError::NotFound("policy")),
            Err(e) => Err(store_error(&name)(e)),
        }
    }
}

impl DeletePolicy {
    /// Deletes a policy; not found if it does not exist.
    pub async fn execute(&self, actor: Actor, id: i64) -> Result<(), AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        if self.ports.policies.delete_policy(id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("policy"))
        }
    }
}
