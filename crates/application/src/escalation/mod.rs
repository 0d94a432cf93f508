//! Escalation: a person escalating a ticket, each ticket's escalation record, and the
//! admins' escalation rules.

mod auto;
mod manual;
mod records;
mod rules;

pub use auto::{EscalationTick, RunEscalations};
pub use manual::{EscalateInput, EscalateTicket};
pub use records::{EscalationRecord, TicketEscalations};
pub use rules::{ActionInput, ConditionInput, ManageRules, RuleInput, RulePorts};

#[cfg(test)]
mod tests;
