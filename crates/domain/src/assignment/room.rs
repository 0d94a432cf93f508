//! Whether an agent may take one more ticket: the check every assignment makes, with the
//! agent's availability and open load read under a lock so concurrent assignments cannot
//! overfill anyone.

use std::fmt;

use crate::ticket::TicketStatus;

use super::agent::Availability;

/// The statuses of a ticket that take up its agent's capacity: the work is on their desk.
/// `resolved` and `closed` tickets free it; a reopened ticket takes it up again.
pub const LOAD_STATUSES: [TicketStatus; 3] = [
    TicketStatus::Assigned,
    TicketStatus::InProgress,
    TicketStatus::WaitingCustomer,
];

/// How strictly an assignment checks the agent it gives the ticket to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// The queue or auto-assignment: the agent must be online and under capacity.
    Automatic,
    /// A person assigning: the agent must not be offline and must be under capacity
    /// (`away` agents take no automatic work but may be handed a ticket).
    Manual,
    /// An agent taking a ticket themselves: they are evidently at work, so only their
    /// capacity is checked.
    Own,
    /// An admin overriding both checks.
    Forced,
}

/// Why an agent cannot take one more ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Their availability does not allow it.
    Unavailable(Availability),
    /// They already have `capacity` open tickets or more.
    Full {
        /// Their capacity.
        capacity: u32,
        /// Their open tickets.
        open: u32,
    },
    /// Their account is deactivated: no assignment, not even a forced one, may reach them.
    Deactivated,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unavailable(a) => write!(f, "the agent is {a}"),
            Refusal::Full { capacity, open } => {
                write!(f, "the agent is at capacity ({open} open of {capacity})")
            }
            Refusal::Deactivated => f.write_str("the agent's account is deactivated"),
        }
    }
}

impl std::error::Error for Refusal {}

/// May an agent with this availability, capacity and `open` tickets (not counting the one
/// being given) take one more?
pub fn check_room(strictness: Strictness, availability: Availability, capacity: u32, open: u32) -> Result<(), Refusal> {
    let available = match strictness {
        Strictness::Forced => return Ok(()),
        Strictness::Automatic => availability == Availability::Online,
        Strictness::Manual => availability != Availability::Offline,
        Strictness::Own => true,
    };
    if !available {
        return Err(Refusal::Unavailable(availability));
    }
    if open >= capacity {
        return Err(Refusal::Full { capacity, open });
    }
    Ok(())
}

/// True for the statuses in [`LOAD_STATUSES`].
pub fn takes_capacity(status: TicketStatus) -> bool {
    LOAD_STATUSES.contains(&status)
}
