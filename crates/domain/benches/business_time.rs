//! `add_business_time` on a Berlin office calendar (Mon-Fri 09:00-17:00, the public
//! holidays of Berlin for 2026-2030, real DST changes) for targets from one hour to a year
//! of business time. The cost should stay nearly flat: whole weeks without a holiday or a
//! clock change are skipped in one step.
//!
//!   cargo bench -p domain --bench business_time

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use domain::Timestamp;
use domain::sla::{
    BusinessCalendar, HolidaySet, LocalDate, OpenInterval, TimeOfDay, TransitionTable, Weekday, WeeklyHours,
};

fn last_sunday(year: i32, month: u32) -> LocalDate {
    let mut d = LocalDate::from_ymd(year, month, 31).expect("March and October have 31 days");
    while d.weekday() != Weekday::Sun {
        d = d.plus_days(-1);
    }
    d
}

fn berlin_office() -> BusinessCalendar {
    let mut changes = Vec::new();
    for y in 2020..2040 {
        changes.push((last_sunday(y, 3).days() * 86_400 + 3600, 7200));
        changes.push((last_sunday(y, 10).days() * 86_400 + 3600, 3600));
    }
    let zone = Arc::new(TransitionTable::new("Europe/Berlin", 3600, changes));
    let day = vec![OpenInterval {
        start: TimeOfDay::parse("09:00").expect("valid"),
        end: TimeOfDay::parse("17:00").expect("valid"),
    }];
    let mut days: [Vec<OpenInterval>; 7] = Default::default();
    for d in &mut days[..5] {
        *d = day.clone();
    }
    let weekly = WeeklyHours::new(days).expect("valid");
    // Berlin's public holidays, including the movable ones around Easter.
    let holidays = [
        "2026-01-01",
        "2026-03-08",
        "2026-04-03",
        "2026-04-06",
        "2026-05-01",
        "2026-05-14",
        "2026-05-25",
        "2026-10-03",
        "2026-12-25",
        "2026-12-26",
        "2027-01-01",
        "2027-03-08",
        "2027-03-26",
        "2027-03-29",
        "2027-05-01",
        "2027-05-06",
        "2027-05-17",
        "2027-10-03",
        "2027-12-25",
        "2027-12-26",
        "2028-01-01",
        "2028-03-08",
        "2028-04-14",
        "2028-04-17",
        "2028-05-01",
        "2028-05-25",
        "2028-06-05",
        "2028-10-03",
        "2028-12-25",
        "2028-12-26",
        "2029-01-01",
        "2029-03-08",
        "2029-03-30",
        "2029-04-02",
        "2029-05-01",
        "2029-05-10",
        "2029-05-21",
        "2029-10-03",
        "2029-12-25",
        "2029-12-26",
        "2030-01-01",
    ];
    let holidays = HolidaySet::new(holidays.iter().filter_map(|d| LocalDate::parse(d)));
    BusinessCalendar::new(zone, weekly, Arc::new(holidays))
}

fn add_business_time(c: &mut Criterion) {
    let calendar = berlin_office();
    let start = Timestamp::from_unix_seconds(1_795_000_000); // 2026-11-19 (a Thursday), 09:46:40Z
    let mut group = c.benchmark_group("add_business_time");
    for (name, hours) in [("1h", 1), ("1d", 8), ("1w", 40), ("1mo", 173), ("1y", 2_088)] {
        group.bench_with_input(BenchmarkId::from_parameter(name), &(hours * 3600), |b, &seconds| {
            b.iter(|| calendar.add_business_time(black_box(start), black_box(seconds)));
        });
    }
    group.finish();
}

criterion_group!(benches, add_business_time);
criterion_main!(benches);
