//! A report's period: local dates in a time zone, and the UTC instants bounding its days.

use std::sync::Arc;

use crate::sla::{LocalDate, TimeZone, earliest_instant_at_or_after};
use crate::time::Timestamp;

use super::error::ReportError;

/// The most days a report covers: a leap year.
pub const MAX_PERIOD_DAYS: i64 = 366;

const SECONDS_PER_DAY: i64 = 86_400;

/// The instant a local day starts in `zone`: the earliest instant whose wall-clock reading
/// is at or after its `00:00` (so, when midnight is skipped, the transition that skipped
/// it). A day ends where the next one starts.
pub fn day_start(date: LocalDate, zone: &dyn TimeZone) -> Timestamp {
    let local_midnight = date.days().saturating_mul(SECONDS_PER_DAY);
    Timestamp::from_unix_seconds(earliest_instant_at_or_after(zone, local_midnight))
}

/// The local day `instant` belongs to in `zone`: the day `d` with
/// `day_start(d) ≤ instant < day_start(d + 1)`, so bucketing an event by this function and
/// by [`Period::days`]' bounds always agree (also when clocks go back across midnight).
pub fn local_day_of(instant: Timestamp, zone: &dyn TimeZone) -> LocalDate {
    let seconds = instant.unix_seconds();
    let local = seconds.saturating_add(i64::from(zone.offset_at(seconds)));
    let mut day = LocalDate::from_days(local.div_euclid(SECONDS_PER_DAY));
    // Offsets are less than a day, so the reading is at most one day off the bounds.
    for _ in 0..2 {
        if day_start(day, zone) > instant {
            day = day.plus_days(-1);
        } else if day_start(day.plus_days(1), zone) <= instant {
            day = day.plus_days(1);
        }
    }
    day
}

/// One local day of a period and the UTC instants bounding it: `start` inclusive, `end`
/// exclusive (the next day's start). 24 hours long, except 23 or 25 (or other) across a
/// change of offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The local date.
    pub date: LocalDate,
    /// Its first instant.
    pub start: Timestamp,
    /// The first instant of the next day.
    pub end: Timestamp,
}

impl Day {
    /// Its length in seconds (86 400 unless the offset changes during it).
    pub fn seconds(&self) -> i64 {
        self.end.unix_seconds() - self.start.unix_seconds()
    }
}

/// The days a report covers: `from` to `to`, both inclusive, local dates in `zone`.
///
/// Valid when `from` ≤ `to`, at most [`MAX_PERIOD_DAYS`] days, and both dates within the
/// years 1900 to 2400. Events count in the period when `start() ≤ at < end()`.
#[derive(Debug, Clone)]
pub struct Period {
    from: LocalDate,
    to: LocalDate,
    zone: Arc<dyn TimeZone>,
}

impl Period {
    /// The period from `from` to `to` (inclusive) in `zone`, validated.
    pub fn new(from: LocalDate, to: LocalDate, zone: Arc<dyn TimeZone>) -> Result<Self, ReportError> {
        for (field, date) in [("from", from), ("to", to)] {
            if !(1900..=2400).contains(&date.ymd().0) {
                return Err(ReportError::DateOutOfRange { field, date });
            }
        }
        if from > to {
            return Err(ReportError::PeriodReversed { from, to });
        }
        let days = to.days() - from.days() + 1;
        if days > MAX_PERIOD_DAYS {
            return Err(ReportError::PeriodTooLong {
                days,
                max: MAX_PERIOD_DAYS,
            });
        }
        Ok(Self { from, to, zone })
    }

    /// The first day.
    pub fn from(&self) -> LocalDate {
        self.from
    }

    /// The last day.
    pub fn to(&self) -> LocalDate {
        self.to
    }

    /// The time zone its days are local to.
    pub fn zone(&self) -> &Arc<dyn TimeZone> {
        &self.zone
    }

    /// How many days it covers, 1 to [`MAX_PERIOD_DAYS`].
    pub fn day_count(&self) -> usize {
        usize::try_from(self.to.days() - self.from.days() + 1).unwrap_or(0)
    }

    /// Its first instant: the start of `from`.
    pub fn start(&self) -> Timestamp {
        day_start(self.from, self.zone.as_ref())
    }

    /// The instant just after it (exclusive): the start of the day after `to`.
    pub fn end(&self) -> Timestamp {
        day_start(self.to.plus_days(1), self.zone.as_ref())
    }

    /// Does `instant` fall within it?
    pub fn contains(&self, instant: Timestamp) -> bool {
        self.start() <= instant && instant < self.end()
    }

    /// The 0-based index into [`Self::days`] of the day holding `instant`, if within.
    pub fn day_index(&self, instant: Timestamp) -> Option<usize> {
        let offset = local_day_of(instant, self.zone.as_ref()).days() - self.from.days();
        usize::try_from(offset).ok().filter(|i| *i < self.day_count())
    }

    /// Each day in order, with the instants bounding it.
    pub fn days(&self) -> impl Iterator<Item = Day> + '_ {
        let zone = self.zone.as_ref();
        let mut start = self.start();
        (0..self.day_count()).map(move |i| {
            let date = self.from.plus_days(i64::try_from(i).unwrap_or(0));
            let end = day_start(date.plus_days(1), zone);
            let day = Day { date, start, end };
            start = end;
            day
        })
    }
}
