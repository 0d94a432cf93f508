//! What business calendars need from outside: time zones by IANA name and holiday rules.

use std::sync::Arc;

use domain::sla::{Holidays, LocalDate, TimeZone};

/// A holiday rule as configured: an RFC 5545 `RRULE` and its start date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayRuleSpec {
    /// Such as `FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO`.
    pub rrule: String,
    /// The rule's start date.
    pub dtstart: LocalDate,
}

/// Time zones and holiday rules (implemented with chrono-tz and rrule).
pub trait CalendarSupport: Send + Sync {
    /// The zone of this IANA name (`UTC` included), if known.
    fn zone(&self, name: &str) -> Option<Arc<dyn TimeZone>>;
    /// The version of the zone database, such as `2025b`.
    fn zone_database_version(&self) -> &str;
    /// Holidays from explicit dates and rules; a refused rule is reported with its
    /// position and the reason.
    fn holidays(&self, dates: Vec<LocalDate>, rules: &[HolidayRuleSpec]) -> Result<Arc<dyn Holidays>, (usize, String)>;
}
