//! The SLA endpoints.

use actix_web::HttpResponse;
use application::sla::{CalendarSpec, PreviewInput, explain::Step};

use super::State;
use crate::dto::{CountedRun, PreviewRequest, PreviewResponse, instant};
use crate::extract::Authenticated;
use crate::handlers::tickets::rfc3339;
use crate::openapi::WriteErrors;
use crate::problem::{ApiError, JsonBody};

/// A what-if for admins designing calendars and policies: the due instant of a target
/// started at `start` on an inline calendar, and how it was derived (the open windows and
/// whole weeks counted, holidays, the zone database version).
#[utoipa::path(post, path = "/api/v1/sla/preview", tag = "sla", request_body = PreviewRequest, security(("bearer" = [])),
    responses((status = 200, description = "The due instant, explained", body = PreviewResponse), WriteErrors))]
pub async fn preview(
    state: State,
    caller: Authenticated,
    body: JsonBody<PreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let start = rfc3339("start", Some(&body.start))?.ok_or_else(|| ApiError::field("start", "is required"))?;
    let c = body.calendar;
    let spec = CalendarSpec {
        time_zone: c.time_zone.clone(),
        weekly: c.weekly.into_iter().collect(),
        holidays: c.holidays,
        holiday_rules: c.holiday_rules.into_iter().map(|r| (r.rrule, r.dtstart)).collect(),
    };
    let input = PreviewInput {
        calendar: spec,
        start,
        minutes: body.minutes,
    };
    let e = state.preview_due_date.execute(caller.0.actor(), input)?;
    let counted = e
        .steps
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
        .collect();
    Ok(HttpResponse::Ok().json(PreviewResponse {
        due_at: instant(e.due_at),
        start: instant(e.start),
        minutes: body.minutes,
        counting_starts_at: instant(e.counting_starts_at),
        counted,
        holidays_in_range: e.holidays.iter().map(ToString::to_string).collect(),
        time_zone: c.time_zone,
        tzdb_version: state.preview_due_date.zone_database_version(),
        explanation: e.summary,
    }))
}
