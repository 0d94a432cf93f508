//! Holidays from explicit dates and RFC 5545 recurrence rules.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{Datelike, TimeZone as _};
use domain::sla::{Holidays, LocalDate};
use rrule::RRuleSet;

/// The most dates one rule may produce in one year.
const MAX_PER_YEAR: u16 = 366;

/// Why a holiday rule is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError(pub String);

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid holiday rule: {}", self.0)
    }
}

impl std::error::Error for RuleError {}

/// A recurrence rule generating holiday dates, such as
/// `FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO` (the last Monday of May) from a start date.
#[derive(Debug, Clone)]
pub struct HolidayRule {
    rrule: String,
    dtstart: LocalDate,
    set: RRuleSet,
}

impl HolidayRule {
    /// Parses and checks a rule. `UNTIL` may be a date (`UNTIL=20301231`), which is
    /// inclusive; the start date is a holiday only if it matches the rule; `COUNT` counts
    /// matching dates.
    pub fn parse(rrule: &str, dtstart: LocalDate) -> Result<Self, RuleError> {
        let rrule = rrule.trim().trim_start_matches("RRULE:").to_owned();
        if rrule.contains(['\n', '\r']) {
            return Err(RuleError("one RRULE line only".into()));
        }
        let normalized = rrule
            .split(';')
            .map(|part| match part.split_once('=') {
                Some(("UNTIL", v)) if v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("UNTIL={v}T235959Z")
                }
                _ => part.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(";");
        let (y, m, d) = dtstart.ymd();
        let text = format!("DTSTART:{y:04}{m:02}{d:02}T000000Z\nRRULE:{normalized}");
        let set: RRuleSet = text.parse().map_err(|e: rrule::RRuleError| RuleError(e.to_string()))?;
        Ok(Self { rrule, dtstart, set })
    }

    /// The rule as given.
    pub fn rrule(&self) -> &str {
        &self.rrule
    }

    /// Its start date.
    pub fn dtstart(&self) -> LocalDate {
        self.dtstart
    }

    /// The dates it generates in `year`.
    fn dates_in(&self, year: i32) -> Vec<LocalDate> {
        let utc = rrule::Tz::UTC;
        let (Some(from), Some(until)) = (
            utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single(),
            utc.with_ymd_and_hms(year, 12, 31, 23, 59, 59).single(),
        ) else {
            return Vec::new();
        };
        self.set
            .clone()
            .after(from)
            .before(until)
            .all(MAX_PER_YEAR)
            .dates
            .into_iter()
            .filter_map(|t| LocalDate::from_ymd(t.year(), t.month(), t.day()))
            .collect()
    }
}

/// A calendar's holidays: explicit dates plus the dates of its rules, expanded one year at
/// a time as computations reach it, and kept.
#[derive(Debug)]
pub struct RuleHolidays {
    dates: BTreeSet<LocalDate>,
    rules: Vec<HolidayRule>,
    years: Mutex<HashMap<i32, Arc<Vec<LocalDate>>>>,
}

impl RuleHolidays {
    /// The holidays of these dates and rules.
    pub fn new(dates: impl IntoIterator<Item = LocalDate>, rules: Vec<HolidayRule>) -> Self {
        Self {
            dates: dates.into_iter().collect(),
            rules,
            years: Mutex::new(HashMap::new()),
        }
    }

    fn year(&self, year: i32) -> Arc<Vec<LocalDate>> {
        if self.rules.is_empty() {
            return Arc::new(Vec::new());
        }
        if let Some(found) = self.years.lock().ok().and_then(|y| y.get(&year).cloned()) {
            return found;
        }
        let mut dates: Vec<LocalDate> = self.rules.iter().flat_map(|r| r.dates_in(year)).collect();
        dates.sort();
        dates.dedup();
        let dates = Arc::new(dates);
        if let Ok(mut y) = self.years.lock() {
            y.insert(year, dates.clone());
        }
        dates
    }
}

impl Holidays for RuleHolidays {
    fn is_holiday(&self, date: LocalDate) -> bool {
        self.dates.contains(&date) || self.year(date.ymd().0).binary_search(&date).is_ok()
    }

    fn next_holiday(&self, from: LocalDate, until: LocalDate) -> Option<LocalDate> {
        if from > until {
            return None;
        }
        let explicit = self.dates.range(from..=until).next().copied();
        let ruled = (from.ymd().0..=until.ymd().0).find_map(|y| {
            let dates = self.year(y);
            dates.iter().copied().find(|d| *d >= from && *d <= until)
        });
        match (explicit, ruled) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> LocalDate {
        LocalDate::parse(s).expect("date")
    }

    fn rule(r: &str, start: &str) -> HolidayRule {
        HolidayRule::parse(r, date(start)).expect("valid rule")
    }

    #[test]
    fn memorial_day_is_the_last_monday_of_may() {
        let h = RuleHolidays::new([], vec![rule("FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO", "2020-01-01")]);
        for d in ["2026-05-25", "2027-05-31", "2028-05-29"] {
            assert!(h.is_holiday(date(d)), "{d}");
        }
        assert!(!h.is_holiday(date("2026-05-18")));
        assert!(!h.is_holiday(date("2020-01-01")), "the start date only if it matches");
        assert_eq!(
            h.next_holiday(date("2026-06-01"), date("2027-12-31")),
            Some(date("2027-05-31"))
        );
        assert_eq!(h.next_holiday(date("2026-06-01"), date("2027-05-30")), None);
    }

    #[test]
    fn count_counts_matching_dates_and_until_is_an_inclusive_date() {
        let counted = RuleHolidays::new(
            [],
            vec![rule("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25;COUNT=3", "2020-06-01")],
        );
        assert!(counted.is_holiday(date("2022-12-25")));
        assert!(!counted.is_holiday(date("2023-12-25")));
        let until = RuleHolidays::new(
            [],
            vec![rule(
                "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25;UNTIL=20221225",
                "2020-01-01",
            )],
        );
        assert!(until.is_holiday(date("2022-12-25")), "UNTIL is inclusive");
        assert!(!until.is_holiday(date("2023-12-25")));
    }

    #[test]
    fn explicit_dates_and_rules_combine_and_bad_rules_are_refused() {
        let h = RuleHolidays::new(
            [date("2026-12-24")],
            vec![rule("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25,26", "2020-01-01")],
        );
        assert_eq!(
            h.next_holiday(date("2026-12-01"), date("2026-12-31")),
            Some(date("2026-12-24"))
        );
        assert_eq!(
            h.next_holiday(date("2026-12-25"), date("2026-12-31")),
            Some(date("2026-12-25"))
        );
        assert!(HolidayRule::parse("FREQ=SOMETIMES", date("2020-01-01")).is_err());
        assert!(HolidayRule::parse("FREQ=YEARLY\nRRULE:FREQ=DAILY", date("2020-01-01")).is_err());
    }
}
