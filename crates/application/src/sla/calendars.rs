//! Managing business calendars (admins).

use std::sync::Arc;

use domain::Actor;
use domain::sla::CalendarError;

use crate::error::{AppError, require_admin};
use crate::ports::{CalendarSupport, Clock, SlaCalendarRepository, StoreError, StoredCalendar};

use super::spec::{CalendarSpec, WeeklySpec, build_calendar};

/// The longest calendar name, in characters.
pub const NAME_MAX_CHARS: usize = 100;

/// The ports the calendar use cases share.
#[derive(Clone)]
pub struct CalendarPorts {
    /// Stores calendars.
    pub calendars: Arc<dyn SlaCalendarRepository>,
    /// Zones and holiday rules.
    pub support: Arc<dyn CalendarSupport>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
}

/// Changes to a calendar; `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new zone.
    pub time_zone: Option<String>,
    /// New weekly hours.
    pub weekly: Option<WeeklySpec>,
    /// New holiday dates.
    pub holidays: Option<Vec<String>>,
    /// New holiday rules.
    pub holiday_rules: Option<Vec<(String, String)>>,
}

/// Why a non-admin is refused.
const ADMINS_ONLY: &str = "only admins manage SLA calendars";

/// Checks a name and a configuration: every field valid, and open at least once in the
/// next ten years (SLA.md: the API refuses to save a calendar that is never open).
fn check(ports: &CalendarPorts, name: &str, spec: &CalendarSpec) -> Result<String, AppError> {
    let name = name.trim();
    let name_error = if name.is_empty() {
        Some("must not be empty")
    } else if name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        Some("must be at most 100 characters, without control characters")
    } else {
        None
    };
    let built = build_calendar(spec, ports.support.as_ref(), "");
    match (name_error, built) {
        (Some(m), Err(AppError::Invalid(mut fields))) => {
            fields.insert(0, crate::FieldError::new("name", m));
            Err(AppError::Invalid(fields))
        }
        (Some(m), _) => Err(AppError::invalid("name", m)),
        (None, Err(e)) => Err(e),
        (None, Ok(calendar)) => match calendar.add_business_time(ports.clock.now(), 1) {
            Err(CalendarError::NeverOpen) => Err(AppError::invalid(
                "weekly",
                "the calendar has no open time in the next ten years",
            )),
            _ => Ok(name.to_owned()),
        },
    }
}

fn name_taken(name: &str) -> impl Fn(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::Duplicate(_) => AppError::Conflict {
            code: "calendar_exists",
            message: format!("a calendar named `{name}` already exists"),
        },
        other => other.into(),
    }
}

/// Lists the calendars.
#[derive(Clone)]
pub struct ListCalendars {
    ports: CalendarPorts,
}

impl ListCalendars {
    /// Wires the use case.
    pub fn new(ports: CalendarPorts) -> Self {
        Self { ports }
    }

    /// Every calendar, by name (admins).
    pub async fn execute(&self, actor: Actor) -> Result<Vec<StoredCalendar>, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        Ok(self.ports.calendars.list_calendars().await?)
    }
}

/// Creates a calendar.
#[derive(Clone)]
pub struct CreateCalendar {
    ports: CalendarPorts,
}

impl CreateCalendar {
    /// Wires the use case.
    pub fn new(ports: CalendarPorts) -> Self {
        Self { ports }
    }

    /// Checks and stores a calendar (admins); a taken name is a conflict.
    pub async fn execute(&self, actor: Actor, name: &str, spec: CalendarSpec) -> Result<StoredCalendar, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        let name = check(&self.ports, name, &spec)?;
        let now = self.ports.clock.now();
        let calendar = StoredCalendar {
            id: 0,
            name: name.clone(),
            spec,
            created_at: now,
            updated_at: now,
        };
        self.ports
            .calendars
            .insert_calendar(calendar)
            .await
            .map_err(name_taken(&name))
    }
}

/// Changes a calendar.
#[derive(Clone)]
pub struct UpdateCalendar {
    ports: CalendarPorts,
}

impl UpdateCalendar {
    /// Wires the use case.
    pub fn new(ports: CalendarPorts) -> Self {
        Self { ports }
    }

    /// Applies the changes and checks the result as a whole (admins).
    pub async fn execute(&self, actor: Actor, id: i64, changes: CalendarChanges) -> Result<StoredCalendar, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        let mut calendar = self
            .ports
            .calendars
            .get_calendar(id)
            .await?
            .ok_or(AppError::NotFound("calendar"))?;
        let name = changes.name.unwrap_or(calendar.name);
        let s = &mut calendar.spec;
        if let Some(v) = changes.time_zone {
            s.time_zone = v;
        }
        if let Some(v) = changes.weekly {
            s.weekly = v;
        }
        if let Some(v) = changes.holidays {
            s.holidays = v;
        }
        if let Some(v) = changes.holiday_rules {
            s.holiday_rules = v;
        }
        calendar.name = check(&self.ports, &name, &calendar.spec)?;
        calendar.updated_at = self.ports.clock.now();
        let name = calendar.name.clone();
        match self.ports.calendars.update_calendar(calendar.clone()).await {
            Ok(true) => Ok(calendar),
            Ok(false) => Err(AppError::NotFound("calendar")),
            Err(e) => Err(name_taken(&name)(e)),
        }
    }
}

/// Deletes a calendar.
#[derive(Clone)]
pub struct DeleteCalendar {
    ports: CalendarPorts,
}

impl DeleteCalendar {
    /// Wires the use case.
    pub fn new(ports: CalendarPorts) -> Self {
        Self { ports }
    }

    /// Deletes it (admins); not found if it does not exist.
    pub async fn execute(&self, actor: Actor, id: i64) -> Result<(), AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        match self.ports.calendars.delete_calendar(id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(AppError::NotFound("calendar")),
            Err(StoreError::Reference(_)) => Err(AppError::Conflict {
                code: "calendar_in_use",
                message: "policies use this calendar; change them first".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }
}
