//! Escalation: a person escalating a ticket, and each ticket's escalation record.

mod manual;
mod records;

pub use manual::{EscalateInput, EscalateTicket};
pub use records::{EscalationRecord, TicketEscalations};

#[cfg(test)]
mod tests;
