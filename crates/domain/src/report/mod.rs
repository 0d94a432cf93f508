//! The arithmetic of the reports a support lead reads (issue 16): the period and its
//! local days, percentiles of durations, SLA compliance, satisfaction (CSAT), backlog age
//! buckets, the reopen rate, and which `group_by` each report accepts.
//!
//! Everything here is pure and works on plain counts and durations, so a store may
//! aggregate in SQL and hand over only totals (or, for percentiles, only the one or two
//! values at the ranks [`Quantile::ranks`] names).
//!
//! Rounding is the same everywhere: figures are rounded down (toward zero; every figure is
//! non-negative), so a report never overstates. A compliance of `100.0` therefore means
//! nothing breached, and a median is a whole number of minutes.

mod age;
mod compliance;
mod csat;
mod error;
mod group_by;
mod minutes;
mod percent;
mod percentile;
mod period;
mod reopen;

pub use age::{AgeBucket, BacklogAges};
pub use compliance::Compliance;
pub use csat::{AverageRating, Csat, MAX_RATING, MIN_RATING};
pub use error::ReportError;
pub use group_by::{GroupBy, ReportKind};
pub use minutes::{seconds_to_minutes, wall_minutes};
pub use percent::Percent;
pub use percentile::{Quantile, median, p90};
pub use period::{Day, MAX_PERIOD_DAYS, Period, day_start, local_day_of};
pub use reopen::{ReopenRate, is_reopen};

#[cfg(test)]
mod tests;
