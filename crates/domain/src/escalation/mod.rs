//! Escalation: admin-defined rules that act on tickets slipping (an SLA target at risk or
//! breached, a ticket left unassigned or unanswered too long), evaluated as a pure
//! function of the ticket, its SLA targets and the clock. Each rule has exactly one
//! trigger; a firing names it by a stable key, so a rule fires at most once per ticket for
//! the same trigger (one breach of one target, one stretch without an agent, one survey
//! round rated poorly).

mod evaluate;
mod rule;

pub use evaluate::{EscalationFacts, Firing, Satisfaction, evaluate, next_check};
pub use rule::{Action, Channel, Condition, EscalationRule, PriorityRaise, Reassign, Recipient, RuleError, SlaTrouble};

#[cfg(test)]
mod tests;
