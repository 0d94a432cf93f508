//! What report inputs can get wrong.

use std::fmt;

use crate::sla::LocalDate;

use super::group_by::{GroupBy, ReportKind};

/// A report's parameters or inputs are invalid. [`ReportError::field`] names the query
/// field to blame in a 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportError {
    /// `from` is after `to`.
    PeriodReversed {
        /// The first day asked for.
        from: LocalDate,
        /// The last day asked for.
        to: LocalDate,
    },
    /// The period holds more days than [`super::MAX_PERIOD_DAYS`].
    PeriodTooLong {
        /// How many days were asked for.
        days: i64,
        /// The most allowed.
        max: i64,
    },
    /// A date outside the years 1900 to 2400.
    DateOutOfRange {
        /// `from` or `to`.
        field: &'static str,
        /// The date.
        date: LocalDate,
    },
    /// `group_by` is not one the report accepts.
    UnknownGroupBy {
        /// The report.
        report: ReportKind,
        /// What was given.
        given: String,
    },
    /// The report is not grouped (it has a fixed layout) but a `group_by` was given.
    GroupByNotAccepted {
        /// The report.
        report: ReportKind,
    },
    /// A report name that does not exist.
    UnknownReport {
        /// What was given.
        given: String,
    },
    /// A satisfaction rating outside 1 to 5.
    RatingOutOfRange {
        /// The rating.
        rating: u8,
    },
    /// More tickets reopened than handled: the counts do not follow the reopen rate's
    /// definition.
    ReopenedExceedsHandled {
        /// Tickets reopened.
        reopened: u64,
        /// Tickets handled.
        handled: u64,
    },
}

impl ReportError {
    /// The input field at fault, as the API names it.
    pub const fn field(&self) -> &'static str {
        match self {
            Self::PeriodReversed { .. } | Self::PeriodTooLong { .. } => "to",
            Self::DateOutOfRange { field, .. } => field,
            Self::UnknownGroupBy { .. } | Self::GroupByNotAccepted { .. } => "group_by",
            Self::UnknownReport { .. } => "report",
            Self::RatingOutOfRange { .. } => "rating",
            Self::ReopenedExceedsHandled { .. } => "reopened",
        }
    }
}

fn join(values: &[GroupBy]) -> String {
    values.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PeriodReversed { from, to } => write!(f, "from ({from}) must not be after to ({to})"),
            Self::PeriodTooLong { days, max } => {
                write!(f, "a report covers at most {max} days, not {days}")
            }
            Self::DateOutOfRange { date, .. } => write!(f, "the date {date} is outside the years 1900 to 2400"),
            Self::UnknownGroupBy { report, given } => write!(
                f,
                "group_by for the {} report must be one of {}, not \"{given}\"",
                report.as_str(),
                join(report.group_by_values())
            ),
            Self::GroupByNotAccepted { report } => {
                write!(f, "the {} report takes no group_by", report.as_str())
            }
            Self::UnknownReport { given } => write!(
                f,
                "no report named \"{given}\"; reports are {}",
                ReportKind::ALL.map(ReportKind::as_str).join(", ")
            ),
            Self::RatingOutOfRange { rating } => write!(f, "a rating is 1 to 5, not {rating}"),
            Self::ReopenedExceedsHandled { reopened, handled } => write!(
                f,
                "{reopened} tickets reopened out of {handled} handled: reopened ones are counted among the handled"
            ),
        }
    }
}

impl std::error::Error for ReportError {}
