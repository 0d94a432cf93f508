//! Service levels: business calendars and the arithmetic of business time, and the
//! targets whose clocks run on them.
//!
//! Everything here is pure. Time zones come in through the [`TimeZone`] port (UTC and
//! fixed offsets are implemented here, IANA zones by an adapter) and rule-based holidays
//! through [`Holidays`].

mod calendar;
mod civil;
mod clock;
mod policy;
mod target;
mod zone;

pub use calendar::{BusinessCalendar, CalendarError, Counted, HolidaySet, Holidays, OpenInterval, WeeklyHours};
pub use civil::{LocalDate, TimeOfDay, Weekday};
pub use clock::{PolicyTerms, TargetCrossing, TicketFacts, TicketSla};
pub use policy::{DEFAULT_WARNING_PERCENT, SlaPolicy, select_policy};
pub use target::{Crossing, SlaTarget, TargetKind, TargetStatus};
pub use zone::{FixedOffset, TimeZone, TransitionTable, Utc, earliest_instant_at_or_after};

#[cfg(test)]
mod target_tests;
#[cfg(test)]
mod tests;
