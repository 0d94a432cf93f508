//! The calendar arithmetic's outside world: IANA time zones from the tz database that
//! chrono-tz compiles in ([`zone`]), and RFC 5545 recurrence rules for holidays, expanded
//! with the `rrule` crate ([`RuleHolidays`]).
#![forbid(unsafe_code)]

mod holidays;
mod zones;

pub use holidays::{HolidayRule, RuleError, RuleHolidays};
pub use zones::{TZDB_VERSION, UnknownZone, zone};
