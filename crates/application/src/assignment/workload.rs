//! The agents' workload: open tickets, room left, SLA trouble and response times.

use std::collections::HashMap;
use std::sync::Arc;

use domain::assignment::{Availability, LOAD_STATUSES, LoadWeights};
use domain::sla::TargetStatus;
use domain::{Actor, Priority, TicketId, TicketStatus, Timestamp, UserId};

use crate::error::AppError;
use crate::ports::{AgentRepository, AgentWorkload, Clock, SlaTargetRepository};

/// The window of response times when none is asked for, in days.
pub const DEFAULT_WINDOW_DAYS: u32 = 30;
/// The longest window accepted, in days.
pub const MAX_WINDOW_DAYS: u32 = 365;

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
    pub first_responses: usize,
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
    targets: Arc<dyn SlaTargetRepository>,
    clock: Arc<dyn Clock>,
    weights: LoadWeights,
}

impl Workload {
    /// Wires the use case; `weights` as the selection rule uses them.
    pub fn new(
        agents: Arc<dyn AgentRepository>,
        targets: Arc<dyn SlaTargetRepository>,
        clock: Arc<dyn Clock>,
        weights: LoadWeights,
    ) -> Self {
        Self {
            agents,
            targets,
            clock,
            weights,
        }
    }

    /// The report now, with response times over the last `window_days` (default 30, at
    /// most 365).
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
        let rows = self.agents.workload(since).await?;
        let open: Vec<TicketId> = rows.iter().flat_map(|w| w.open_tickets.iter().copied()).collect();
        let mut trouble: HashMap<TicketId, (bool, bool)> = HashMap::new();
        for (id, stored) in self.targets.slas_of(&open).await? {
            let statuses: Vec<TargetStatus> = stored.sla.targets.iter().map(|t| t.status(at)).collect();
            let at_risk = statuses.contains(&TargetStatus::AtRisk);
            let breached = statuses.contains(&TargetStatus::Breached);
            trouble.insert(id, (at_risk, breached));
        }
        Ok(WorkloadReport {
            at,
            since,
            window_days,
            agents: rows.into_iter().map(|w| self.line(w, &trouble)).collect(),
        })
    }

    fn line(&self, w: AgentWorkload, trouble: &HashMap<TicketId, (bool, bool)>) -> AgentLoad {
        let open = w.load.open();
        let count = |pick: fn(&(bool, bool)) -> bool| {
            let n = w
                .open_tickets
                .iter()
                .filter(|id| trouble.get(id).is_some_and(pick))
                .count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
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
            at_risk: count(|t| t.0),
            breached: count(|t| t.1),
            first_responses: w.first_responses.len(),
            median_first_response_seconds: median(w.first_responses),
        }
    }
}

/// The median; the mean of the two middle values (rounded down) for an even count.
fn median(mut values: Vec<i64>) -> Option<i64> {
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
