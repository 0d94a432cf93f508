//! The reports a support lead reads (issue 16), for supervisors and admins: JSON by
//! default, CSV (RFC 4180, `text/csv; charset=utf-8`) with `Accept: text/csv`, the same
//! rows in both.

pub mod csv;
pub mod dto;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use application::reports::{ReportParams, Reports};
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::Authenticated;
use crate::problem::{ApiError, ReadErrors};
use dto::{
    AgentsResponse, CsatResponse, ReportMeta, ReportQuery, ResponseTimesResponse, Row, SlaResponse, VolumeResponse,
};

/// `/api/v1/reports/sla`
pub const REPORTS_SLA: &str = "/reports/sla";
/// `/api/v1/reports/response-times`
pub const REPORTS_RESPONSE_TIMES: &str = "/reports/response-times";
/// `/api/v1/reports/volume`
pub const REPORTS_VOLUME: &str = "/reports/volume";
/// `/api/v1/reports/csat`
pub const REPORTS_CSAT: &str = "/reports/csat";
/// `/api/v1/reports/agents`
pub const REPORTS_AGENTS: &str = "/reports/agents";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// The five reports.
    pub reports: Reports,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            reports: Reports::new(ctx.db.clone(), ctx.calendars.clone(), ctx.clock.clone()),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(REPORTS_SLA, "GET").route(web::get().to(sla)));
    cfg.service(resource(REPORTS_RESPONSE_TIMES, "GET").route(web::get().to(response_times)));
    cfg.service(resource(REPORTS_VOLUME, "GET").route(web::get().to(volume)));
    cfg.service(resource(REPORTS_CSAT, "GET").route(web::get().to(csat)));
    cfg.service(resource(REPORTS_AGENTS, "GET").route(web::get().to(agents)));
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(sla, response_times, volume, csat, agents))]
pub struct Doc;

/// Does the caller ask for CSV? The first of `text/csv`, `application/json`, `*/*` (or
/// `text/*`) named with a non-zero quality in `Accept` decides; JSON otherwise.
fn wants_csv(req: &HttpRequest) -> bool {
    let Some(accept) = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut best: Option<(f32, bool)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let csv = match media.as_str() {
            "text/csv" => true,
            "application/json" | "*/*" | "application/*" => false,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, csv));
        }
    }
    best.is_some_and(|(_, csv)| csv)
}

fn answer<R: Row, B: serde::Serialize>(req: &HttpRequest, rows: Vec<R>, body: impl FnOnce(Vec<R>) -> B) -> HttpResponse {
    if wants_csv(req) {
        HttpResponse::Ok()
            .content_type(csv::TEXT_CSV)
            .body(csv::write(&rows))
    } else {
        HttpResponse::Ok().json(body(rows))
    }
}

/// SLA compliance per target (first response, next response, resolution): met, breached
/// and compliance %. A target counts on the local day its outcome was decided: met in
/// time on the day it was met, breached on the day of the breach (the due instant; a
/// target met late counts as breached only); running and paused targets not at all.
/// `group_by`: `policy`, `category`, `priority` (the ticket's now) or `agent` (the
/// assignee at that instant). Tickets without a policy have no targets.
#[utoipa::path(get, path = REPORTS_SLA, context_path = API, tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report; CSV columns are the rows' fields, in order",
        content((SlaResponse = "application/json"), (String = "text/csv"))), ReadErrors))]
pub async fn sla(
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = ReportParams::from(query.into_inner());
    let report = cases.reports.sla(caller.0.actor(), &params).await?;
    Ok(answer(&req, dto::sla_rows(&report), |rows| SlaResponse {
        meta: ReportMeta::of("sla", &report.scope),
        rows,
    }))
}

/// First response and resolution times: count, median and p90 in wall-clock minutes from
/// creation and in business minutes on the ticket's calendar (the consumed time of its
/// met SLA target; tickets without a policy or target count in wall-clock only). A first
/// response counts on the local day it was given; a resolution on the day of the ticket's
/// last move into `resolved` (or `closed`, for a ticket closed unresolved). `group_by`:
/// `category`, `priority` (now) or `agent` (the assignee at that instant).
#[utoipa::path(get, path = REPORTS_RESPONSE_TIMES, context_path = API, tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report; CSV columns are the rows' fields, in order",
        content((ResponseTimesResponse = "application/json"), (String = "text/csv"))), ReadErrors))]
pub async fn response_times(
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = ReportParams::from(query.into_inner());
    let report = cases.reports.response_times(caller.0.actor(), &params).await?;
    Ok(answer(&req, dto::response_time_rows(&report), |rows| ResponseTimesResponse {
        meta: ReportMeta::of("response-times", &report.scope),
        rows,
    }))
}

/// Per local day: tickets created, moves into `resolved` and `closed`, reopens (a
/// `resolved` ticket back to work), each on the day it happened; and the backlog at the
/// day's end — tickets created before it and not closed by then — by the status they had
/// then and by age (24-hour days since creation). Takes no `group_by`.
#[utoipa::path(get, path = REPORTS_VOLUME, context_path = API, tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report, a row per local day; CSV columns are the rows' fields",
        content((VolumeResponse = "application/json"), (String = "text/csv"))), ReadErrors))]
pub async fn volume(
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = ReportParams::from(query.into_inner());
    let report = cases.reports.volume(caller.0.actor(), &params).await?;
    Ok(answer(&req, dto::volume_rows(&report), |rows| VolumeResponse {
        meta: ReportMeta::of("volume", &report.scope),
        rows,
    }))
}

/// Satisfaction: responses, CSAT % (ratings 4–5) and the average rating. An answer counts
/// on the local day it was first given, with its current rating. `group_by`: `agent` (the
/// assignee when the survey was sent), `category` or `period` (a row per local day). The
/// JSON also lists the ratings of 1–2 with their comments and ticket numbers (not in the
/// CSV).
#[utoipa::path(get, path = REPORTS_CSAT, context_path = API, tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report; CSV columns are the rows' fields, in order",
        content((CsatResponse = "application/json"), (String = "text/csv"))), ReadErrors))]
pub async fn csat(
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = ReportParams::from(query.into_inner());
    let report = cases.reports.csat(caller.0.actor(), &params).await?;
    Ok(answer(&req, dto::csat_rows(&report), |rows| CsatResponse {
        meta: ReportMeta::of("csat", &report.scope),
        rows,
        low_ratings: dto::low_ratings(&report),
    }))
}

/// Per agent (every active staff member, and anyone else with figures): tickets handled
/// (distinct tickets that entered `resolved` or `closed` with them as assignee, on that
/// day), of those reopened in the period and the reopen rate, first response and
/// resolution medians (as `response-times`, by the assignee at that instant), CSAT (as
/// `csat`) and their open tickets now. Takes no `group_by`.
#[utoipa::path(get, path = REPORTS_AGENTS, context_path = API, tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, description = "The report, a row per agent; CSV columns are the rows' fields",
        content((AgentsResponse = "application/json"), (String = "text/csv"))), ReadErrors))]
pub async fn agents(
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = ReportParams::from(query.into_inner());
    let report = cases.reports.agents(caller.0.actor(), &params).await?;
    Ok(answer(&req, dto::agent_rows(&report), |rows| AgentsResponse {
        meta: ReportMeta::of("agents", &report.scope),
        rows,
    }))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::wants_csv;

    #[test]
    fn accept_picks_csv_only_when_preferred() {
        let csv = |accept: Option<&str>| {
            let mut req = TestRequest::default();
            if let Some(a) = accept {
                req = req.insert_header(("Accept", a));
            }
            wants_csv(&req.to_http_request())
        };
        assert!(!csv(None));
        assert!(csv(Some("text/csv")));
        assert!(csv(Some("text/csv; charset=utf-8")));
        assert!(!csv(Some("application/json")));
        assert!(!csv(Some("*/*")));
        assert!(csv(Some("application/json;q=0.5, text/csv")));
        assert!(!csv(Some("text/csv;q=0, application/json")));
        assert!(!csv(Some("text/html")));
    }
}
