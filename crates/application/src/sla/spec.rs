//! A business calendar as configured, and turning it into the domain's calendar.

use domain::sla::{BusinessCalendar, LocalDate, OpenInterval, TimeOfDay, Weekday, WeeklyHours};

use crate::error::{AppError, Validator};
use crate::ports::{CalendarSupport, HolidayRuleSpec};

/// Weekly hours as received: each day's name with its `(start, end)` local times.
pub type WeeklySpec = Vec<(String, Vec<(String, String)>)>;

/// A calendar as received: `time_zone`, `weekly` hours per day (`mon` ... `sun`, each a
/// list of `[start, end]` local times), `holidays` as dates and `holiday_rules`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarSpec {
    /// An IANA zone name such as `Europe/Berlin`, or `UTC`.
    pub time_zone: String,
    /// Day name and its intervals as `("09:00", "17:00")`.
    pub weekly: WeeklySpec,
    /// `YYYY-MM-DD` dates closed all day.
    pub holidays: Vec<String>,
    /// (`RRULE`, `YYYY-MM-DD` start date) pairs.
    pub holiday_rules: Vec<(String, String)>,
}

/// Checks a calendar configuration and builds it, naming every offending field under
/// `prefix` (such as `calendar`; empty for top-level fields).
pub fn build_calendar(
    spec: &CalendarSpec,
    support: &dyn CalendarSupport,
    prefix: &str,
) -> Result<BusinessCalendar, AppError> {
    let field = |rest: &str| {
        if prefix.is_empty() {
            rest.to_owned()
        } else {
            format!("{prefix}.{rest}")
        }
    };
    let mut v = Validator::default();
    let zone = support.zone(&spec.time_zone);
    if zone.is_none() {
        v.fail(
            &field("time_zone"),
            format!(
                "`{}` is not an IANA time zone name (such as Europe/Berlin)",
                spec.time_zone
            ),
        );
    }
    let mut days: [Vec<OpenInterval>; 7] = Default::default();
    for (name, intervals) in &spec.weekly {
        let day_field = field(&format!("weekly.{name}"));
        let Some(day) = Weekday::parse(name) else {
            v.fail(&day_field, "is not a day: use mon, tue, wed, thu, fri, sat or sun");
            continue;
        };
        for (i, (start, end)) in intervals.iter().enumerate() {
            match (TimeOfDay::parse(start), TimeOfDay::parse(end)) {
                (Some(start), Some(end)) => days[day.index()].push(OpenInterval { start, end }),
                _ => v.fail(&format!("{day_field}[{i}]"), "times are HH:MM from 00:00 to 24:00"),
            }
        }
    }
    let weekly = match WeeklyHours::new(days) {
        Ok(w) => Some(w),
        Err(e) => {
            v.fail(&field("weekly"), e);
            None
        }
    };
    let mut dates = Vec::new();
    for (i, raw) in spec.holidays.iter().enumerate() {
        match LocalDate::parse(raw) {
            Some(d) => dates.push(d),
            None => v.fail(&field(&format!("holidays[{i}]")), "is not a YYYY-MM-DD date"),
        }
    }
    let mut rules = Vec::new();
    for (i, (rrule, dtstart)) in spec.holiday_rules.iter().enumerate() {
        match LocalDate::parse(dtstart) {
            Some(dtstart) => rules.push(HolidayRuleSpec {
                rrule: rrule.clone(),
                dtstart,
            }),
            None => v.fail(
                &format!("{prefix}.holiday_rules[{i}].dtstart"),
                "is not a YYYY-MM-DD date",
            ),
        }
    }
    let holidays = match support.holidays(dates, &rules) {
        Ok(h) => Some(h),
        Err((i, reason)) => {
            v.fail(&field(&format!("holiday_rules[{i}].rrule")), reason);
            None
        }
    };
    v.finish()?;
    match (zone, weekly, holidays) {
        (Some(zone), Some(weekly), Some(holidays)) => Ok(BusinessCalendar::new(zone, weekly, holidays)),
        _ => Err(AppError::Internal("validator let an invalid calendar through".into())),
    }
}
