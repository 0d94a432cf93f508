//! Periods across DST changes, and properties of the report arithmetic.

use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::sla::{
    BusinessCalendar, FixedOffset, HolidaySet, LocalDate, OpenInterval, TimeOfDay, TimeZone, TransitionTable, Utc,
    WeeklyHours,
};
use crate::time::Timestamp;

const HOUR: i64 = 3600;

fn date(s: &str) -> LocalDate {
    LocalDate::parse(s).expect("date")
}

/// `YYYY-MM-DD HH:MM` in UTC.
fn utc(s: &str) -> Timestamp {
    let (d, t) = s.split_once(' ').expect("date and time");
    let (h, m) = t.split_once(':').expect("HH:MM");
    let secs = h.parse::<i64>().expect("hour") * HOUR + m.parse::<i64>().expect("minute") * 60;
    Timestamp::from_unix_seconds(date(d).days() * 86_400 + secs)
}

/// Berlin in 2026: CET (+1) until 29 March 01:00Z, CEST (+2) until 25 October 01:00Z.
fn berlin() -> Arc<dyn TimeZone> {
    Arc::new(TransitionTable::new(
        "Europe/Berlin",
        3600,
        vec![
            (utc("2026-03-29 01:00").unix_seconds(), 7200),
            (utc("2026-10-25 01:00").unix_seconds(), 3600),
        ],
    ))
}

fn period(from: &str, to: &str, zone: Arc<dyn TimeZone>) -> Period {
    Period::new(date(from), date(to), zone).expect("valid period")
}

fn bounds(p: &Period) -> Vec<(String, Timestamp, Timestamp, i64)> {
    p.days()
        .map(|d| (d.date.to_string(), d.start, d.end, d.seconds() / HOUR))
        .collect()
}

#[test]
fn a_spring_forward_day_is_23_hours_long() {
    let p = period("2026-03-28", "2026-03-30", berlin());
    assert_eq!(
        bounds(&p),
        [
            (
                "2026-03-28".into(),
                utc("2026-03-27 23:00"),
                utc("2026-03-28 23:00"),
                24
            ),
            (
                "2026-03-29".into(),
                utc("2026-03-28 23:00"),
                utc("2026-03-29 22:00"),
                23
            ),
            (
                "2026-03-30".into(),
                utc("2026-03-29 22:00"),
                utc("2026-03-30 22:00"),
                24
            ),
        ]
    );
    assert_eq!((p.start(), p.end()), (utc("2026-03-27 23:00"), utc("2026-03-30 22:00")));
    // 23:59 CEST on the 29th is still the 29th; 00:00 CEST is the 30th.
    let z = berlin();
    assert_eq!(local_day_of(utc("2026-03-29 21:59"), z.as_ref()), date("2026-03-29"));
    assert_eq!(local_day_of(utc("2026-03-29 22:00"), z.as_ref()), date("2026-03-30"));
    assert_eq!(local_day_of(utc("2026-03-28 22:59"), z.as_ref()), date("2026-03-28"));
    assert_eq!(p.day_index(utc("2026-03-29 01:30")), Some(1));
    assert_eq!(p.day_index(utc("2026-03-30 22:00")), None, "the end is exclusive");
    assert_eq!(p.day_index(utc("2026-03-27 22:59")), None);
    assert!(p.contains(utc("2026-03-27 23:00")));
}

#[test]
fn a_fall_back_day_is_25_hours_long() {
    let p = period("2026-10-24", "2026-10-26", berlin());
    assert_eq!(
        bounds(&p),
        [
            (
                "2026-10-24".into(),
                utc("2026-10-23 22:00"),
                utc("2026-10-24 22:00"),
                24
            ),
            (
                "2026-10-25".into(),
                utc("2026-10-24 22:00"),
                utc("2026-10-25 23:00"),
                25
            ),
            (
                "2026-10-26".into(),
                utc("2026-10-25 23:00"),
                utc("2026-10-26 23:00"),
                24
            ),
        ]
    );
    let z = berlin();
    // Both 02:30s of the fold (00:30Z in CEST, 01:30Z in CET) are the 25th.
    assert_eq!(local_day_of(utc("2026-10-25 00:30"), z.as_ref()), date("2026-10-25"));
    assert_eq!(local_day_of(utc("2026-10-25 01:30"), z.as_ref()), date("2026-10-25"));
    assert_eq!(local_day_of(utc("2026-10-25 22:59"), z.as_ref()), date("2026-10-25"));
    assert_eq!(local_day_of(utc("2026-10-25 23:00"), z.as_ref()), date("2026-10-26"));
}

#[test]
fn a_period_holding_both_changes_has_as_many_hours_as_days() {
    let p = period("2026-03-01", "2026-10-31", berlin());
    assert_eq!(p.day_count(), 245);
    let lengths: Vec<i64> = p.days().map(|d| d.seconds() / HOUR).collect();
    assert_eq!(lengths.iter().filter(|h| **h == 23).count(), 1);
    assert_eq!(lengths.iter().filter(|h| **h == 25).count(), 1);
    assert_eq!(lengths.iter().filter(|h| **h == 24).count(), 243);
    assert_eq!(p.end().unix_seconds() - p.start().unix_seconds(), 245 * 24 * HOUR);
}

#[test]
fn days_in_utc_and_fixed_offsets_are_24_hours() {
    let p = period("2026-12-31", "2027-01-01", Arc::new(Utc));
    assert_eq!(
        bounds(&p),
        [
            (
                "2026-12-31".into(),
                utc("2026-12-31 00:00"),
                utc("2027-01-01 00:00"),
                24
            ),
            (
                "2027-01-01".into(),
                utc("2027-01-01 00:00"),
                utc("2027-01-02 00:00"),
                24
            ),
        ]
    );
    let kolkata: Arc<dyn TimeZone> = Arc::new(FixedOffset::new(5 * 3600 + 1800).expect("offset"));
    let p = period("2026-06-01", "2026-06-01", kolkata.clone());
    assert_eq!((p.start(), p.end()), (utc("2026-05-31 18:30"), utc("2026-06-01 18:30")));
    assert_eq!(
        local_day_of(utc("2026-05-31 18:29"), kolkata.as_ref()),
        date("2026-05-31")
    );
    assert_eq!(
        local_day_of(utc("2026-05-31 18:30"), kolkata.as_ref()),
        date("2026-06-01")
    );
}

#[test]
fn local_day_of_follows_the_day_bounds_when_clocks_go_back_across_midnight() {
    // -03:00 until 03:30Z on 5 April (00:30 local), then -04:00: the reading passes
    // midnight, then goes back to 23:30 on the 4th. The 5th starts at its first midnight.
    let zone: Arc<dyn TimeZone> = Arc::new(TransitionTable::new(
        "Back/Across",
        -3 * 3600,
        vec![(utc("2026-04-05 03:30").unix_seconds(), -4 * 3600)],
    ));
    let p = period("2026-04-04", "2026-04-05", zone.clone());
    assert_eq!(
        bounds(&p),
        [
            (
                "2026-04-04".into(),
                utc("2026-04-04 03:00"),
                utc("2026-04-05 03:00"),
                24
            ),
            (
                "2026-04-05".into(),
                utc("2026-04-05 03:00"),
                utc("2026-04-06 04:00"),
                25
            ),
        ]
    );
    // 03:45Z reads 23:45 on the 4th, but falls after the 5th started: it is the 5th.
    assert_eq!(local_day_of(utc("2026-04-05 03:45"), zone.as_ref()), date("2026-04-05"));
    assert_eq!(local_day_of(utc("2026-04-05 02:59"), zone.as_ref()), date("2026-04-04"));
}

#[test]
fn periods_are_validated() {
    let zone: Arc<dyn TimeZone> = Arc::new(Utc);
    let p = |from: &str, to: &str| Period::new(date(from), date(to), zone.clone()).map(|p| p.day_count());
    assert_eq!(p("2026-01-01", "2026-01-01"), Ok(1));
    assert_eq!(p("2028-01-01", "2028-12-31"), Ok(366), "a leap year fits");
    assert_eq!(
        p("2026-01-01", "2027-01-02"),
        Err(ReportError::PeriodTooLong { days: 367, max: 366 })
    );
    let reversed = p("2026-02-02", "2026-02-01").expect_err("reversed");
    assert_eq!(
        reversed.to_string(),
        "from (2026-02-02) must not be after to (2026-02-01)"
    );
    assert_eq!(reversed.field(), "to");
    assert_eq!(
        p("1899-12-31", "1900-01-01"),
        Err(ReportError::DateOutOfRange {
            field: "from",
            date: date("1899-12-31")
        })
    );
    assert_eq!(p("2400-12-31", "2401-01-01").map_err(|e| e.field()), Err("to"));
    assert_eq!(
        p("2026-01-01", "2027-01-02").map_err(|e| e.to_string()),
        Err("a report covers at most 366 days, not 367".into())
    );
}

/// 09:00 to 17:00 Monday to Friday, in Berlin.
fn berlin_office() -> BusinessCalendar {
    let nine_to_five = || {
        vec![OpenInterval {
            start: TimeOfDay::parse("09:00").expect("time"),
            end: TimeOfDay::parse("17:00").expect("time"),
        }]
    };
    let week = [
        nine_to_five(),
        nine_to_five(),
        nine_to_five(),
        nine_to_five(),
        nine_to_five(),
        vec![],
        vec![],
    ];
    BusinessCalendar::new(
        berlin(),
        WeeklyHours::new(week).expect("valid hours"),
        Arc::new(HolidaySet::default()),
    )
}

#[test]
fn business_and_wall_clock_medians_across_the_spring_change() {
    let c = berlin_office();
    // (created, first response), in UTC; local times in the comments.
    let tickets = [
        // Fri 27 March 16:00 CET → Mon 30 March 10:00 CEST: 60 + 60 business minutes;
        // 65 wall-clock hours, since Sunday 29 March has 23.
        (utc("2026-03-27 15:00"), utc("2026-03-30 08:00")),
        // Mon 09:00 → 09:30 CEST: 30 and 30.
        (utc("2026-03-30 07:00"), utc("2026-03-30 07:30")),
        // Mon 16:30 CEST → Tue 09:45 CEST: 30 + 45 = 75 business; 17 h 15 wall-clock.
        (utc("2026-03-30 14:30"), utc("2026-03-31 07:45")),
        // Thu 26 March 12:00 → 14:00 CET: 120 and 120.
        (utc("2026-03-26 11:00"), utc("2026-03-26 13:00")),
    ];
    let business: Vec<u64> = tickets
        .iter()
        .map(|(a, b)| seconds_to_minutes(c.business_time_between(*a, *b)))
        .collect();
    let wall: Vec<u64> = tickets.iter().map(|(a, b)| wall_minutes(*a, *b)).collect();
    assert_eq!(business, [120, 30, 75, 120]);
    assert_eq!(wall, [3900, 30, 1035, 120]);
    // Sorted 30 75 120 120: median (75 + 120) / 2 = 97.5 → 97; p90 at h = 2.7 → 120.
    assert_eq!((median(&business), p90(&business)), (Some(97), Some(120)));
    // Sorted 30 120 1035 3900: median 577.5 → 577; p90 1035 + 0.7 × 2865 = 3040.5 → 3040.
    assert_eq!((median(&wall), p90(&wall)), (Some(577), Some(3040)));
    // Bucketed by the local day they were created on, over the week of the change.
    let p = period("2026-03-26", "2026-04-01", berlin());
    let per_day: Vec<Option<usize>> = tickets.iter().map(|(a, _)| p.day_index(*a)).collect();
    assert_eq!(per_day, [Some(1), Some(4), Some(4), Some(0)]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_median_lies_between_min_and_max_and_below_p90(values in prop::collection::vec(0u64..100_000, 1..60)) {
        let (lo, hi) = (*values.iter().min().expect("some"), *values.iter().max().expect("some"));
        let m = median(&values).expect("some");
        let p = p90(&values).expect("some");
        prop_assert!(lo <= m && m <= p && p <= hi, "{lo} ≤ {m} ≤ {p} ≤ {hi}");
        let mut reversed = values.clone();
        reversed.reverse();
        prop_assert_eq!(median(&reversed), Some(m), "order does not matter");
        // A store reading only the ranked rows gets the same answer.
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let n = sorted.len() as u64;
        for q in [Quantile::Median, Quantile::P90] {
            let (a, b) = q.ranks(n).expect("some");
            prop_assert!(a <= b && b < n && b - a <= 1);
            prop_assert_eq!(q.between(n, sorted[a as usize], sorted[b as usize]), q.of(&values));
        }
    }

    #[test]
    fn percentages_stay_within_0_and_100(met in 0u64..1_000_000, breached in 0u64..1_000_000, ratings in prop::collection::vec(1u8..=5, 0..50)) {
        let c = Compliance::new(met, breached);
        match c.percent() {
            None => prop_assert_eq!(met + breached, 0),
            Some(p) => {
                prop_assert!(p.tenths() <= 1000);
                prop_assert_eq!(p.tenths() == 1000, breached == 0, "100.0 only without breaches");
            }
        }
        let csat = Csat::from_ratings(ratings.clone()).expect("valid");
        prop_assert_eq!(csat.responses(), ratings.len() as u64);
        if let (Some(p), Some(a)) = (csat.percent(), csat.average()) {
            prop_assert!(p.tenths() <= 1000);
            prop_assert!((100..=500).contains(&a.hundredths()));
        } else {
            prop_assert!(ratings.is_empty());
        }
    }

    #[test]
    fn every_instant_falls_in_the_day_whose_bounds_hold_it(seconds in utc("2026-01-01 00:00").unix_seconds()..utc("2027-01-01 00:00").unix_seconds()) {
        let zone = berlin();
        let at = Timestamp::from_unix_seconds(seconds);
        let day = local_day_of(at, zone.as_ref());
        prop_assert!(day_start(day, zone.as_ref()) <= at);
        prop_assert!(at < day_start(day.plus_days(1), zone.as_ref()));
    }

    #[test]
    fn the_days_of_a_period_tile_it(from in 0i64..700, len in 1i64..=MAX_PERIOD_DAYS) {
        let first = date("2025-06-01").plus_days(from);
        let p = Period::new(first, first.plus_days(len - 1), berlin()).expect("valid");
        let days: Vec<Day> = p.days().collect();
        prop_assert_eq!(days.len() as i64, len);
        prop_assert_eq!(days[0].start, p.start());
        prop_assert_eq!(days[days.len() - 1].end, p.end());
        for pair in days.windows(2) {
            prop_assert_eq!(pair[0].end, pair[1].start);
            prop_assert_eq!(pair[0].date.plus_days(1), pair[1].date);
        }
        for d in &days {
            prop_assert!([23, 24, 25].contains(&(d.seconds() / HOUR)) && d.seconds() % HOUR == 0);
            prop_assert_eq!(p.day_index(d.start), Some((d.date.days() - first.days()) as usize));
        }
    }
}
