//! Clocks and calendars of the fakes.

use std::sync::Arc;

use domain::Timestamp;

use super::Fake;
use crate::ports::Clock;

/// A clock that always says the same.
#[derive(Debug)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// The clock reads the fake's `now`.
impl Clock for Fake {
    fn now(&self) -> Timestamp {
        self.state().now
    }
}

/// Time zones: UTC only; holidays: explicit dates only (rules are refused).
pub struct UtcOnly;

impl crate::ports::CalendarSupport for UtcOnly {
    fn zone(&self, name: &str) -> Option<Arc<dyn domain::sla::TimeZone>> {
        (name == "UTC").then(|| Arc::new(domain::sla::Utc) as Arc<dyn domain::sla::TimeZone>)
    }

    fn zone_database_version(&self) -> &str {
        "test"
    }

    fn holidays(
        &self,
        dates: Vec<domain::sla::LocalDate>,
        rules: &[crate::ports::HolidayRuleSpec],
    ) -> Result<Arc<dyn domain::sla::Holidays>, (usize, String)> {
        match rules.first() {
            Some(_) => Err((0, "rules are not supported here".into())),
            None => Ok(Arc::new(domain::sla::HolidaySet::new(dates))),
        }
    }
}
