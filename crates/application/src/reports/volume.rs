//! `volume`: created, resolved, closed and reopened per local day, and the backlog at the
//! end of each day by status and by age.

use domain::report::{BacklogAges, ReportKind};
use domain::sla::LocalDate;
use domain::{Actor, TicketStatus};

use crate::error::AppError;
use crate::ports::DayCounts;

use super::{ReportParams, ReportScope, Reports};

/// The statuses the backlog counts: every status but `closed`.
pub const BACKLOG_STATUSES: [TicketStatus; 5] = [
    TicketStatus::New,
    TicketStatus::Assigned,
    TicketStatus::InProgress,
    TicketStatus::WaitingCustomer,
    TicketStatus::Resolved,
];

/// One local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeDay {
    /// The date.
    pub date: LocalDate,
    /// Created, resolved, closed and reopened during it.
    pub counts: DayCounts,
    /// Tickets not closed at its end, per status of [`BACKLOG_STATUSES`] (in that order).
    pub backlog_by_status: [u64; 5],
    /// The same tickets by age at its end.
    pub backlog_by_age: BacklogAges,
}

impl VolumeDay {
    /// All tickets not closed at the day's end.
    pub fn backlog(&self) -> u64 {
        self.backlog_by_age.total()
    }
}

/// The `volume` report: one entry per day of the period, in order.
#[derive(Debug, Clone)]
pub struct VolumeReport {
    /// The period.
    pub scope: ReportScope,
    /// Every day of the period.
    pub days: Vec<VolumeDay>,
}

impl Reports {
    /// `GET /reports/volume`: events count on the local day they happened; the backlog is
    /// every ticket created before a day's end and not closed by then, in the status it
    /// had then, aged from its creation to the day's end.
    pub async fn volume(&self, actor: Actor, params: &ReportParams) -> Result<VolumeReport, AppError> {
        let scope = self.scope(actor, ReportKind::Volume, params)?;
        let data = self.store.volume(&scope.window()).await?;
        let mut days: Vec<VolumeDay> = (0..scope.period.day_count())
            .map(|i| VolumeDay {
                date: scope.date(i),
                counts: DayCounts::default(),
                backlog_by_status: [0; 5],
                backlog_by_age: BacklogAges::default(),
            })
            .collect();
        for (i, counts) in data.days {
            if let Some(day) = days.get_mut(i) {
                day.counts = counts;
            }
        }
        for row in data.backlog {
            let Some(day) = days.get_mut(row.day) else {
                continue;
            };
            if let Some(s) = BACKLOG_STATUSES.iter().position(|s| *s == row.status) {
                day.backlog_by_status[s] = day.backlog_by_status[s].saturating_add(row.count);
                day.backlog_by_age.add(row.bucket, row.count);
            }
        }
        Ok(VolumeReport { scope, days })
    }
}
