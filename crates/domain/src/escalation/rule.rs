//! What an escalation rule says: when it fires and what it does.

use std::fmt;

use crate::ids::UserId;
use crate::sla::TargetKind;
use crate::ticket::{CategorySlug, Priority};

/// Which SLA trouble a rule reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlaTrouble {
    /// The target has reached its warning threshold (or gone past it to a breach).
    AtRisk,
    /// The target's due instant has passed without it being met.
    Breached,
}

impl SlaTrouble {
    /// Every trouble.
    pub const ALL: [SlaTrouble; 2] = [SlaTrouble::AtRisk, SlaTrouble::Breached];

    /// The API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SlaTrouble::AtRisk => "at_risk",
            SlaTrouble::Breached => "breached",
        }
    }

    /// Parses an API name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// One condition of a rule. A rule has exactly one trigger (the SLA, unassigned or no
/// reply conditions) and any number of filters (priority, category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Trigger: an SLA target (of this kind, or any) is in trouble.
    Sla {
        /// The target kind; `None` for any.
        target: Option<TargetKind>,
        /// At risk or breached.
        trouble: SlaTrouble,
    },
    /// Trigger: the ticket has waited in the queue without an agent this long.
    UnassignedFor {
        /// Business minutes, on the ticket's SLA calendar.
        business_minutes: u32,
    },
    /// Trigger: the customer has waited this long for an agent's public reply (since
    /// opening, or since their last comment after the last reply).
    NoAgentReplyFor {
        /// Business minutes, on the ticket's SLA calendar.
        business_minutes: u32,
    },
    /// Trigger: the customer's answer to the ticket's latest survey round rates it at
    /// most this (issue 16). Fires once per round, also on resolved and closed tickets,
    /// where only a rule's notify actions apply.
    SatisfactionAtMost {
        /// The highest rating that fires.
        rating: crate::survey::Rating,
    },
    /// Filter: the ticket's priority is at least this.
    PriorityAtLeast(Priority),
    /// Filter: the ticket is in this category.
    Category(CategorySlug),
}

impl Condition {
    /// True for the conditions that make a rule fire (the others only narrow it).
    pub const fn is_trigger(&self) -> bool {
        matches!(
            self,
            Condition::Sla { .. }
                | Condition::UnassignedFor { .. }
                | Condition::NoAgentReplyFor { .. }
                | Condition::SatisfactionAtMost { .. }
        )
    }
}

/// How far a rule raises the priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorityRaise {
    /// One level up (the original system's practice), urgent staying urgent.
    OneLevel,
    /// To this level, when it is higher.
    To(Priority),
}

impl PriorityRaise {
    /// The priority after raising `from`; never lower than `from`.
    pub fn apply(self, from: Priority) -> Priority {
        let target = match self {
            PriorityRaise::OneLevel => Priority::from_rank(from.rank() + 1).unwrap_or(from),
            PriorityRaise::To(p) => p,
        };
        if target.rank() > from.rank() { target } else { from }
    }
}

/// Where a rule sends the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reassign {
    /// To this agent.
    Agent(UserId),
    /// Back to the queue, optionally of another category (skill), for automatic assignment.
    Queue {
        /// The category whose skilled agents should take it; `None` keeps its category.
        category: Option<CategorySlug>,
    },
}

/// Who a rule notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// Every active supervisor.
    Supervisors,
    /// The ticket's agent, if it has one.
    Assignee,
    /// The customer (never told anything internal).
    Customer,
}

impl Recipient {
    /// Every recipient.
    pub const ALL: [Recipient; 3] = [Recipient::Supervisors, Recipient::Assignee, Recipient::Customer];

    /// The API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Recipient::Supervisors => "supervisors",
            Recipient::Assignee => "assignee",
            Recipient::Customer => "customer",
        }
    }

    /// Parses an API name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// How a notification travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// E-mail.
    Email,
    /// Text message, to recipients with a phone number who opted in.
    Sms,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 2] = [Channel::Email, Channel::Sms];

    /// The API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    /// Parses an API name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// One thing a rule does when it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Raise the ticket's priority.
    RaisePriority(PriorityRaise),
    /// Raise the ticket's escalation level by one.
    RaiseLevel,
    /// Give the ticket to someone else.
    Reassign(Reassign),
    /// Tell people.
    Notify {
        /// Who.
        recipient: Recipient,
        /// How (at least one).
        channels: Vec<Channel>,
    },
}

/// An admin-defined escalation rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationRule {
    /// Its id.
    pub id: i64,
    /// Its name, shown in the history.
    pub name: String,
    /// Whether it is evaluated.
    pub active: bool,
    /// Exactly one trigger and any filters; all must hold.
    pub conditions: Vec<Condition>,
    /// What it does, in order.
    pub actions: Vec<Action>,
}

/// Why a rule is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// It has no trigger condition, or more than one.
    Triggers {
        /// How many it has.
        found: usize,
    },
    /// A time condition of zero minutes.
    ZeroMinutes,
    /// It does nothing.
    NoActions,
    /// A notification without a channel.
    NoChannel,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::Triggers { found } => write!(
                f,
                "a rule needs exactly one trigger (sla, unassigned_for, no_agent_reply_for or satisfaction_at_most); it has {found}"
            ),
            RuleError::ZeroMinutes => f.write_str("business minutes must be at least 1"),
            RuleError::NoActions => f.write_str("a rule needs at least one action"),
            RuleError::NoChannel => f.write_str("a notification needs at least one channel"),
        }
    }
}

impl std::error::Error for RuleError {}

impl EscalationRule {
    /// Checks the rule is one that can fire and does something.
    pub fn check(&self) -> Result<(), RuleError> {
        let found = self.conditions.iter().filter(|c| c.is_trigger()).count();
        if found != 1 {
            return Err(RuleError::Triggers { found });
        }
        let zero = self.conditions.iter().any(|c| {
            matches!(
                c,
                Condition::UnassignedFor { business_minutes: 0 } | Condition::NoAgentReplyFor { business_minutes: 0 }
            )
        });
        if zero {
            return Err(RuleError::ZeroMinutes);
        }
        if self.actions.is_empty() {
            return Err(RuleError::NoActions);
        }
        if self
            .actions
            .iter()
            .any(|a| matches!(a, Action::Notify { channels, .. } if channels.is_empty()))
        {
            return Err(RuleError::NoChannel);
        }
        Ok(())
    }

    /// Its trigger (a checked rule has exactly one).
    pub fn trigger(&self) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.is_trigger())
    }
}
