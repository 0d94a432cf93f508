//! The reports a support lead reads (issue 16): `sla`, `response-times`, `volume`, `csat`
//! and `agents`, for supervisors and admins. [`Reports`] parses the period and grouping,
//! asks the [`ReportRepository`](crate::ports::ReportRepository) for what the store
//! aggregates over the period's indexed rows, and finishes the arithmetic with
//! `domain::report` (percentages, percentiles, buckets).

mod agents;
mod csat;
mod group;
mod histogram;
mod params;
mod response_times;
mod sla;
mod volume;

use std::sync::Arc;

use domain::{Actor, Role};

use crate::error::AppError;
use crate::ports::{CalendarSupport, Clock, ReportRepository};

pub use agents::{AgentReportLine, AgentsReport};
pub use csat::{CsatLine, CsatReport, MAX_LOW_RATINGS};
pub use group::Group;
pub use histogram::{Durations, Histogram};
pub use params::{ReportParams, ReportScope};
pub use response_times::{ResponseTimesLine, ResponseTimesReport};
pub use sla::{SlaLine, SlaReport};
pub use volume::{VolumeDay, VolumeReport};

/// The days a report covers when `from` and `to` are not given: the last 30 local days,
/// ending today.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// The report use cases: one method per report.
#[derive(Clone)]
pub struct Reports {
    store: Arc<dyn ReportRepository>,
    calendars: Arc<dyn CalendarSupport>,
    clock: Arc<dyn Clock>,
}

impl Reports {
    /// Wires the use cases.
    pub fn new(store: Arc<dyn ReportRepository>, calendars: Arc<dyn CalendarSupport>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            calendars,
            clock,
        }
    }

    /// Supervisors and admins only.
    fn check(actor: Actor) -> Result<(), AppError> {
        match actor.role {
            Role::Supervisor | Role::Admin => Ok(()),
            Role::Agent | Role::Customer => Err(AppError::Forbidden("reports are for supervisors and admins".into())),
        }
    }
}

#[cfg(test)]
mod tests;
