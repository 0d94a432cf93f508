//! SLA.md's calendar sentences again, on the real IANA zones and RRULE holidays.

use std::sync::Arc;

use adapters_calendar::{HolidayRule, RuleHolidays, zone};
use domain::Timestamp;
use domain::sla::{BusinessCalendar, HolidaySet, LocalDate, OpenInterval, TimeOfDay, WeeklyHours};

fn date(s: &str) -> LocalDate {
    LocalDate::parse(s).expect("date")
}

fn at(d: &str, h: i64, m: i64) -> Timestamp {
    Timestamp::from_unix_seconds(date(d).days() * 86_400 + h * 3600 + m * 60)
}

fn hours(days: &[usize], from: &str, to: &str) -> WeeklyHours {
    let iv = OpenInterval {
        start: TimeOfDay::parse(from).expect("time"),
        end: TimeOfDay::parse(to).expect("time"),
    };
    let mut week: [Vec<OpenInterval>; 7] = Default::default();
    for d in days {
        week[*d] = vec![iv];
    }
    WeeklyHours::new(week).expect("valid")
}

fn calendar(name: &str, weekly: WeeklyHours, holidays: RuleHolidays) -> BusinessCalendar {
    BusinessCalendar::new(zone(name).expect("known zone"), weekly, Arc::new(holidays))
}

#[test]
fn new_york_days_last_1380_and_1500_minutes_around_the_changes() {
    let c = calendar("America/New_York", WeeklyHours::always(), RuleHolidays::new([], vec![]));
    assert_eq!(
        c.business_time_between(at("2026-03-08", 5, 0), at("2026-03-09", 4, 0)),
        1380 * 60
    );
    assert_eq!(
        c.business_time_between(at("2026-11-01", 4, 0), at("2026-11-02", 5, 0)),
        1500 * 60
    );
    let fold = calendar(
        "America/New_York",
        hours(&[6], "01:30", "02:30"),
        RuleHolidays::new([], vec![]),
    );
    assert_eq!(
        fold.business_time_between(at("2026-11-01", 4, 0), at("2026-11-02", 4, 0)),
        120 * 60
    );
}

#[test]
fn berlin_gap_and_christmas_in_local_time() {
    let gap = calendar(
        "Europe/Berlin",
        hours(&[6], "02:30", "04:00"),
        RuleHolidays::new([], vec![]),
    );
    assert_eq!(
        gap.add_business_time(at("2026-03-29", 0, 0), 60).ok(),
        Some(at("2026-03-29", 1, 1))
    );
    let xmas = RuleHolidays::new(
        [],
        vec![HolidayRule::parse("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25", date("2020-01-01")).expect("rule")],
    );
    let c = calendar("Europe/Berlin", WeeklyHours::always(), xmas);
    // 25 December (Berlin) starts at 24 December 23:00Z.
    assert_eq!(
        c.add_business_time(at("2026-12-24", 22, 30), 3600).ok(),
        Some(at("2026-12-25", 23, 30))
    );
}

#[test]
fn kolkata_office_opens_at_03_30_utc() {
    let c = calendar(
        "Asia/Kolkata",
        hours(&[0, 1, 2, 3, 4], "09:00", "17:00"),
        RuleHolidays::new([], vec![]),
    );
    assert_eq!(
        c.add_business_time(at("2026-11-30", 0, 0), 1800).ok(),
        Some(at("2026-11-30", 4, 0))
    );
}

#[test]
fn a_us_office_closes_on_memorial_day() {
    let memorial = HolidayRule::parse("FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO", date("2020-01-01")).expect("rule");
    let c = calendar(
        "America/New_York",
        hours(&[0, 1, 2, 3, 4], "09:00", "17:00"),
        RuleHolidays::new([], vec![memorial]),
    );
    // Friday 22 May 2026 16:00 EDT (20:00Z) + 2 h: Memorial Day (25 May) is skipped.
    assert_eq!(
        c.add_business_time(at("2026-05-22", 20, 0), 7200).ok(),
        Some(at("2026-05-26", 14, 0))
    );
    // The same with the date listed explicitly instead of by rule.
    let explicit = BusinessCalendar::new(
        zone("America/New_York").expect("known"),
        hours(&[0, 1, 2, 3, 4], "09:00", "17:00"),
        Arc::new(HolidaySet::new([date("2026-05-25")])),
    );
    assert_eq!(
        explicit.add_business_time(at("2026-05-22", 20, 0), 7200).ok(),
        Some(at("2026-05-26", 14, 0))
    );
}
