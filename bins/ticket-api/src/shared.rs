//! What several resources share at the edge: instants in and out, comma-separated
//! lists, and the representation of an SLA target.

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
