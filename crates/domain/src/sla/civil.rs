//! Local civil dates and times of day, as business calendars write them.

use std::fmt;

use crate::time::{civil_from_days, days_from_civil};

/// A date on the local calendar of some time zone (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate {
    /// Days since 1970-01-01.
    days: i64,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// 0 for Monday ... 6 for Sunday.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The API name: `mon` ... `sun`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    /// Parses an API name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == raw)
    }
}

impl LocalDate {
    /// The date of a year, month (1-12) and day (1-31), if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self {
            days: days_from_civil(i64::from(year), i64::from(month), i64::from(day)),
        })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut parts = raw.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Self::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// The date `days` days after 1970-01-01.
    pub const fn from_days(days: i64) -> Self {
        Self { days }
    }

    /// Days since 1970-01-01.
    pub const fn days(self) -> i64 {
        self.days
    }

    /// The date `n` days later (earlier for negative `n`).
    pub const fn plus_days(self, n: i64) -> Self {
        Self { days: self.days + n }
    }

    /// Its day of the week.
    pub const fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday.
        Weekday::ALL[(self.days + 3).rem_euclid(7) as usize]
    }

    /// Year, month (1-12) and day (1-31).
    pub fn ymd(self) -> (i32, u32, u32) {
        let (y, m, d) = civil_from_days(self.days);
        (i32::try_from(y).unwrap_or(i32::MAX), m, d)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// A wall-clock time of day in whole minutes, `00:00` to `24:00` (the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    minutes: u32,
}

impl TimeOfDay {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: Self = Self { minutes: 0 };
    /// `24:00`, the end of the day.
    pub const END_OF_DAY: Self = Self { minutes: 24 * 60 };

    /// Parses `HH:MM` (`24:00` allowed).
    pub fn parse(raw: &str) -> Option<Self> {
        let (h, m) = raw.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        if m >= 60 || h > 24 || (h == 24 && m != 0) {
            return None;
        }
        Some(Self { minutes: h * 60 + m })
    }

    /// Minutes since midnight.
    pub const fn minutes(self) -> u32 {
        self.minutes
    }

    /// Seconds since midnight.
    pub const fn seconds(self) -> i64 {
        self.minutes as i64 * 60
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_print_and_know_their_weekday() {
        let d = LocalDate::parse("2026-11-27").expect("valid");
        assert_eq!(d.to_string(), "2026-11-27");
        assert_eq!(d.weekday(), Weekday::Fri);
        assert_eq!(LocalDate::parse("2028-02-29").map(|d| d.weekday()), Some(Weekday::Tue));
        assert_eq!(LocalDate::parse("2026-02-29"), None, "not a leap year");
        assert_eq!(LocalDate::parse("2026-13-01"), None);
        assert_eq!(LocalDate::parse("26-11-27"), None);
        assert_eq!(LocalDate::from_days(0).weekday(), Weekday::Thu);
        assert_eq!(LocalDate::from_days(-1).weekday(), Weekday::Wed);
    }

    #[test]
    fn times_of_day_allow_24_00_only_as_an_end() {
        assert_eq!(TimeOfDay::parse("09:30").map(TimeOfDay::minutes), Some(570));
        assert_eq!(TimeOfDay::parse("24:00"), Some(TimeOfDay::END_OF_DAY));
        for bad in ["24:01", "9:30", "09:60", "25:00", "0930", "aa:bb"] {
            assert_eq!(TimeOfDay::parse(bad), None, "{bad}");
        }
    }
}
