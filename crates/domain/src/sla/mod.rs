//! Service levels: business calendars and the arithmetic of business time.
//!
//! Everything here is pure. Time zones come in through the [`TimeZone`] port (UTC and
//! fixed offsets are implemented here, IANA zones by an adapter) and rule-based holidays
//! through [`Holidays`].

mod calendar;
mod civil;
mod zone;

pub use calendar::{BusinessCalendar, CalendarError, HolidaySet, Holidays, OpenInterval, WeeklyHours};
pub use civil::{LocalDate, TimeOfDay, Weekday};
pub use zone::{FixedOffset, TimeZone, TransitionTable, Utc, earliest_instant_at_or_after};

#[cfg(test)]
mod tests;
