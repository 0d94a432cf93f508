//! The agents' workload: open tickets, room left, SLA trouble and response times.

use std::sync::Arc;

use domain::assignment::{Availability, LOAD_STATUSES, LoadWeights};
use domain::{Actor, Priority, TicketStatus, Timestamp, UserId};

use crate::error::AppError;
use crate::ports::{AgentRepository, AgentWorkload, Clock};

/// The window of response times when none is asked for, in days.
pub const DEFAULT_WINDOW_DAYS: u32 = 30;
/// The longest window accepted, in days: the report is computed on every call, and the
/// tickets answered in the window are what it reads.
pub const MAX_WINDOW_DAYS: u32 = 90;

/// One agent's line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentLoad {
    /// The staff account.
    pub user_id: UserId,
    /// Their display name.
    pub display_name: String,
    /// Whether they take tickets now.
    pub availability: Availability,
    /// The most open tickets they may have.
    pub capacity: u32,
    /// Open tickets per status.
    pub by_status: Vec<(TicketStatus, u32)>,
    /// Open tickets per priority.
    pub by_priority: Vec<(Priority, u32)>,
    /// Open tickets in all.
    pub open: u32,
    /// Open tickets weighed by priority, as the selection rule weighs them.
    pub weighted_load: u64,
    /// Open tickets over capacity (above 1 after a forced assignment); `None` when the
    /// capacity is 0.
    pub utilisation: Option<f64>,
    /// Open tickets with an SLA target at risk now.
    pub at_risk: u32,
    /// Open tickets with an SLA target breached (a ticket at risk on one target and
    /// breached on another counts in both).
    pub breached: u32,
    /// How many first responses fell in the window.
    pub first_responses: u32,
    /// Their median time to first response in the window, in seconds (wall-clock, from
    /// creation); `None` without any.
    pub median_first_response_seconds: Option<i64>,
}

/// The report.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadReport {
    /// When it was taken.
    pub at: Timestamp,
    /// The start of the response-time window.
    pub since: Timestamp,
    /// The window's length in days.
    pub window_days: u32,
    /// One line per agent with a profile or open tickets, by user id.
    pub agents: Vec<AgentLoad>,
}

/// `GET /agents/workload`. Staff only.
#[derive(Clone)]
pub struct Workload {
    agents: Arc<dyn AgentRepository>,
    clock: Arc<dyn Clock>,
    weights: LoadWeights,
}

impl Workload {
    /// Wires the use case; `weights` as the selection rule uses them.
    pub fn new(agents: Arc<dyn AgentRepository>, clock: Arc<dyn Clock>, weights: LoadWeights) -> Self {
        Self { agents, clock, weights }
    }

    /// The report now, with response times over the last `window_days` (default 30, at
    /// most [`MAX_WINDOW_DAYS`]).
    pub async fn execute(&self, actor: Actor, window_days: Option<u32>) -> Result<WorkloadReport, AppError> {
        if !actor.is_staff() {
            return Err(AppError::Forbidden("the workload is for staff".into()));
        }
        let window_days = window_days.unwrap_or(DEFAULT_WINDOW_DAYS);
        if !(1..=MAX_WINDOW_DAYS).contains(&window_days) {
            return Err(AppError::invalid(
                "window_days",
                format!("must be between 1 and {MAX_WINDOW_DAYS}"),
            ));
        }
        let at = self.clock.now();
        let since = at.plus_seconds(-i64::from(window_days) * 86_400);
        let rows = self.agents.workload(since, at).await?;
        Ok(WorkloadReport {
            at,
            since,
            window_days,
            agents: rows.into_iter().map(|w| self.line(w)).collect(),
        })
    }

    fn line(&self, w: AgentWorkload) -> AgentLoad {
        let open = w.load.open();
        AgentLoad {
            user_id: w.user_id,
            display_name: w.display_name,
            availability: w.availability,
            capacity: w.capacity,
            by_status: LOAD_STATUSES.into_iter().zip(w.by_status).collect(),
            by_priority: Priority::ALL.into_iter().map(|p| (p, w.load.of(p))).collect(),
            open,
            weighted_load: self.weights.weigh(&w.load),
            utilisation: (w.capacity > 0).then(|| f64::from(open) / f64::from(w.capacity)),
            at_risk: w.at_risk,
            breached: w.breached,
            first_responses: w.first_responses,
            median_first_response_seconds: w.median_first_response_seconds,
        }
    }
}

/// The median; the mean of the two middle values (rounded down) for an even count. The
/// in-memory fakes compute the workload with it; the databases do the same in SQL.
#[cfg(any(test, feature = "mocks"))]
pub(crate) fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]).div_euclid(2)),
    }
}

#[cfg(test)]
mod median_tests {
    use super::median;

    #[test]
    fn median_of_odd_even_and_no_values() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![30, 10, 20]), Some(20));
        assert_eq!(median(vec![40, 10, 20, 30]), Some(25));
        assert_eq!(median(vec![7]), Some(7));
    }
}
