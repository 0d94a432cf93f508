//! The ticket state machine.

use std::fmt;

use crate::value_error::ValueError;

/// Where a ticket is in its life. The allowed moves are [`TicketStatus::allowed_targets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TicketStatus {
    /// Raised, nobody works on it yet.
    New,
    /// An agent owns it but has not started.
    Assigned,
    /// An agent is working on it.
    InProgress,
    /// The agent needs an answer from the customer.
    WaitingCustomer,
    /// The agent considers it solved; the customer may still reopen it.
    Resolved,
    /// Finished for good. Terminal.
    Closed,
}

impl TicketStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::New,
        TicketStatus::Assigned,
        TicketStatus::InProgress,
        TicketStatus::WaitingCustomer,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];
    const NAMES: &'static [&'static str] = &[
        "new",
        "assigned",
        "in_progress",
        "waiting_customer",
        "resolved",
        "closed",
    ];

    /// The statuses this one may move to, exactly as the seed system defines them.
    pub const fn allowed_targets(self) -> &'static [TicketStatus] {
        use TicketStatus::*;
        match self {
            New => &[Assigned, Closed],
            Assigned => &[InProgress, Closed],
            InProgress => &[WaitingCustomer, Resolved, Closed],
            WaitingCustomer => &[InProgress, Closed],
            Resolved => &[Closed, InProgress],
            Closed => &[],
        }
    }

    /// May a ticket in this status move to `to`?
    pub fn can_transition_to(self, to: TicketStatus) -> bool {
        self.allowed_targets().contains(&to)
    }

    /// True once nothing may change any more.
    pub const fn is_terminal(self) -> bool {
        matches!(self, TicketStatus::Closed)
    }

    /// The stable snake_case name used in storage and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            TicketStatus::New => "new",
            TicketStatus::Assigned => "assigned",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::WaitingCustomer => "waiting_customer",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    /// Parses a stable name.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or(ValueError::NotOneOf { allowed: Self::NAMES })
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::TicketStatus::*;
    use super::*;

    #[test]
    fn the_machine_is_exactly_the_seeds() {
        let edges: Vec<(TicketStatus, TicketStatus)> = TicketStatus::ALL
            .into_iter()
            .flat_map(|from| TicketStatus::ALL.into_iter().map(move |to| (from, to)))
            .filter(|(from, to)| from.can_transition_to(*to))
            .collect();
        assert_eq!(
            edges,
            vec![
                (New, Assigned),
                (New, Closed),
                (Assigned, InProgress),
                (Assigned, Closed),
                (InProgress, WaitingCustomer),
                (InProgress, Resolved),
                (InProgress, Closed),
                (WaitingCustomer, InProgress),
                (WaitingCustomer, Closed),
                (Resolved, InProgress),
                (Resolved, Closed),
            ]
        );
    }

    #[test]
    fn closed_is_terminal_and_nothing_moves_to_itself() {
        assert!(Closed.allowed_targets().is_empty());
        assert!(Closed.is_terminal());
        for s in TicketStatus::ALL {
            assert!(!s.can_transition_to(s));
        }
    }

    #[test]
    fn names_round_trip() {
        for s in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(s.as_str()), Ok(s));
        }
        assert!(TicketStatus::parse("open").is_err());
    }
}
