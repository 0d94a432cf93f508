//! The order in which tickets waiting for an agent are served.

use std::cmp::Ordering;

use crate::ticket::Ticket;

/// The queue's order: most urgent first, then the earliest SLA due instant (tickets with
/// none after those with one), then the oldest, then the lowest id.
pub fn queue_order(a: &Ticket, b: &Ticket) -> Ordering {
    let (a, b) = (a.parts(), b.parts());
    b.priority
        .rank()
        .cmp(&a.priority.rank())
        .then_with(|| match (a.sla_due_at, b.sla_due_at) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.created_at.cmp(&b.created_at))
        .then_with(|| a.id.get().cmp(&b.id.get()))
}
