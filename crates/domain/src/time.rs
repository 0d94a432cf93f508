//! The domain's own UTC instant.

use std::fmt;

const MICROS_PER_SECOND: i64 = 1_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// An instant in UTC with microsecond resolution (what PostgreSQL and SQLite both keep).
///
/// Counted as microseconds since 1970-01-01T00:00:00Z. The domain never reads a clock:
/// callers pass "now" in, so tests control time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Self = Self(0);

    /// The instant `micros` microseconds after the Unix epoch (negative: before it).
    pub const fn from_unix_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// The instant `seconds` seconds after the Unix epoch.
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Self(seconds.saturating_mul(MICROS_PER_SECOND))
    }

    /// Microseconds since the Unix epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch, rounded towards the past.
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(MICROS_PER_SECOND)
    }

    /// This instant moved by `seconds` (negative: earlier), saturating at the ends of time.
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(MICROS_PER_SECOND)))
    }

    /// This instant moved by `micros` (negative: earlier), saturating at the ends of time.
    pub const fn plus_micros(self, micros: i64) -> Self {
        Self(self.0.saturating_add(micros))
    }

    /// The instant at midnight UTC starting the given proleptic Gregorian date, if the
    /// month and day exist.
    pub fn from_utc_date(year: i32, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
        Some(Self(days * SECONDS_PER_DAY * MICROS_PER_SECOND))
    }

    /// The UTC calendar date and time of day of this instant.
    pub fn to_utc_parts(self) -> UtcParts {
        let seconds = self.0.div_euclid(MICROS_PER_SECOND);
        let micros = self.0.rem_euclid(MICROS_PER_SECOND);
        let days = seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        UtcParts {
            year,
            month,
            day,
            hour: (second_of_day / 3600) as u32,
            minute: (second_of_day % 3600 / 60) as u32,
            second: (second_of_day % 60) as u32,
            micros: micros as u32,
        }
    }
}

/// The broken-down UTC reading of a [`Timestamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcParts {
    /// Proleptic Gregorian year.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, from 1.
    pub day: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Second, 0 to 59.
    pub second: u32,
    /// Microseconds within the second.
    pub micros: u32,
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with a fraction only when the instant has one: `2026-11-27T13:05:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.to_utc_parts();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            p.year, p.month, p.day, p.hour, p.minute, p.second
        )?;
        if p.micros != 0 {
            write!(f, ".{:06}", p.micros)?;
        }
        write!(f, "Z")
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_rfc3339_utc() {
        assert_eq!(Timestamp::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00Z");
        let t = Timestamp::from_utc_date(2024, 2, 29).map(|t| t.plus_seconds(13 * 3600 + 5 * 60 + 7));
        assert_eq!(t.map(|t| t.to_string()).as_deref(), Some("2024-02-29T13:05:07Z"));
        assert_eq!(
            Timestamp::from_unix_micros(1_500_000).to_string(),
            "1970-01-01T00:00:01.500000Z"
        );
        assert_eq!(
            Timestamp::from_unix_micros(-1).to_string(),
            "1969-12-31T23:59:59.999999Z"
        );
    }

    #[test]
    fn refuses_dates_that_do_not_exist() {
        assert!(Timestamp::from_utc_date(2023, 2, 29).is_none());
        assert!(Timestamp::from_utc_date(2024, 13, 1).is_none());
        assert!(Timestamp::from_utc_date(2024, 4, 31).is_none());
        assert!(Timestamp::from_utc_date(2000, 2, 29).is_some());
        assert!(Timestamp::from_utc_date(1900, 2, 29).is_none());
    }

    proptest! {
        #[test]
        fn civil_round_trip(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }

        #[test]
        fn parts_agree_with_seconds(micros in -10_000_000_000_000_000i64..10_000_000_000_000_000) {
            let t = Timestamp::from_unix_micros(micros);
            let p = t.to_utc_parts();
            let back = Timestamp::from_utc_date(p.year as i32, p.month, p.day)
                .map(|d| d.plus_seconds(i64::from(p.hour * 3600 + p.minute * 60 + p.second)).unix_micros() + i64::from(p.micros));
            prop_assert_eq!(back, Some(micros));
        }
    }
}
