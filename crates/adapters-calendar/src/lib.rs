//! The calendar arithmetic's outside world: IANA time zones from the tz database that
//! chrono-tz compiles in ([`zone`]), and RFC 5545 recurrence rules for holidays, expanded
//! with the `rrule` crate ([`RuleHolidays`]).
#![forbid(unsafe_code)]

mod holidays;
mod zones;

pub use holidays::{HolidayRule, RuleError, RuleHolidays};
pub use zones::{TZDB_VERSION, UnknownZone, zone};

use std::sync::Arc;

use application::ports::{CalendarSupport, HolidayRuleSpec};
use domain::sla::{Holidays, LocalDate, TimeZone};

/// The application's [`CalendarSupport`] port: chrono-tz zones and rrule holidays.
#[derive(Debug, Clone, Copy, Default)]
pub struct IanaCalendars;

impl CalendarSupport for IanaCalendars {
    fn zone(&self, name: &str) -> Option<Arc<dyn TimeZone>> {
        zone(name).ok()
    }

    fn zone_database_version(&self) -> &str {
        TZDB_VERSION
    }

    fn holidays(&self, dates: Vec<LocalDate>, rules: &[HolidayRuleSpec]) -> Result<Arc<dyn Holidays>, (usize, String)> {
        let mut parsed = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            parsed.push(HolidayRule::parse(&r.rrule, r.dtstart).map_err(|e| (i, e.to_string()))?);
        }
        Ok(Arc::new(RuleHolidays::new(dates, parsed)))
    }
}
