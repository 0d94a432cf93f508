//! Service levels: business calendars, policies, due-date previews, and a ticket's SLA
//! explained.

pub mod dto;

use actix_web::{HttpResponse, web};
use application::sla::{
    CalendarChanges, CalendarPorts, CalendarSource, CalendarSpec, CreateCalendar, CreatePolicy, DeleteCalendar,
    DeletePolicy, ListCalendars, ListPolicies, PolicyInput, PolicyPorts, PreviewDueDate, PreviewInput, ShowSla,
    UpdateCalendar, UpdatePolicy,
};
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::Authenticated;
use crate::problem::{ApiError, JsonBody, ReadErrors, WriteErrors};
use crate::shared::{instant, rfc3339};
use dto::{
    CalendarList, CalendarRef, CalendarResponse, CountedRun, CreateCalendarRequest, HolidayRuleRequest, PolicyList,
    PolicyRequest, PolicyResponse, PreviewRequest, PreviewResponse, SlaReportResponse, UpdateCalendarRequest,
};

/// `/api/v1/tickets/{id}/sla`
pub const TICKETS_ID_SLA: &str = "/tickets/{id}/sla";
/// `/api/v1/sla/preview`
pub const SLA_PREVIEW: &str = "/sla/preview";
/// `/api/v1/sla/calendars`
pub const SLA_CALENDARS: &str = "/sla/calendars";
/// `/api/v1/sla/calendars/{id}`
pub const SLA_CALENDARS_ID: &str = "/sla/calendars/{id}";
/// `/api/v1/sla/policies`
pub const SLA_POLICIES: &str = "/sla/policies";
/// `/api/v1/sla/policies/{id}`
pub const SLA_POLICIES_ID: &str = "/sla/policies/{id}";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `GET /tickets/{id}/sla`
    pub show_sla: ShowSla,
    /// `POST /sla/preview`
    pub preview_due_date: PreviewDueDate,
    /// `GET /sla/calendars`
    pub list_calendars: ListCalendars,
    /// `POST /sla/calendars`
    pub create_calendar: CreateCalendar,
    /// `PATCH /sla/calendars/{id}`
    pub update_calendar: UpdateCalendar,
    /// `DELETE /sla/calendars/{id}`
    pub delete_calendar: DeleteCalendar,
    /// `GET /sla/policies`
    pub list_policies: ListPolicies,
    /// `POST /sla/policies`
    pub create_policy: CreatePolicy,
    /// `PATCH /sla/policies/{id}`
    pub update_policy: UpdatePolicy,
    /// `DELETE /sla/policies/{id}`
    pub delete_policy: DeletePolicy,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        let calendars = CalendarPorts {
            calendars: ctx.db.clone(),
            support: ctx.calendars.clone(),
            clock: ctx.clock.clone(),
        };
        let policies = PolicyPorts {
            policies: ctx.db.clone(),
            calendars: ctx.db.clone(),
            categories: ctx.db.clone(),
            clock: ctx.clock.clone(),
        };
        Self {
            show_sla: ShowSla::new(ctx.tickets.clone()),
            preview_due_date: PreviewDueDate::new(ctx.calendars.clone(), ctx.db.clone()),
            list_calendars: ListCalendars::new(calendars.clone()),
            create_calendar: CreateCalendar::new(calendars.clone()),
            update_calendar: UpdateCalendar::new(calendars.clone()),
            delete_calendar: DeleteCalendar::new(calendars),
            list_policies: ListPolicies::new(policies.clone()),
            create_policy: CreatePolicy::new(policies.clone()),
            update_policy: UpdatePolicy::new(policies.clone()),
            delete_policy: DeletePolicy::new(policies),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(TICKETS_ID_SLA, "GET").route(web::get().to(sla)));
    cfg.service(resource(SLA_PREVIEW, "POST").route(web::post().to(preview)));
    cfg.service(
        resource(SLA_CALENDARS, "GET, POST")
            .route(web::get().to(list_calendars))
            .route(web::post().to(create_calendar)),
    );
    cfg.service(
        resource(SLA_CALENDARS_ID, "PATCH, DELETE")
            .route(web::patch().to(update_calendar))
            .route(web::delete().to(delete_calendar)),
    );
    cfg.service(
        resource(SLA_POLICIES, "GET, POST")
            .route(web::get().to(list_policies))
            .route(web::post().to(create_policy)),
    );
    cfg.service(
        resource(SLA_POLICIES_ID, "PATCH, DELETE")
            .route(web::patch().to(update_policy))
            .route(web::delete().to(delete_policy)),
    );
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(
    sla,
    list_calendars,
    create_calendar,
    update_calendar,
    delete_calendar,
    preview,
    list_policies,
    create_policy,
    update_policy,
    delete_policy
))]
pub struct Doc;

/// The ticket's SLA explained (staff): policy, calendar, pauses, and for each target its
/// status, business time consumed and left, and how its due instant was derived.
#[utoipa::path(get, path = TICKETS_ID_SLA, context_path = API, tag = "sla", security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1")),
    responses((status = 200, description = "The SLA", body = SlaReportResponse), ReadErrors))]
pub async fn sla(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let report = cases.show_sla.report(caller.0.actor(), &id).await?;
    Ok(HttpResponse::Ok().json(SlaReportResponse::from(&report)))
}

fn rules(rules: Vec<HolidayRuleRequest>) -> Vec<(String, String)> {
    rules.into_iter().map(|r| (r.rrule, r.dtstart)).collect()
}

/// The business calendars (admins).
#[utoipa::path(get, path = SLA_CALENDARS, context_path = API, tag = "sla", security(("bearer" = [])),
    responses((status = 200, description = "Every calendar, by name", body = CalendarList), ReadErrors))]
pub async fn list_calendars(cases: web::Data<Cases>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let calendars = cases.list_calendars.execute(caller.0.actor()).await?;
    Ok(HttpResponse::Ok().json(CalendarList {
        items: calendars.iter().map(CalendarResponse::from).collect(),
    }))
}

/// Creates a business calendar (admins). It is checked as a whole: a valid zone, sorted
/// non-overlapping intervals, valid dates and rules, and open at least once in ten years.
#[utoipa::path(post, path = SLA_CALENDARS, context_path = API, tag = "sla", request_body = CreateCalendarRequest, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = CalendarResponse), WriteErrors))]
pub async fn create_calendar(
    cases: web::Data<Cases>,
    caller: Authenticated,
    body: JsonBody<CreateCalendarRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let spec = CalendarSpec {
        time_zone: b.time_zone,
        weekly: b.weekly.into_iter().collect(),
        holidays: b.holidays,
        holiday_rules: rules(b.holiday_rules),
    };
    let saved = cases.create_calendar.execute(caller.0.actor(), &b.name, spec).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/sla/calendars/{}", saved.id)))
        .json(CalendarResponse::from(&saved)))
}

/// Changes a business calendar (admins); the result is checked as a whole.
#[utoipa::path(patch, path = SLA_CALENDARS_ID, context_path = API, tag = "sla", request_body = UpdateCalendarRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Calendar id")),
    responses((status = 200, description = "Updated", body = CalendarResponse), WriteErrors))]
pub async fn update_calendar(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: JsonBody<UpdateCalendarRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let changes = CalendarChanges {
        name: b.name,
        time_zone: b.time_zone,
        weekly: b.weekly.map(|w| w.into_iter().collect()),
        holidays: b.holidays,
        holiday_rules: b.holiday_rules.map(rules),
    };
    let saved = cases.update_calendar.execute(caller.0.actor(), *id, changes).await?;
    Ok(HttpResponse::Ok().json(CalendarResponse::from(&saved)))
}

/// Deletes a business calendar (admins).
#[utoipa::path(delete, path = SLA_CALENDARS_ID, context_path = API, tag = "sla", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Calendar id")),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_calendar(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    cases.delete_calendar.execute(caller.0.actor(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A what-if for admins designing calendars and policies: the due instant of a target
/// started at `start` on an inline calendar, and how it was derived (the open windows and
/// whole weeks counted, holidays, the zone database version).
#[utoipa::path(post, path = SLA_PREVIEW, context_path = API, tag = "sla", request_body = PreviewRequest, security(("bearer" = [])),
    responses((status = 200, description = "The due instant, explained", body = PreviewResponse), WriteErrors))]
pub async fn preview(
    cases: web::Data<Cases>,
    caller: Authenticated,
    body: JsonBody<PreviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let start = rfc3339("start", Some(&body.start))?.ok_or_else(|| ApiError::field("start", "is required"))?;
    let calendar = match body.calendar {
        CalendarRef::Id(id) => CalendarSource::Stored(id),
        CalendarRef::Inline(c) => CalendarSource::Inline(CalendarSpec {
            time_zone: c.time_zone,
            weekly: c.weekly.into_iter().collect(),
            holidays: c.holidays,
            holiday_rules: rules(c.holiday_rules),
        }),
    };
    let input = PreviewInput {
        calendar,
        start,
        minutes: body.minutes,
    };
    let preview = cases.preview_due_date.execute(caller.0.actor(), input).await?;
    let e = preview.explanation;
    let counted = CountedRun::runs(&e);
    Ok(HttpResponse::Ok().json(PreviewResponse {
        due_at: instant(e.due_at),
        start: instant(e.start),
        minutes: body.minutes,
        counting_starts_at: instant(e.counting_starts_at),
        counted,
        holidays_in_range: e.holidays.iter().map(ToString::to_string).collect(),
        time_zone: e.time_zone.clone(),
        tzdb_version: preview.tzdb_version,
        explanation: e.summary,
    }))
}

fn policy_input(b: PolicyRequest) -> PolicyInput {
    PolicyInput {
        name: b.name,
        priorities: b.priorities,
        category: b.category,
        calendar_id: b.calendar_id,
        first_response_minutes: b.first_response_minutes,
        next_response_minutes: b.next_response_minutes,
        resolution_minutes: b.resolution_minutes,
        warning_percent: b.warning_percent,
        pause_statuses: b.pause_statuses,
    }
}

/// The SLA policies, oldest first (admins). A ticket gets the policy matching its
/// priority and category; a category match beats a priority-only one, then the oldest.
#[utoipa::path(get, path = SLA_POLICIES, context_path = API, tag = "sla", security(("bearer" = [])),
    responses((status = 200, description = "Every policy", body = PolicyList), ReadErrors))]
pub async fn list_policies(cases: web::Data<Cases>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let policies = cases.list_policies.execute(caller.0.actor()).await?;
    Ok(HttpResponse::Ok().json(PolicyList {
        items: policies.iter().map(PolicyResponse::from).collect(),
    }))
}

/// Creates an SLA policy (admins).
#[utoipa::path(post, path = SLA_POLICIES, context_path = API, tag = "sla", request_body = PolicyRequest, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = PolicyResponse), WriteErrors))]
pub async fn create_policy(
    cases: web::Data<Cases>,
    caller: Authenticated,
    body: JsonBody<PolicyRequest>,
) -> Result<HttpResponse, ApiError> {
    let saved = cases
        .create_policy
        .execute(caller.0.actor(), policy_input(body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/sla/policies/{}", saved.id)))
        .json(PolicyResponse::from(&saved)))
}

/// Changes an SLA policy (admins); the result is checked as a whole.
#[utoipa::path(patch, path = SLA_POLICIES_ID, context_path = API, tag = "sla", request_body = PolicyRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Policy id")),
    responses((status = 200, description = "Updated", body = PolicyResponse), WriteErrors))]
pub async fn update_policy(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: JsonBody<PolicyRequest>,
) -> Result<HttpResponse, ApiError> {
    let saved = cases
        .update_policy
        .execute(caller.0.actor(), *id, policy_input(body.0))
        .await?;
    Ok(HttpResponse::Ok().json(PolicyResponse::from(&saved)))
}

/// Deletes an SLA policy (admins).
#[utoipa::path(delete, path = SLA_POLICIES_ID, context_path = API, tag = "sla", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Policy id")),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_policy(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    cases.delete_policy.execute(caller.0.actor(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
