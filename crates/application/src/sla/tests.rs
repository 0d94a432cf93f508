//! The preview and calendar building against a support that knows UTC only.

use std::sync::Arc;

use domain::sla::{HolidaySet, Holidays, LocalDate, TimeZone, Utc};
use domain::{Actor, Role, Timestamp, UserId};

use super::explain::Step;
use super::*;
use crate::error::AppError;
use crate::ports::{CalendarSupport, HolidayRuleSpec};

struct UtcOnly;

impl CalendarSupport for UtcOnly {
    fn zone(&self, name: &str) -> Option<Arc<dyn TimeZone>> {
        (name == "UTC").then(|| Arc::new(Utc) as Arc<dyn TimeZone>)
    }

    fn zone_database_version(&self) -> &str {
        "test"
    }

    fn holidays(&self, dates: Vec<LocalDate>, rules: &[HolidayRuleSpec]) -> Result<Arc<dyn Holidays>, (usize, String)> {
        match rules.first() {
            Some(_) => Err((0, "rules are not supported here".into())),
            None => Ok(Arc::new(HolidaySet::new(dates))),
        }
    }
}

fn admin() -> Actor {
    Actor::new(UserId::new(1), Role::Admin)
}

fn office() -> CalendarSpec {
    let day = vec![("09:00".to_owned(), "17:00".to_owned())];
    CalendarSpec {
        time_zone: "UTC".into(),
        weekly: ["mon", "tue", "wed", "thu", "fri"]
            .iter()
            .map(|d| ((*d).to_owned(), day.clone()))
            .collect(),
        holidays: vec!["2026-12-25".into()],
        holiday_rules: vec![],
    }
}

fn at(d: &str, h: i64) -> Timestamp {
    Timestamp::from_unix_seconds(LocalDate::parse(d).expect("date").days() * 86_400 + h * 3600)
}

#[test]
fn a_preview_is_explained() {
    let preview = PreviewDueDate::new(Arc::new(UtcOnly));
    let input = PreviewInput {
        calendar: office(),
        start: at("2026-11-28", 12),
        minutes: 100 * 60,
    };
    let e = preview.execute(admin(), input).expect("previews");
    assert_eq!(
        e.counting_starts_at,
        at("2026-11-30", 9),
        "Saturday noon waits for Monday"
    );
    // 100 h = 12.5 days of 8 h: two weeks, then 2 days and 4 h; 25 December is a Friday.
    assert_eq!(e.due_at, at("2026-12-16", 13));
    assert!(matches!(e.steps[0], Step::Weeks { weeks: 2, .. }), "{:?}", e.steps);
    assert!(
        e.summary
            .contains("Counting starts at the next opening, 2026-11-30T09:00:00Z"),
        "{}",
        e.summary
    );
    assert!(e.summary.contains("2 full weeks (80 h)"), "{}", e.summary);
    let long = PreviewInput {
        calendar: office(),
        start: at("2026-12-21", 9),
        minutes: 5 * 8 * 60,
    };
    let e = preview.execute(admin(), long).expect("previews");
    assert_eq!(e.holidays, vec![LocalDate::parse("2026-12-25").expect("date")]);
    assert!(e.summary.contains("Closed on holidays 2026-12-25"), "{}", e.summary);
}

#[test]
fn bad_calendars_name_every_field_and_only_admins_preview() {
    let preview = PreviewDueDate::new(Arc::new(UtcOnly));
    let mut spec = office();
    spec.time_zone = "Mars/Olympus".into();
    spec.weekly.push(("funday".into(), vec![]));
    spec.weekly.push(("sat".into(), vec![("10:00".into(), "25:00".into())]));
    spec.holidays.push("2026-02-30".into());
    let input = PreviewInput {
        calendar: spec,
        start: at("2026-11-30", 9),
        minutes: 60,
    };
    let Err(AppError::Invalid(fields)) = preview.execute(admin(), input.clone()) else {
        panic!("expected 422");
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        [
            "calendar.time_zone",
            "calendar.weekly.funday",
            "calendar.weekly.sat[0]",
            "calendar.holidays[1]"
        ]
    );
    let agent = Actor::new(UserId::new(2), Role::Agent);
    assert!(matches!(preview.execute(agent, input), Err(AppError::Forbidden(_))));
    let never = PreviewInput {
        calendar: CalendarSpec {
            weekly: vec![],
            ..office()
        },
        start: at("2026-11-30", 9),
        minutes: 60,
    };
    assert!(matches!(preview.execute(admin(), never), Err(AppError::Invalid(f)) if f[0].field == "calendar"));
    let negative = PreviewInput {
        minutes: -1,
        ..PreviewInput {
            calendar: office(),
            start: at("2026-11-30", 9),
            minutes: 0,
        }
    };
    assert!(matches!(preview.execute(admin(), negative), Err(AppError::Invalid(_))));
}
