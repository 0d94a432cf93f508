//! Business calendars and the two operations on them: adding business time to an instant
//! and measuring the business time between two instants (see `SLA.md`).

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use crate::time::Timestamp;

use super::civil::{LocalDate, TimeOfDay, Weekday};
use super::zone::{TimeZone, Utc, earliest_instant_at_or_after};

const MICROS: i64 = 1_000_000;
const DAY: i64 = 86_400;
/// Ten years of days: a calendar closed that long is never open.
const NEVER_OPEN_DAYS: i64 = 3_660;
/// The longest business time added: a century.
const MAX_SECONDS: i64 = 100 * 366 * DAY;
/// 1900-01-01 and 2400-01-01 in microseconds: the supported instants.
const FIRST_MICROS: i64 = -2_208_988_800 * MICROS;
const LAST_MICROS: i64 = 13_569_465_600 * MICROS;

fn in_range(t: Timestamp) -> bool {
    (FIRST_MICROS..=LAST_MICROS).contains(&t.unix_micros())
}

/// Why a calendar or a computation on it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// An open interval is empty, reversed, or overlaps another of its day.
    InvalidInterval {
        /// The day.
        day: Weekday,
        /// What is wrong.
        reason: &'static str,
    },
    /// The calendar has no open time in ten years.
    NeverOpen,
    /// Business time cannot be negative.
    NegativeDuration,
    /// More than a century of business time, or instants outside years 1900 to 2400.
    OutOfRange,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInterval { day, reason } => write!(f, "the hours of {} are invalid: {reason}", day.as_str()),
            Self::NeverOpen => write!(f, "the calendar has no open time in ten years"),
            Self::NegativeDuration => write!(f, "a duration of business time cannot be negative"),
            Self::OutOfRange => write!(
                f,
                "business time is computed for at most a century, between 1900 and 2400"
            ),
        }
    }
}

impl std::error::Error for CalendarError {}

/// What an addition of business time counted, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Whole weeks counted in one step, from a local date on, holidays subtracted.
    Weeks {
        /// The first local date.
        from: LocalDate,
        /// How many weeks.
        weeks: i64,
        /// The business seconds they held.
        seconds: i64,
    },
    /// One open window, or the part of it that was needed.
    Window {
        /// Where counting in it began.
        from: Timestamp,
        /// Where it ended (the due instant for the last one).
        until: Timestamp,
    },
}

/// One open stretch of a day, in local wall-clock time: `start` < `end`, `end` may be
/// `24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenInterval {
    /// When it opens.
    pub start: TimeOfDay,
    /// When it closes.
    pub end: TimeOfDay,
}

/// The open intervals of each weekday: sorted, non-overlapping; a day without any is
/// closed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    days: [Vec<OpenInterval>; 7],
}

impl WeeklyHours {
    /// Checks and keeps the hours, Monday first. Each day's intervals must be non-empty,
    /// sorted and non-overlapping (touching is allowed).
    pub fn new(days: [Vec<OpenInterval>; 7]) -> Result<Self, CalendarError> {
        for (day, intervals) in Weekday::ALL.into_iter().zip(&days) {
            for (i, iv) in intervals.iter().enumerate() {
                if iv.start >= iv.end {
                    return Err(CalendarError::InvalidInterval {
                        day,
                        reason: "an interval must end after it starts",
                    });
                }
                if i > 0 && intervals[i - 1].end > iv.start {
                    return Err(CalendarError::InvalidInterval {
                        day,
                        reason: "intervals must be sorted and must not overlap",
                    });
                }
            }
        }
        Ok(Self { days })
    }

    /// Open around the clock, every day.
    pub fn always() -> Self {
        let all = vec![OpenInterval {
            start: TimeOfDay::MIDNIGHT,
            end: TimeOfDay::END_OF_DAY,
        }];
        Self {
            days: std::array::from_fn(|_| all.clone()),
        }
    }

    /// The intervals of `day`.
    pub fn on(&self, day: Weekday) -> &[OpenInterval] {
        &self.days[day.index()]
    }

    /// Open wall-clock seconds in a week.
    pub fn seconds_per_week(&self) -> i64 {
        self.days
            .iter()
            .flatten()
            .map(|iv| iv.end.seconds() - iv.start.seconds())
            .sum()
    }
}

/// Dates on which a calendar is closed all day.
pub trait Holidays: Send + Sync + fmt::Debug {
    /// Is `date` a holiday?
    fn is_holiday(&self, date: LocalDate) -> bool;
    /// The first holiday in `[from, until]`, if any.
    fn next_holiday(&self, from: LocalDate, until: LocalDate) -> Option<LocalDate>;
}

/// An explicit list of holiday dates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HolidaySet(BTreeSet<LocalDate>);

impl HolidaySet {
    /// The set of these dates.
    pub fn new(dates: impl IntoIterator<Item = LocalDate>) -> Self {
        Self(dates.into_iter().collect())
    }
}

impl Holidays for HolidaySet {
    fn is_holiday(&self, date: LocalDate) -> bool {
        self.0.contains(&date)
    }

    fn next_holiday(&self, from: LocalDate, until: LocalDate) -> Option<LocalDate> {
        if from > until {
            return None;
        }
        self.0.range(from..=until).next().copied()
    }
}

/// When a help desk is open: weekly hours in a time zone, minus holidays.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: Arc<dyn TimeZone>,
    weekly: WeeklyHours,
    holidays: Arc<dyn Holidays>,
}

/// A computation's view of a calendar: the calendar and the open time of a whole week.
struct Walk<'a> {
    calendar: &'a BusinessCalendar,
    week_micros: i64,
}

impl BusinessCalendar {
    /// A calendar of `weekly` hours in `zone`, closed on `holidays`.
    pub fn new(zone: Arc<dyn TimeZone>, weekly: WeeklyHours, holidays: Arc<dyn Holidays>) -> Self {
        Self { zone, weekly, holidays }
    }

    /// Calendar time: open around the clock in UTC, no holidays (a policy without a
    /// calendar).
    pub fn always_open() -> Self {
        Self::new(Arc::new(Utc), WeeklyHours::always(), Arc::new(HolidaySet::default()))
    }

    /// The time zone.
    pub fn zone(&self) -> &dyn TimeZone {
        self.zone.as_ref()
    }

    /// The weekly hours.
    pub fn weekly(&self) -> &WeeklyHours {
        &self.weekly
    }

    /// The holidays.
    pub fn holidays(&self) -> &dyn Holidays {
        self.holidays.as_ref()
    }

    /// The earliest instant at which exactly `seconds` of open time have passed since
    /// `start`. Counting starts at the next opening when `start` is outside open hours;
    /// zero returns `start`; a count that completes at the end of an interval returns
    /// that end. Whole weeks without an offset change are counted in one step (their
    /// holidays subtracted), so a year costs little more than a day.
    pub fn add_business_time(&self, start: Timestamp, seconds: i64) -> Result<Timestamp, CalendarError> {
        self.add_counting(start, seconds, &mut |_| {})
    }

    /// Like [`BusinessCalendar::add_business_time`], and says what was counted: the
    /// stretches of whole weeks and the single open windows, in order, for explaining a
    /// due instant.
    pub fn explain_add(&self, start: Timestamp, seconds: i64) -> Result<(Timestamp, Vec<Counted>), CalendarError> {
        let mut counted = Vec::new();
        let due = self.add_counting(start, seconds, &mut |c| counted.push(c))?;
        Ok((due, counted))
    }

    fn add_counting(
        &self,
        start: Timestamp,
        seconds: i64,
        record: &mut dyn FnMut(Counted),
    ) -> Result<Timestamp, CalendarError> {
        if seconds < 0 {
            return Err(CalendarError::NegativeDuration);
        }
        if seconds > MAX_SECONDS || !in_range(start) {
            return Err(CalendarError::OutOfRange);
        }
        if seconds == 0 {
            return Ok(start);
        }
        let walk = Walk {
            calendar: self,
            week_micros: self.weekly.seconds_per_week() * MICROS,
        };
        if walk.week_micros == 0 {
            return Err(CalendarError::NeverOpen);
        }
        let mut remaining = seconds.saturating_mul(MICROS);
        let mut cursor = start.unix_micros();
        let mut date = self.local_date_of(start).plus_days(-1);
        let mut last_open = date;
        loop {
            if date.days() - last_open.days() > NEVER_OPEN_DAYS {
                return Err(CalendarError::NeverOpen);
            }
            if self.day_start_micros(date) >= cursor {
                let (weeks, micros) = walk.skip(date, remaining, i64::MAX);
                if weeks > 0 {
                    remaining -= micros;
                    let from = date;
                    date = date.plus_days(7 * weeks);
                    cursor = self.day_start_micros(date);
                    if micros > 0 {
                        last_open = date;
                    }
                    record(Counted::Weeks {
                        from,
                        weeks,
                        seconds: micros / MICROS,
                    });
                    continue;
                }
            }
            for (open, close) in self.open_micros(date) {
                let from = open.max(cursor);
                if from >= close {
                    continue;
                }
                last_open = date;
                let available = close - from;
                let used = available.min(remaining);
                record(Counted::Window {
                    from: Timestamp::from_unix_micros(from),
                    until: Timestamp::from_unix_micros(from + used),
                });
                if available >= remaining {
                    return Ok(Timestamp::from_unix_micros(from + remaining));
                }
                remaining -= available;
                cursor = close;
            }
            date = date.plus_days(1);
        }
    }

    /// The open time inside `[from, until)`, in whole seconds (rounded down); zero when
    /// `until <= from`.
    pub fn business_time_between(&self, from: Timestamp, until: Timestamp) -> i64 {
        // Instants outside the supported years are clamped, so no arithmetic overflows.
        let clamp = |t: Timestamp| t.unix_micros().clamp(FIRST_MICROS, LAST_MICROS);
        let (a, b) = (clamp(from), clamp(until));
        let (from, until) = (Timestamp::from_unix_micros(a), Timestamp::from_unix_micros(b));
        if b <= a {
            return 0;
        }
        let walk = Walk {
            calendar: self,
            week_micros: self.weekly.seconds_per_week() * MICROS,
        };
        let mut total = 0;
        let mut date = self.local_date_of(from).plus_days(-1);
        let last = self.local_date_of(until).plus_days(1);
        while date <= last {
            if self.day_start_micros(date) >= a {
                let (weeks, micros) = walk.skip(date, i64::MAX, (last.days() - date.days() - 2).max(0) / 7);
                if weeks > 0 {
                    total += micros;
                    date = date.plus_days(7 * weeks);
                    continue;
                }
            }
            for (open, close) in self.open_micros(date) {
                let (lo, hi) = (open.max(a), close.min(b));
                if lo < hi {
                    total += hi - lo;
                }
            }
            date = date.plus_days(1);
        }
        total / MICROS
    }

    /// The local date at `t` in the calendar's zone.
    pub fn local_date_of(&self, t: Timestamp) -> LocalDate {
        let s = t.unix_micros().div_euclid(MICROS);
        let wall = s + i64::from(self.zone.offset_at(s));
        LocalDate::from_days(wall.div_euclid(DAY))
    }

    /// The instant (micros) at which `date` begins, which is also when the day before ends.
    fn day_start_micros(&self, date: LocalDate) -> i64 {
        earliest_instant_at_or_after(self.zone.as_ref(), date.days() * DAY) * MICROS
    }

    /// The open intervals of `date` as instants (micros); none on a holiday.
    fn open_micros(&self, date: LocalDate) -> Vec<(i64, i64)> {
        if self.holidays.is_holiday(date) {
            return Vec::new();
        }
        let base = date.days() * DAY;
        self.weekly
            .on(date.weekday())
            .iter()
            .map(|iv| {
                let open = earliest_instant_at_or_after(self.zone.as_ref(), base + iv.start.seconds());
                let close = earliest_instant_at_or_after(self.zone.as_ref(), base + iv.end.seconds());
                (open * MICROS, close * MICROS)
            })
            .filter(|(open, close)| open < close)
            .collect()
    }
}

impl Walk<'_> {
    /// Whole weeks from `date` on that can be counted without looking at each day: at most
    /// `max_weeks`, none containing or near an offset change, and together less open time
    /// than `budget`. Holidays inside them are subtracted. Returns (weeks, open micros).
    fn skip(&self, date: LocalDate, budget: i64, max_weeks: i64) -> (i64, i64) {
        const HORIZON_WEEKS: i64 = 520;
        let c = self.calendar;
        let mut limit = max_weeks.min(HORIZON_WEEKS);
        if limit <= 0 || self.week_micros == 0 {
            return (0, 0);
        }
        // Offsets are constant from three days before the first day to three days after
        // the last, so every local time in between maps one to one.
        let from = date.days() * DAY - 3 * DAY;
        let until = date.plus_days(7 * limit).days() * DAY + 3 * DAY;
        if let Some(t) = c.zone.next_transition(from, until) {
            limit = limit.min(((t - from) / DAY - 6).max(0) / 7);
        }
        let (mut weeks, mut micros) = (0, 0);
        loop {
            let k = (limit - weeks).min((budget - micros - 1) / self.week_micros);
            if k <= 0 {
                return (weeks, micros);
            }
            let first = date.plus_days(7 * weeks);
            let closed = self.holiday_micros(first, first.plus_days(7 * k - 1));
            weeks += k;
            micros += k * self.week_micros - closed;
        }
    }

    /// The open time the holidays in `[from, until]` take away.
    fn holiday_micros(&self, from: LocalDate, until: LocalDate) -> i64 {
        let c = self.calendar;
        let mut total = 0;
        let mut next = from;
        while let Some(h) = c.holidays.next_holiday(next, until) {
            total += c
                .weekly
                .on(h.weekday())
                .iter()
                .map(|iv| (iv.end.seconds() - iv.start.seconds()) * MICROS)
                .sum::<i64>();
            next = h.plus_days(1);
        }
        total
    }
}
