//! The reopen rate: how many handled tickets came back.

use crate::ticket::TicketStatus;

use super::error::ReportError;
use super::percent::Percent;

/// Is a status change a reopen? Leaving `resolved` for anything but `closed` (today only
/// `in_progress`: the customer reopens or answers). `volume` counts these per day.
pub fn is_reopen(from: TicketStatus, to: TicketStatus) -> bool {
    from == TicketStatus::Resolved && to != TicketStatus::Resolved && to != TicketStatus::Closed
}

/// Reopened tickets among the handled ones.
///
/// Definition (per agent or over all): `handled` counts distinct tickets that entered
/// `resolved` or `closed` in the period; `reopened` counts those of them with at least one
/// reopen ([`is_reopen`]) in the period. Each ticket counts once in each, however often it
/// bounced, so the rate is at most 100 %. For `agents`, a ticket belongs to the agent it
/// was assigned to when it was resolved or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReopenRate {
    reopened: u64,
    handled: u64,
}

impl ReopenRate {
    /// The counts; refused when more were reopened than handled.
    pub fn new(reopened: u64, handled: u64) -> Result<Self, ReportError> {
        if reopened > handled {
            return Err(ReportError::ReopenedExceedsHandled { reopened, handled });
        }
        Ok(Self { reopened, handled })
    }

    /// Handled tickets that were reopened.
    pub const fn reopened(self) -> u64 {
        self.reopened
    }

    /// Tickets handled (resolved or closed).
    pub const fn handled(self) -> u64 {
        self.handled
    }

    /// reopened / handled × 100, one decimal, rounded down; `None` when none were handled.
    pub fn percent(self) -> Option<Percent> {
        Percent::of(self.reopened, self.handled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketStatus::*;

    #[test]
    fn a_reopen_leaves_resolved_for_work() {
        assert!(is_reopen(Resolved, InProgress));
        assert!(!is_reopen(Resolved, Closed));
        assert!(!is_reopen(WaitingCustomer, InProgress), "an answer is not a reopen");
        assert!(!is_reopen(InProgress, Resolved));
        for from in TicketStatus::ALL {
            for &to in from.allowed_targets() {
                assert_eq!(
                    is_reopen(from, to),
                    (from, to) == (Resolved, InProgress),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn the_rate_is_reopened_over_handled() {
        let r = ReopenRate::new(1, 8).expect("valid");
        assert_eq!(r.percent().map(|p| p.to_string()).as_deref(), Some("12.5"));
        assert_eq!(
            ReopenRate::new(1, 3).map(|r| r.percent().map(|p| p.tenths())),
            Ok(Some(333))
        );
        assert_eq!(ReopenRate::new(0, 0).map(ReopenRate::percent), Ok(None));
        let err = ReopenRate::new(3, 2).expect_err("more reopened than handled");
        assert_eq!(err.field(), "reopened");
        assert_eq!(
            err.to_string(),
            "3 tickets reopened out of 2 handled: reopened ones are counted among the handled"
        );
    }
}
