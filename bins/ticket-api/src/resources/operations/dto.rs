//! The JSON bodies of the operations endpoints.

use serde::Serialize;
use utoipa::ToSchema;

/// `GET /healthz`, `GET /readyz`
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok`, or `unavailable` when a dependency is down.
    pub status: String,
}
