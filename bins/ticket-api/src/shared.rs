//! What several resources share at the edge: instants in and out, comma-separated
//! lists, the representation of an SLA target and of a survey answer, and the no-script
//! HTML pages of e-mailed links (with the JSON-or-form bodies they post).

use application::sla::TargetView;
use domain::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;

/// RFC 3339 in UTC, as every instant in the API.
pub fn instant(t: Timestamp) -> String {
    t.to_string()
}

/// One SLA target of a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaTargetResponse {
    /// `first_response`, `next_response` or `resolution`.
    pub kind: String,
    /// `active`, `at_risk`, `breached`, `met` or `paused`, at the time of the response.
    pub status: String,
    /// When its clock first started.
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it falls due; `null` while paused or once met.
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    /// Its length in business minutes.
    pub target_minutes: i64,
    /// Business seconds consumed.
    pub consumed_seconds: i64,
    /// Business seconds left; negative once overdue.
    pub remaining_seconds: i64,
    /// When it became at risk, once recorded.
    #[schema(format = DateTime)]
    pub warned_at: Option<String>,
    /// When it was breached (its due instant), once recorded.
    #[schema(format = DateTime)]
    pub breached_at: Option<String>,
    /// When it was met (a target met late stays `breached`).
    #[schema(format = DateTime)]
    pub met_at: Option<String>,
}

impl From<&TargetView> for SlaTargetResponse {
    fn from(t: &TargetView) -> Self {
        Self {
            kind: t.kind.as_str().to_owned(),
            status: t.status.as_str().to_owned(),
            started_at: instant(t.started_at),
            due_at: t.due_at.map(instant),
            target_minutes: t.target_seconds / 60,
            consumed_seconds: t.consumed_seconds,
            remaining_seconds: t.remaining_seconds,
            warned_at: t.warned_at.map(instant),
            breached_at: t.breached_at.map(instant),
            met_at: t.met_at.map(instant),
        }
    }
}

/// The items of a comma-separated list, trimmed, without empty ones.
pub fn list_of(raw: Option<&str>) -> Vec<String> {
    raw.map(|s| {
        s.split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// An RFC 3339 instant of the query field `field`; 422 naming the field otherwise.
pub fn rfc3339(field: &str, raw: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    raw.map(|s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Timestamp::from_unix_micros(t.timestamp_micros()))
            .map_err(|_| ApiError::field(field, "must be an RFC 3339 instant such as 2026-11-27T09:00:00Z"))
    })
    .transpose()
}

/// A customer's answer to a ticket's satisfaction survey (the latest round).
#[derive(Debug, Serialize, ToSchema)]
pub struct SatisfactionAnswer {
    /// The survey round answered (1 for the ticket's first invitation).
    pub round: u32,
    /// 1 (very unhappy) to 5 (very happy).
    pub rating: u8,
    /// The customer's comment, if any.
    pub comment: Option<String>,
    /// When it was first given (the edit window counts from here).
    #[schema(format = DateTime)]
    pub answered_at: String,
    /// When it was last given or changed.
    #[schema(format = DateTime)]
    pub changed_at: String,
}

impl SatisfactionAnswer {
    /// The answer of `round`.
    pub fn of(round: domain::survey::SurveyRound, answer: &domain::survey::Answer) -> Self {
        Self {
            round: round.get(),
            rating: answer.rating.get(),
            comment: answer.comment.as_ref().map(|c| c.as_str().to_owned()),
            answered_at: instant(answer.answered_at),
            changed_at: instant(answer.changed_at),
        }
    }
}

/// A minimal page with `status`: no script, no inline style, its own strict
/// Content-Security-Policy, never cached, and no `Referer` leaking a token in its URL.
pub fn html_page(status: actix_web::http::StatusCode, title: &str, body: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
        ))
}

/// Text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A body sent as JSON, or as the urlencoded form of one of the no-script pages; true
/// when it was the form (the answer is then a page). A form that does not parse is
/// answered with `missing`.
pub fn json_or_form<T: serde::de::DeserializeOwned>(
    req: &actix_web::HttpRequest,
    body: &actix_web::web::Bytes,
    missing: impl FnOnce() -> ApiError,
) -> Result<(T, bool), ApiError> {
    if is_form(req) {
        let parsed = actix_web::web::Query::<T>::from_query(std::str::from_utf8(body).unwrap_or_default())
            .map_err(|_| missing())?
            .into_inner();
        Ok((parsed, true))
    } else {
        Ok((crate::problem::parse_json_object::<T>(req, body)?, false))
    }
}

/// Whether the body is an HTML form's (`application/x-www-form-urlencoded`).
pub fn is_form(req: &actix_web::HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}
