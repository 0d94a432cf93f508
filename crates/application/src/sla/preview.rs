//! `POST /sla/preview`: what a calendar makes of a start and a target, explained.

use std::sync::Arc;

use domain::sla::CalendarError;
use domain::{Actor, Timestamp};

use crate::error::AppError;
use crate::ports::{CalendarSupport, SlaCalendarRepository};

use super::explain::{Explanation, explain};
use super::spec::{CalendarSpec, build_calendar};

/// The longest target previewed: about 19 years of minutes.
pub const MAX_PREVIEW_MINUTES: i64 = 10_000_000;

/// Which calendar a preview uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarSource {
    /// A configuration sent with the question.
    Inline(CalendarSpec),
    /// A stored calendar.
    Stored(i64),
}

/// A what-if question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewInput {
    /// The calendar: inline or stored.
    pub calendar: CalendarSource,
    /// When the clock starts.
    pub start: Timestamp,
    /// The target, in business minutes.
    pub minutes: i64,
}

/// A preview's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The due instant and how it follows.
    pub explanation: Explanation,
    /// The version of the zone database the answer comes from.
    pub tzdb_version: String,
}

/// Computes a due instant on a calendar being designed, with its explanation: a tool for
/// admins writing policies, and a way to check the arithmetic from outside.
#[derive(Clone)]
pub struct PreviewDueDate {
    support: Arc<dyn CalendarSupport>,
    calendars: Arc<dyn SlaCalendarRepository>,
}

impl PreviewDueDate {
    /// Wires the use case.
    pub fn new(support: Arc<dyn CalendarSupport>, calendars: Arc<dyn SlaCalendarRepository>) -> Self {
        Self { support, calendars }
    }

    /// Admins only. Bad calendars and targets are 422 with the offending fields.
    pub async fn execute(&self, actor: Actor, input: PreviewInput) -> Result<Preview, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden(
                "only admins design SLA calendars and policies".into(),
            ));
        }
        if !(0..=MAX_PREVIEW_MINUTES).contains(&input.minutes) {
            return Err(AppError::invalid(
                "minutes",
                format!("must be between 0 and {MAX_PREVIEW_MINUTES}"),
            ));
        }
        let spec = match input.calendar {
            CalendarSource::Inline(spec) => spec,
            CalendarSource::Stored(id) => {
                let stored = self.calendars.get_calendar(id).await?;
                stored
                    .ok_or_else(|| AppError::invalid("calendar", format!("there is no calendar {id}")))?
                    .spec
            }
        };
        let calendar = build_calendar(&spec, self.support.as_ref(), "calendar")?;
        let explanation = explain(&calendar, input.start, input.minutes * 60).map_err(|e| match e {
            CalendarError::NeverOpen => AppError::invalid("calendar", e),
            other => AppError::invalid("minutes", other),
        })?;
        Ok(Preview {
            explanation,
            tzdb_version: self.support.zone_database_version().to_owned(),
        })
    }
}
