//! The JSON bodies of the SLA endpoints: calendars, policies, previews and a ticket's SLA.

use application::sla::explain::Step;
use application::sla::{Explanation, SlaReport};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::shared::{SlaTargetResponse, instant};

/// How a running target's due instant was derived.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueExplanation {
    /// Where counting began: the clock's (re)start if open then, else the next opening.
    #[schema(format = DateTime)]
    pub counting_starts_at: String,
    /// The business seconds still to count from the (re)start.
    pub business_seconds: i64,
    /// What was counted, in order.
    pub counted: Vec<CountedRun>,
    /// Holidays in the range on which the calendar would have been open.
    pub holidays_in_range: Vec<String>,
    /// The derivation in words.
    pub explanation: String,
}

impl From<&Explanation> for DueExplanation {
    fn from(e: &Explanation) -> Self {
        Self {
            counting_starts_at: instant(e.counting_starts_at),
            business_seconds: e.business_seconds,
            counted: CountedRun::runs(e),
            holidays_in_range: e.holidays.iter().map(ToString::to_string).collect(),
            explanation: e.summary.clone(),
        }
    }
}

/// One target of `GET /tickets/{id}/sla`, explained.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainedTargetResponse {
    /// The target now.
    pub target: SlaTargetResponse,
    /// When its clock last (re)started, while it runs.
    #[schema(format = DateTime)]
    pub running_since: Option<String>,
    /// Business seconds consumed before that (before pauses or a policy change).
    pub consumed_before_seconds: i64,
    /// How the due instant follows, while it runs.
    pub due: Option<DueExplanation>,
}

/// A stretch the ticket spent in a pausing status.
#[derive(Debug, Serialize, ToSchema)]
pub struct PausedInterval {
    /// When the pause began.
    #[schema(format = DateTime)]
    pub from: String,
    /// When it ended; `null` while still paused.
    #[schema(format = DateTime)]
    pub until: Option<String>,
}

/// `GET /tickets/{id}/sla`: the policy, calendar, pauses and each target with its
/// derivation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaReportResponse {
    /// The policy; `null` when none applies.
    pub policy_id: Option<i64>,
    /// Its name.
    pub policy_name: Option<String>,
    /// The business calendar; `null` for calendar time (24x7 UTC).
    pub calendar_id: Option<i64>,
    /// The calendar's time zone.
    pub time_zone: String,
    /// The IANA database version the instants come from.
    pub tzdb_version: String,
    /// Pauses from the ticket's status history.
    pub paused: Vec<PausedInterval>,
    /// The targets.
    pub targets: Vec<ExplainedTargetResponse>,
}

impl From<&SlaReport> for SlaReportResponse {
    fn from(r: &SlaReport) -> Self {
        Self {
            policy_id: r.view.policy_id,
            policy_name: r.view.policy_name.clone(),
            calendar_id: r.calendar_id,
            time_zone: r.time_zone.clone(),
            tzdb_version: r.tzdb_version.clone(),
            paused: r
                .paused
                .iter()
                .map(|(from, until)| PausedInterval {
                    from: instant(*from),
                    until: until.map(instant),
                })
                .collect(),
            targets: r
                .targets
                .iter()
                .map(|t| ExplainedTargetResponse {
                    target: SlaTargetResponse::from(&t.target),
                    running_since: t.running_since.map(instant),
                    consumed_before_seconds: t.consumed_before_seconds,
                    due: t.explanation.as_ref().map(DueExplanation::from),
                })
                .collect(),
        }
    }
}

/// A business calendar, as configured.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarRequest {
    /// An IANA time zone name, such as `Europe/Berlin`, or `UTC`.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Open intervals per day (`mon` ... `sun`) in local time: `[["09:00","17:00"]]`, several
    /// a day allowed, `"24:00"` as an end. A missing day is closed.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [["09:00", "17:00"]]}))]
    pub weekly: std::collections::BTreeMap<String, Vec<(String, String)>>,
    /// Dates (`YYYY-MM-DD`) closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// RFC 5545 rules generating holidays.
    #[serde(default)]
    pub holiday_rules: Vec<HolidayRuleRequest>,
}

/// One holiday rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayRuleRequest {
    /// Such as `FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO` (US Memorial Day); `UNTIL` may be a date.
    #[schema(example = "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25")]
    pub rrule: String,
    /// The rule's start date, `YYYY-MM-DD`.
    #[schema(example = "2020-01-01")]
    pub dtstart: String,
}

/// A calendar named by id, or given inline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CalendarRef {
    /// The id of a stored calendar.
    Id(i64),
    /// A calendar configuration.
    Inline(CalendarRequest),
}

/// `POST /sla/preview`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The calendar: a stored calendar's id, or a configuration inline.
    pub calendar: CalendarRef,
    /// When the clock starts (RFC 3339).
    #[schema(example = "2026-11-27T16:00:00Z")]
    pub start: String,
    /// The target in business minutes.
    #[schema(minimum = 0, maximum = 10000000, example = 240)]
    pub minutes: i64,
}

/// A run of what was counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountedRun {
    /// `weeks` (whole weeks counted at once, holidays subtracted) or `windows` (single open
    /// windows).
    pub kind: String,
    /// For `weeks`: how many; for `windows`: how many windows.
    pub count: i64,
    /// Where it begins: a local date for `weeks`, an instant for `windows`.
    pub from: String,
    /// For `windows`: where the last ended.
    #[schema(format = DateTime)]
    pub until: Option<String>,
    /// Business seconds counted in it.
    pub seconds: i64,
}

impl CountedRun {
    /// The runs of an explanation.
    pub fn runs(e: &Explanation) -> Vec<Self> {
        e.steps
            .iter()
            .map(|s| match s {
                Step::Weeks { from, weeks, seconds } => CountedRun {
                    kind: "weeks".into(),
                    count: *weeks,
                    from: from.to_string(),
                    until: None,
                    seconds: *seconds,
                },
                Step::Windows {
                    count,
                    from,
                    until,
                    seconds,
                } => CountedRun {
                    kind: "windows".into(),
                    count: i64::try_from(*count).unwrap_or(i64::MAX),
                    from: instant(*from),
                    until: Some(instant(*until)),
                    seconds: *seconds,
                },
            })
            .collect()
    }
}

/// The answer of `POST /sla/preview`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    /// When the target falls due.
    #[schema(format = DateTime)]
    pub due_at: String,
    /// The start asked about.
    #[schema(format = DateTime)]
    pub start: String,
    /// The target in business minutes.
    pub minutes: i64,
    /// Where counting began: the start, or the next opening.
    #[schema(format = DateTime)]
    pub counting_starts_at: String,
    /// What was counted, in order.
    pub counted: Vec<CountedRun>,
    /// Holidays in the range on which the calendar would have been open.
    pub holidays_in_range: Vec<String>,
    /// The calendar's zone and the zone database version the answer comes from.
    pub time_zone: String,
    /// The IANA database version, such as `2025b`.
    pub tzdb_version: String,
    /// The derivation in words.
    pub explanation: String,
}

/// `POST /sla/calendars`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCalendarRequest {
    /// A unique name.
    #[schema(example = "Berlin office", min_length = 1, max_length = 100)]
    pub name: String,
    /// An IANA time zone name, or `UTC`.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Open intervals per day, as in `POST /sla/preview`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub weekly: std::collections::BTreeMap<String, Vec<(String, String)>>,
    /// Dates closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Rules generating holidays.
    #[serde(default)]
    pub holiday_rules: Vec<HolidayRuleRequest>,
}

/// `PATCH /sla/calendars/{id}`: fields present replace the stored ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCalendarRequest {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// New weekly hours (all days).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub weekly: Option<std::collections::BTreeMap<String, Vec<(String, String)>>>,
    /// New holiday dates.
    #[serde(default)]
    pub holidays: Option<Vec<String>>,
    /// New holiday rules.
    #[serde(default)]
    pub holiday_rules: Option<Vec<HolidayRuleRequest>>,
}

/// A stored business calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarResponse {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its zone.
    pub time_zone: String,
    /// Open intervals per day.
    #[schema(value_type = Object)]
    pub weekly: serde_json::Value,
    /// Dates closed all day.
    pub holidays: Vec<String>,
    /// Rules generating holidays.
    #[schema(value_type = Vec<Object>)]
    pub holiday_rules: Vec<serde_json::Value>,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it last changed.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&application::ports::StoredCalendar> for CalendarResponse {
    fn from(c: &application::ports::StoredCalendar) -> Self {
        let weekly: serde_json::Map<String, serde_json::Value> = c
            .spec
            .weekly
            .iter()
            .map(|(day, intervals)| (day.clone(), serde_json::json!(intervals)))
            .collect();
        Self {
            id: c.id,
            name: c.name.clone(),
            time_zone: c.spec.time_zone.clone(),
            weekly: serde_json::Value::Object(weekly),
            holidays: c.spec.holidays.clone(),
            holiday_rules: c
                .spec
                .holiday_rules
                .iter()
                .map(|(rrule, dtstart)| serde_json::json!({"rrule": rrule, "dtstart": dtstart}))
                .collect(),
            created_at: instant(c.created_at),
            updated_at: instant(c.updated_at),
        }
    }
}

/// The calendars.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarList {
    /// By name.
    pub items: Vec<CalendarResponse>,
}

/// Reads a present field as `Some(value)`, `null` included, so `PATCH` can tell "clear
/// this" (`null`) from "keep this" (absent).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /sla/policies` and `PATCH /sla/policies/{id}` (absent fields keep their value on
/// `PATCH`; `null` clears a nullable one).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    /// A unique name (required to create).
    #[serde(default)]
    #[schema(example = "Urgent billing")]
    pub name: Option<String>,
    /// The priorities it applies to (at least one).
    #[serde(default)]
    #[schema(example = json!(["high", "urgent"]))]
    pub priorities: Option<Vec<String>>,
    /// A category slug, or `null` for every category.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    /// A stored calendar's id, or `null` for calendar time (24x7 UTC).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub calendar_id: Option<Option<i64>>,
    /// First response in business minutes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub first_response_minutes: Option<Option<i64>>,
    /// Next response in business minutes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub next_response_minutes: Option<Option<i64>>,
    /// Resolution in business minutes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub resolution_minutes: Option<Option<i64>>,
    /// At-risk threshold in percent (default 80).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub warning_percent: Option<i64>,
    /// Statuses that pause resolution (default `["waiting_customer"]`).
    #[serde(default)]
    pub pause_statuses: Option<Vec<String>>,
}

/// An SLA policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyResponse {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The priorities it applies to.
    pub priorities: Vec<String>,
    /// Its category, or `null` for every category.
    pub category: Option<String>,
    /// Its calendar, or `null` for calendar time.
    pub calendar_id: Option<i64>,
    /// First response in business minutes.
    pub first_response_minutes: Option<u32>,
    /// Next response in business minutes.
    pub next_response_minutes: Option<u32>,
    /// Resolution in business minutes.
    pub resolution_minutes: Option<u32>,
    /// At-risk threshold in percent.
    pub warning_percent: u8,
    /// Statuses that pause resolution.
    pub pause_statuses: Vec<String>,
}

impl From<&domain::sla::SlaPolicy> for PolicyResponse {
    fn from(p: &domain::sla::SlaPolicy) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            priorities: p.priorities.iter().map(|x| x.as_str().to_owned()).collect(),
            category: p.category.as_ref().map(ToString::to_string),
            calendar_id: p.calendar_id,
            first_response_minutes: p.first_response_minutes,
            next_response_minutes: p.next_response_minutes,
            resolution_minutes: p.resolution_minutes,
            warning_percent: p.warning_percent,
            pause_statuses: p.pause_statuses.iter().map(|x| x.as_str().to_owned()).collect(),
        }
    }
}

/// The policies.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyList {
    /// Oldest first.
    pub items: Vec<PolicyResponse>,
}
