//! The preview and calendar building against a support that knows UTC only.

use std::sync::Arc;

use domain::sla::LocalDate;
use domain::{Actor, Role, Timestamp, UserId};

use super::explain::Step;
use super::*;
use crate::error::AppError;
use crate::testing::UtcOnly;

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

#[tokio::test]
async fn a_preview_is_explained() {
    let preview = PreviewDueDate::new(
        Arc::new(UtcOnly),
        Arc::new(crate::ports::MockSlaCalendarRepository::new()),
    );
    let input = PreviewInput {
        calendar: CalendarSource::Inline(office()),
        start: at("2026-11-28", 12),
        minutes: 100 * 60,
    };
    let e = preview.execute(admin(), input).await.expect("previews").explanation;
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
        calendar: CalendarSource::Inline(office()),
        start: at("2026-12-21", 9),
        minutes: 5 * 8 * 60,
    };
    let e = preview.execute(admin(), long).await.expect("previews").explanation;
    assert_eq!(e.holidays, vec![LocalDate::parse("2026-12-25").expect("date")]);
    assert!(e.summary.contains("Closed on holidays 2026-12-25"), "{}", e.summary);
}

#[tokio::test]
async fn bad_calendars_name_every_field_and_only_admins_preview() {
    let preview = PreviewDueDate::new(
        Arc::new(UtcOnly),
        Arc::new(crate::ports::MockSlaCalendarRepository::new()),
    );
    let mut spec = office();
    spec.time_zone = "Mars/Olympus".into();
    spec.weekly.push(("funday".into(), vec![]));
    spec.weekly.push(("sat".into(), vec![("10:00".into(), "25:00".into())]));
    spec.holidays.push("2026-02-30".into());
    let input = PreviewInput {
        calendar: CalendarSource::Inline(spec),
        start: at("2026-11-30", 9),
        minutes: 60,
    };
    let Err(AppError::Invalid(fields)) = preview.execute(admin(), input.clone()).await else {
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
    assert!(matches!(
        preview.execute(agent, input).await,
        Err(AppError::Forbidden(_))
    ));
    let never = PreviewInput {
        calendar: CalendarSource::Inline(CalendarSpec {
            weekly: vec![],
            ..office()
        }),
        start: at("2026-11-30", 9),
        minutes: 60,
    };
    assert!(matches!(preview.execute(admin(), never).await, Err(AppError::Invalid(f)) if f[0].field == "calendar"));
    let negative = PreviewInput {
        minutes: -1,
        ..PreviewInput {
            calendar: CalendarSource::Inline(office()),
            start: at("2026-11-30", 9),
            minutes: 0,
        }
    };
    assert!(matches!(
        preview.execute(admin(), negative).await,
        Err(AppError::Invalid(_))
    ));
}

fn calendar_ports(repo: crate::ports::MockSlaCalendarRepository) -> CalendarPorts {
    CalendarPorts {
        calendars: Arc::new(repo),
        support: Arc::new(UtcOnly),
        clock: Arc::new(crate::testing::FixedClock(at("2026-11-27", 12))),
    }
}

#[tokio::test]
async fn calendars_are_checked_before_they_are_saved() {
    let mut repo = crate::ports::MockSlaCalendarRepository::new();
    repo.expect_insert_calendar().times(1).returning(|mut c| {
        c.id = 7;
        Ok(c)
    });
    let create = CreateCalendar::new(calendar_ports(repo));
    let saved = create.execute(admin(), "  Office  ", office()).await.expect("saves");
    assert_eq!((saved.id, saved.name.as_str()), (7, "Office"));

    // Nothing reaches the store: never open, bad fields, an empty name, a non-admin.
    let create = CreateCalendar::new(calendar_ports(crate::ports::MockSlaCalendarRepository::new()));
    let never = CalendarSpec {
        weekly: vec![],
        ..office()
    };
    assert!(
        matches!(create.execute(admin(), "Never", never).await, Err(AppError::Invalid(f)) if f[0].field == "weekly")
    );
    let bad = CalendarSpec {
        time_zone: "Nowhere".into(),
        ..office()
    };
    let Err(AppError::Invalid(fields)) = create.execute(admin(), "", bad).await else {
        panic!("expected 422");
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["name", "time_zone"]);
    let agent = Actor::new(UserId::new(2), Role::Agent);
    assert!(matches!(
        create.execute(agent, "Office", office()).await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_taken_name_is_a_conflict_and_updates_are_checked_whole() {
    let mut repo = crate::ports::MockSlaCalendarRepository::new();
    repo.expect_insert_calendar()
        .returning(|_| Err(crate::ports::StoreError::Duplicate("name")));
    repo.expect_get_calendar().returning(|id| {
        Ok(Some(crate::ports::StoredCalendar {
            id,
            name: "Office".into(),
            spec: office(),
            created_at: at("2026-01-01", 0),
            updated_at: at("2026-01-01", 0),
        }))
    });
    repo.expect_update_calendar().times(1).returning(|_| Ok(true));
    let ports = calendar_ports(repo);
    assert!(matches!(
        CreateCalendar::new(ports.clone())
            .execute(admin(), "Office", office())
            .await,
        Err(AppError::Conflict {
            code: "calendar_exists",
            ..
        })
    ));
    let update = UpdateCalendar::new(ports);
    let closed = CalendarChanges {
        weekly: Some(vec![]),
        ..CalendarChanges::default()
    };
    assert!(matches!(
        update.execute(admin(), 1, closed).await,
        Err(AppError::Invalid(_))
    ));
    let renamed = CalendarChanges {
        name: Some("Support desk".into()),
        holidays: Some(vec!["2026-12-24".into()]),
        ..CalendarChanges::default()
    };
    let saved = update.execute(admin(), 1, renamed).await.expect("updates");
    assert_eq!(saved.name, "Support desk");
    assert_eq!(saved.spec.holidays, ["2026-12-24"]);
    assert_eq!(saved.updated_at, at("2026-11-27", 12));
}
