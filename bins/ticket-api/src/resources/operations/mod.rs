//! Operations: `/healthz`, `/readyz`, `/metrics` and `/api/v1/openapi.json`.

pub mod dto;

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use adapters_db::Database;
use platform::Secret;
use utoipa::OpenApi;

use super::resource;
use crate::compose::Context;
use crate::metrics::Metrics;
use crate::problem::ApiError;
use dto::HealthResponse;

/// `/healthz`
pub const HEALTHZ: &str = "/healthz";
/// `/readyz`
pub const READYZ: &str = "/readyz";
/// `/metrics`
pub const METRICS: &str = "/metrics";
/// `/api/v1/openapi.json`
pub const OPENAPI_JSON: &str = "/openapi.json";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// The database `/readyz` pings.
    pub db: Arc<Database>,
    /// What `/metrics` renders.
    pub metrics: Arc<Metrics>,
    /// The bearer token `/metrics` requires (`http.metrics_token`), if any.
    pub metrics_token: Option<Secret>,
    /// `/metrics` is served on its own address (`http.metrics_bind`), not with the API.
    pub metrics_apart: bool,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        let http = &ctx.settings.http;
        Self {
            db: ctx.db.clone(),
            metrics: ctx.metrics.clone(),
            metrics_token: Some(http.metrics_token.clone()).filter(|t| !t.expose().is_empty()),
            metrics_apart: !http.metrics_bind.trim().is_empty(),
        }
    }
}

/// Registers the routes outside `/api/v1`: health, readiness and metrics (unless
/// `/metrics` has an address of its own).
pub fn configure_root(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(HEALTHZ, "GET").route(web::get().to(healthz)));
    cfg.service(resource(READYZ, "GET").route(web::get().to(readyz)));
    if !cases.metrics_apart {
        configure_metrics(cfg);
    }
}

/// Registers `/metrics` alone, for the API's listener or one of its own.
pub fn configure_metrics(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(METRICS, "GET").route(web::get().to(metrics)));
}

/// Registers the routes inside `/api/v1`: the OpenAPI document (its use cases are
/// registered with the routes outside, by [`configure_root`]).
pub fn configure(cfg: &mut web::ServiceConfig, _cases: &web::Data<Cases>) {
    cfg.service(resource(OPENAPI_JSON, "GET").route(web::get().to(openapi)));
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(healthz, readyz, metrics))]
pub struct Doc;

/// The process is up.
#[utoipa::path(get, path = HEALTHZ, tag = "operations",
    responses((status = 200, description = "Up", body = HealthResponse)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "ok".into() })
}

/// The database is reachable.
#[utoipa::path(get, path = READYZ, tag = "operations",
    responses((status = 200, description = "Ready", body = HealthResponse),
              (status = 503, description = "The database is unreachable", body = HealthResponse)))]
pub async fn readyz(cases: web::Data<Cases>) -> HttpResponse {
    match cases.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(HealthResponse { status: "ok".into() }),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(HealthResponse {
                status: "unavailable".into(),
            })
        }
    }
}

/// Prometheus metrics. With `http.metrics_token` set, only for `Authorization: Bearer`
/// with that token; with `http.metrics_bind` set, served on that address only.
#[utoipa::path(get, path = METRICS, tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
              (status = 401, description = "`http.metrics_token` is set and the request does not carry it", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn metrics(cases: web::Data<Cases>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(token) = &cases.metrics_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !same(given.trim().as_bytes(), token.expose().as_bytes()) {
            return Err(ApiError::unauthenticated("/metrics requires its bearer token"));
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(cases.metrics.render()))
}

/// Compares in time that depends on the lengths only, not on where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// This API's OpenAPI 3.1 document.
pub async fn openapi(doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}
