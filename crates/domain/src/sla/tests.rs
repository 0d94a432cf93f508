//! Pins `SLA.md`'s calendar sentences, with zones built from the real DST rules of
//! Europe/Berlin and America/New_York (the adapter's IANA zones are tested there).

use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::time::Timestamp;

const MIN: i64 = 60;
const HOUR: i64 = 3600;

fn date(s: &str) -> LocalDate {
    LocalDate::parse(s).expect("valid date")
}

fn tod(s: &str) -> TimeOfDay {
    TimeOfDay::parse(s).expect("valid time")
}

/// A UTC instant from `YYYY-MM-DD HH:MM[:SS]`.
fn utc(s: &str) -> Timestamp {
    let (d, t) = s.split_once(' ').expect("date and time");
    let parts: Vec<i64> = t.split(':').map(|p| p.parse().expect("number")).collect();
    let secs = parts[0] * HOUR + parts[1] * MIN + parts.get(2).copied().unwrap_or(0);
    Timestamp::from_unix_seconds(date(d).days() * 86_400 + secs)
}

fn last_sunday(year: i32, month: u32) -> LocalDate {
    let next_month = if month == 12 {
        LocalDate::from_ymd(year + 1, 1, 1)
    } else {
        LocalDate::from_ymd(year, month + 1, 1)
    };
    let mut d = next_month.expect("date").plus_days(-1);
    while d.weekday() != Weekday::Sun {
        d = d.plus_days(-1);
    }
    d
}

fn nth_sunday(year: i32, month: u32, n: i64) -> LocalDate {
    let mut d = LocalDate::from_ymd(year, month, 1).expect("date");
    while d.weekday() != Weekday::Sun {
        d = d.plus_days(1);
    }
    d.plus_days(7 * (n - 1))
}

/// Europe/Berlin since 1996: CEST from the last Sunday of March 01:00Z to the last Sunday
/// of October 01:00Z.
fn berlin() -> Arc<dyn TimeZone> {
    let mut changes = Vec::new();
    for y in 2000..2060 {
        changes.push((last_sunday(y, 3).days() * 86_400 + HOUR, 2 * HOUR as i32));
        changes.push((last_sunday(y, 10).days() * 86_400 + HOUR, HOUR as i32));
    }
    Arc::new(TransitionTable::new("Europe/Berlin", HOUR as i32, changes))
}

/// America/New_York since 2007: EDT from the second Sunday of March 07:00Z to the first
/// Sunday of November 06:00Z.
fn new_york() -> Arc<dyn TimeZone> {
    let mut changes = Vec::new();
    for y in 2000..2060 {
        changes.push((nth_sunday(y, 3, 2).days() * 86_400 + 7 * HOUR, -4 * HOUR as i32));
        changes.push((nth_sunday(y, 11, 1).days() * 86_400 + 6 * HOUR, -5 * HOUR as i32));
    }
    Arc::new(TransitionTable::new("America/New_York", -5 * HOUR as i32, changes))
}

fn hours(spec: &[(Weekday, &[(&str, &str)])]) -> WeeklyHours {
    let mut days: [Vec<OpenInterval>; 7] = Default::default();
    for (day, intervals) in spec {
        days[day.index()] = intervals
            .iter()
            .map(|(s, e)| OpenInterval {
                start: tod(s),
                end: tod(e),
            })
            .collect();
    }
    WeeklyHours::new(days).expect("valid hours")
}

fn office(zone: Arc<dyn TimeZone>, holidays: &[&str]) -> BusinessCalendar {
    use Weekday::*;
    let nine_to_five: &[(&str, &str)] = &[("09:00", "17:00")];
    let week = hours(&[
        (Mon, nine_to_five),
        (Tue, nine_to_five),
        (Wed, nine_to_five),
        (Thu, nine_to_five),
        (Fri, nine_to_five),
    ]);
    BusinessCalendar::new(zone, week, Arc::new(HolidaySet::new(holidays.iter().map(|d| date(d)))))
}

fn every_day(zone: Arc<dyn TimeZone>, intervals: &[(&str, &str)]) -> BusinessCalendar {
    let spec: Vec<(Weekday, &[(&str, &str)])> = Weekday::ALL.iter().map(|d| (*d, intervals)).collect();
    BusinessCalendar::new(zone, hours(&spec), Arc::new(HolidaySet::default()))
}

fn add(c: &BusinessCalendar, start: Timestamp, seconds: i64) -> Timestamp {
    c.add_business_time(start, seconds).expect("computes")
}

#[test]
fn zero_returns_the_start_and_a_start_outside_hours_waits_for_the_opening() {
    let c = office(Arc::new(Utc), &[]);
    let saturday_night = utc("2026-11-28 23:00");
    assert_eq!(add(&c, saturday_night, 0), saturday_night);
    assert_eq!(add(&c, saturday_night, 30 * MIN), utc("2026-11-30 09:30"));
    assert_eq!(add(&c, utc("2026-11-30 07:00"), HOUR), utc("2026-11-30 10:00"));
}

#[test]
fn a_count_that_completes_at_an_interval_end_is_that_end() {
    let c = office(Arc::new(Utc), &[]);
    assert_eq!(add(&c, utc("2026-11-30 09:00"), 8 * HOUR), utc("2026-11-30 17:00"));
    assert_eq!(
        add(&c, utc("2026-11-30 09:00"), 8 * HOUR + 1),
        utc("2026-12-01 09:00:01")
    );
    // A whole week of business time from a Monday opening ends on Friday at 17:00.
    assert_eq!(add(&c, utc("2026-11-30 09:00"), 40 * HOUR), utc("2026-12-04 17:00"));
}

#[test]
fn seconds_in_the_start_are_kept_and_negative_durations_are_refused() {
    let c = office(Arc::new(Utc), &[]);
    assert_eq!(
        add(&c, utc("2026-11-30 09:00:30"), 60 * MIN),
        utc("2026-11-30 10:00:30")
    );
    assert_eq!(
        c.add_business_time(utc("2026-11-30 09:00"), -1),
        Err(CalendarError::NegativeDuration)
    );
}

#[test]
fn time_between_counts_open_time_in_a_half_open_range() {
    let c = office(Arc::new(Utc), &[]);
    let (a, b) = (utc("2026-11-27 16:00"), utc("2026-11-30 10:00"));
    assert_eq!(
        c.business_time_between(a, b),
        2 * HOUR,
        "Friday's last hour and Monday's first"
    );
    assert_eq!(c.business_time_between(b, a), 0);
    assert_eq!(c.business_time_between(a, a), 0);
}

#[test]
fn split_shifts_one_day_weeks_and_24x7() {
    use Weekday::*;
    let split = BusinessCalendar::new(
        Arc::new(Utc),
        hours(&[(Mon, &[("08:00", "12:00"), ("13:00", "17:00")])]),
        Arc::new(HolidaySet::default()),
    );
    // Monday only: 8 hours a week, lunch excluded.
    assert_eq!(add(&split, utc("2026-11-30 11:00"), 2 * HOUR), utc("2026-11-30 14:00"));
    assert_eq!(add(&split, utc("2026-11-30 17:00"), 9 * HOUR), utc("2026-12-14 09:00"));
    let always = BusinessCalendar::always_open();
    assert_eq!(
        add(&always, utc("2026-11-27 10:00"), 7 * 24 * HOUR),
        utc("2026-12-04 10:00")
    );
    assert_eq!(
        always.business_time_between(utc("2028-02-28 00:00"), utc("2028-03-01 00:00")),
        48 * HOUR,
        "leap day"
    );
}

#[test]
fn holidays_are_local_dates_and_close_only_their_own_intervals() {
    // Berlin's 25 December starts at 24 December 23:00Z.
    let c = every_day(berlin(), &[("00:00", "24:00")]);
    let c = BusinessCalendar::new(
        berlin(),
        c.weekly().clone(),
        Arc::new(HolidaySet::new([date("2026-12-25")])),
    );
    assert_eq!(add(&c, utc("2026-12-24 22:00"), HOUR), utc("2026-12-24 23:00"));
    assert_eq!(add(&c, utc("2026-12-24 22:30"), HOUR), utc("2026-12-25 23:30"));
    // A Friday 18:00-24:00 shift stays open when Saturday is a holiday.
    use Weekday::*;
    let late = BusinessCalendar::new(
        Arc::new(Utc),
        hours(&[(Fri, &[("18:00", "24:00")]), (Sat, &[("00:00", "06:00")])]),
        Arc::new(HolidaySet::new([date("2026-11-28")])),
    );
    assert_eq!(add(&late, utc("2026-11-27 18:00"), 6 * HOUR), utc("2026-11-28 00:00"));
    assert_eq!(add(&late, utc("2026-11-27 18:00"), 7 * HOUR), utc("2026-12-04 19:00"));
}

#[test]
fn long_holiday_runs_are_crossed() {
    let days: Vec<String> = (0..60).map(|i| date("2026-12-01").plus_days(i).to_string()).collect();
    let refs: Vec<&str> = days.iter().map(String::as_str).collect();
    let c = office(Arc::new(Utc), &refs);
    // Closed all of December and January: the next opening is Monday 2 February 2027... no,
    // 30 January is a Saturday, so Monday 1 February.
    assert_eq!(add(&c, utc("2026-11-30 16:00"), 2 * HOUR), utc("2027-02-01 10:00"));
}

#[test]
fn wall_clock_gaps_and_folds_follow_real_time() {
    // Berlin 2026-03-29 02:30 does not exist: it counts from 01:00Z (03:00 CEST).
    let c = every_day(berlin(), &[("02:30", "04:00")]);
    let day = utc("2026-03-29 00:00");
    assert_eq!(add(&c, day, 60), utc("2026-03-29 01:01"));
    assert_eq!(
        c.business_time_between(day, utc("2026-03-30 00:00")),
        HOUR,
        "03:00-04:00 CEST"
    );
    // An interval whose ends both fall in the gap is empty.
    let gap = every_day(berlin(), &[("02:10", "02:50")]);
    assert_eq!(gap.business_time_between(day, utc("2026-03-30 00:00")), 0);
    // New York fall-back: 01:30-02:30 lasts 120 real minutes.
    let ny = every_day(new_york(), &[("01:30", "02:30")]);
    assert_eq!(
        ny.business_time_between(utc("2026-11-01 04:00"), utc("2026-11-02 04:00")),
        120 * MIN
    );
}

#[test]
fn a_24x7_day_lasts_what_the_clock_says() {
    let ny = every_day(new_york(), &[("00:00", "24:00")]);
    let spring = ny.business_time_between(utc("2026-03-08 05:00"), utc("2026-03-09 04:00"));
    let fall = ny.business_time_between(utc("2026-11-01 04:00"), utc("2026-11-02 05:00"));
    assert_eq!((spring, fall), (1380 * MIN, 1500 * MIN));
    // And a day's end is the next day's start in a zone whose clocks change at midnight.
    let midnight = TransitionTable::new(
        "Midnight/Change",
        0,
        vec![(utc("2026-06-01 00:00").unix_seconds(), 3600)],
    );
    let zone: Arc<dyn TimeZone> = Arc::new(midnight);
    let c = every_day(zone.clone(), &[("00:00", "24:00")]);
    assert_eq!(
        c.business_time_between(utc("2026-05-31 00:00"), utc("2026-06-02 00:00")),
        48 * HOUR,
        "no gap and no overlap between the days"
    );
    // Monday 1 June starts at the transition (its 00:00 is skipped) and ends at the
    // next day's start, 23:00Z: 23 hours.
    let monday = BusinessCalendar::new(
        zone,
        hours(&[(Weekday::Mon, &[("00:00", "24:00")])]),
        Arc::new(HolidaySet::default()),
    );
    assert_eq!(
        monday.business_time_between(utc("2026-05-30 00:00"), utc("2026-06-03 00:00")),
        23 * HOUR
    );
}

#[test]
fn a_thirty_minute_offset_zone() {
    let kolkata: Arc<dyn TimeZone> = Arc::new(FixedOffset::new(5 * 3600 + 1800).expect("valid"));
    let c = office(kolkata, &[]);
    // 09:00 IST is 03:30Z.
    assert_eq!(add(&c, utc("2026-11-30 00:00"), 30 * MIN), utc("2026-11-30 04:00"));
}

#[test]
fn a_calendar_never_open_fails_instead_of_looping() {
    let closed = BusinessCalendar::new(Arc::new(Utc), WeeklyHours::default(), Arc::new(HolidaySet::default()));
    assert_eq!(
        closed.add_business_time(utc("2026-11-30 09:00"), 60),
        Err(CalendarError::NeverOpen)
    );
    let all: Vec<LocalDate> = (0..4000).map(|i| date("2026-01-01").plus_days(i)).collect();
    let holidays = BusinessCalendar::new(Arc::new(Utc), WeeklyHours::always(), Arc::new(HolidaySet::new(all)));
    assert_eq!(
        holidays.add_business_time(utc("2026-01-01 00:00"), 60),
        Err(CalendarError::NeverOpen)
    );
}

#[test]
fn invalid_hours_are_refused() {
    let mut days: [Vec<OpenInterval>; 7] = Default::default();
    days[0] = vec![OpenInterval {
        start: tod("17:00"),
        end: tod("09:00"),
    }];
    assert!(WeeklyHours::new(days.clone()).is_err());
    days[0] = vec![
        OpenInterval {
            start: tod("09:00"),
            end: tod("13:00"),
        },
        OpenInterval {
            start: tod("12:00"),
            end: tod("17:00"),
        },
    ];
    assert!(WeeklyHours::new(days).is_err());
}

#[test]
fn a_year_of_business_time_matches_the_day_by_day_sum() {
    // Week skipping must agree with counting each day: compare against open time
    // measured in slices shorter than a week.
    let c = office(berlin(), &["2026-12-25", "2027-01-01", "2027-04-02", "2027-05-01"]);
    let start = utc("2026-11-27 10:17:05");
    let due = add(&c, start, 2000 * HOUR);
    let mut t = start;
    let mut sum = 0;
    while t < due {
        let next = Timestamp::from_unix_seconds((t.unix_seconds() + 5 * 86_400).min(due.unix_seconds()));
        sum += c.business_time_between(t, next);
        t = next;
    }
    assert_eq!(sum, 2000 * HOUR);
    assert_eq!(c.business_time_between(start, due), 2000 * HOUR);
}

fn calendars() -> impl Strategy<Value = BusinessCalendar> {
    prop_oneof![
        Just(office(berlin(), &["2026-12-25", "2026-12-26", "2027-01-01"])),
        Just(office(new_york(), &["2026-11-26", "2027-05-31"])),
        Just(every_day(new_york(), &[("01:30", "02:30"), ("22:00", "24:00")])),
        Just(every_day(berlin(), &[("00:00", "24:00")])),
        Just(BusinessCalendar::new(
            berlin(),
            hours(&[(Weekday::Wed, &[("08:00", "12:00"), ("13:00", "17:30")])]),
            Arc::new(HolidaySet::new([date("2027-03-31")])),
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn time_between_undoes_adding(
        c in calendars(),
        start in 1_767_225_600i64..1_830_297_600,
        d in 0i64..2_000 * 3600,
    ) {
        let s = Timestamp::from_unix_seconds(start);
        let due = c.add_business_time(s, d).expect("computes");
        prop_assert!(due >= s);
        prop_assert_eq!(c.business_time_between(s, due), d);
    }

    #[test]
    fn adding_is_monotonic_and_additive(
        c in calendars(),
        start in 1_767_225_600i64..1_830_297_600,
        d1 in 0i64..500 * 3600,
        d2 in 0i64..500 * 3600,
    ) {
        let s = Timestamp::from_unix_seconds(start);
        let a = c.add_business_time(s, d1).expect("computes");
        let b = c.add_business_time(s, d1 + d2).expect("computes");
        prop_assert!(a <= b);
        prop_assert_eq!(c.add_business_time(a, d2).expect("computes"), b);
    }

    #[test]
    fn a_start_in_a_closed_period_counts_from_the_next_opening(
        c in calendars(),
        start in 1_767_225_600i64..1_830_297_600,
        d in 1i64..200 * 3600,
    ) {
        let s = Timestamp::from_unix_seconds(start);
        // The next opening: where one second of business time begins.
        let first = c.add_business_time(s, 1).expect("computes");
        let opening = first.plus_seconds(-1);
        prop_assert_eq!(c.business_time_between(s, opening), 0);
        prop_assert_eq!(
            c.add_business_time(s, d).expect("computes"),
            c.add_business_time(opening, d).expect("computes")
        );
    }
}

#[test]
fn an_explanation_lists_whole_weeks_and_windows_in_order() {
    let c = office(Arc::new(Utc), &["2026-12-25"]);
    // Friday 16:00 + 90 h: Friday's last hour, then whole weeks, then the rest.
    let start = utc("2026-11-27 16:00");
    let (due, counted) = c.explain_add(start, 90 * HOUR).expect("computes");
    assert_eq!(due, add(&c, start, 90 * HOUR));
    assert_eq!(
        counted[0],
        Counted::Window {
            from: utc("2026-11-27 16:00"),
            until: utc("2026-11-27 17:00")
        }
    );
    let total: i64 = counted
        .iter()
        .map(|c| match c {
            Counted::Weeks { seconds, .. } => *seconds,
            Counted::Window { from, until } => until.unix_seconds() - from.unix_seconds(),
        })
        .sum();
    assert_eq!(total, 90 * HOUR);
    assert!(
        counted.iter().any(|c| matches!(c, Counted::Weeks { weeks: 2, .. })),
        "{counted:?}"
    );
    assert!(matches!(counted.last(), Some(Counted::Window { until, .. }) if *until == due));
}

#[test]
fn huge_inputs_are_refused_or_clamped_never_overflow() {
    let c = BusinessCalendar::always_open();
    assert_eq!(
        c.add_business_time(utc("2026-01-01 00:00"), i64::MAX),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(
        c.add_business_time(Timestamp::from_unix_micros(i64::MAX), 60),
        Err(CalendarError::OutOfRange)
    );
    let long = c.business_time_between(utc("2399-12-30 00:00"), Timestamp::from_unix_micros(i64::MAX));
    assert_eq!(long, 2 * 86_400, "clamped at 2400-01-01");
    assert_eq!(
        c.business_time_between(Timestamp::from_unix_micros(i64::MIN), utc("1900-01-01 01:00")),
        HOUR
    );
}
