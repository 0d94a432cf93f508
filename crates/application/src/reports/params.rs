//! A report's query: the period in a time zone and the grouping.

use std::sync::Arc;

use domain::report::{GroupBy, Period, ReportKind, local_day_of};
use domain::sla::{LocalDate, TimeZone};
use domain::{Actor, Timestamp};

use crate::error::AppError;
use crate::ports::ReportWindow;

use super::{DEFAULT_PERIOD_DAYS, Reports};

/// The query as given: dates `YYYY-MM-DD` (inclusive), an IANA zone, a `group_by`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportParams {
    /// The first local day; default: 29 days before `to`.
    pub from: Option<String>,
    /// The last local day; default: today in the zone (or `from` + 29 days when only
    /// `from` is given).
    pub to: Option<String>,
    /// The IANA zone the days are local to; default `UTC`.
    pub time_zone: Option<String>,
    /// How to group, where the report takes it.
    pub group_by: Option<String>,
}

/// A checked query: the period, its zone's name and the grouping.
#[derive(Debug, Clone)]
pub struct ReportScope {
    /// The local days covered.
    pub period: Period,
    /// The zone's IANA name.
    pub time_zone: String,
    /// The grouping, if any.
    pub group_by: Option<GroupBy>,
    /// When the report was taken.
    pub now: Timestamp,
}

impl ReportScope {
    /// The UTC bounds of the period's days, for the store.
    pub fn window(&self) -> ReportWindow {
        let mut bounds: Vec<Timestamp> = self.period.days().map(|d| d.start).collect();
        bounds.push(self.period.end());
        ReportWindow { bounds, now: self.now }
    }

    /// The local date of day `index` of the period.
    pub fn date(&self, index: usize) -> LocalDate {
        self.period.from().plus_days(i64::try_from(index).unwrap_or(0))
    }
}

fn date(field: &'static str, raw: &str) -> Result<LocalDate, AppError> {
    LocalDate::parse(raw).ok_or_else(|| AppError::invalid(field, format!("\"{raw}\" is not a date (YYYY-MM-DD)")))
}

impl Reports {
    /// Checks the caller and the query of `report`: 403 for anyone but supervisors and
    /// admins, 422 naming the field for a bad date, zone, period or `group_by`.
    pub(super) fn scope(
        &self,
        actor: Actor,
        report: ReportKind,
        params: &ReportParams,
    ) -> Result<ReportScope, AppError> {
        Self::check(actor)?;
        let zone_name = params.time_zone.as_deref().filter(|z| !z.is_empty()).unwrap_or("UTC");
        let zone: Arc<dyn TimeZone> = self
            .calendars
            .zone(zone_name)
            .ok_or_else(|| AppError::invalid("time_zone", format!("\"{zone_name}\" is not an IANA time zone")))?;
        let from = params.from.as_deref().map(|r| date("from", r)).transpose()?;
        let to = params.to.as_deref().map(|r| date("to", r)).transpose()?;
        let now = self.clock.now();
        let last = DEFAULT_PERIOD_DAYS - 1;
        let (from, to) = match (from, to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f.plus_days(last)),
            (None, Some(t)) => (t.plus_days(-last), t),
            (None, None) => {
                let today = local_day_of(now, zone.as_ref());
                (today.plus_days(-last), today)
            }
        };
        let period = Period::new(from, to, zone).map_err(|e| AppError::invalid(e.field(), e))?;
        let group_by = report
            .parse_group_by(params.group_by.as_deref())
            .map_err(|e| AppError::invalid(e.field(), e))?;
        Ok(ReportScope {
            period,
            time_zone: zone_name.to_owned(),
            group_by,
            now,
        })
    }
}
