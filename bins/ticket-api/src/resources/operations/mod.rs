//! Operations: `/healthz`, `/readyz`, `/metrics` and `/api/v1/openapi.json`.

pub mod dto;

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use adapters_db::Database;
use utoipa::OpenApi;

use super::resource;
use crate::compose::Context;
use crate::metrics::Metrics;
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
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            db: ctx.db.clone(),
            metrics: ctx.metrics.clone(),
        }
    }
}

/// Registers the routes outside `/api/v1`: health, readiness and metrics.
pub fn configure_root(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(HEALTHZ, "GET").route(web::get().to(healthz)));
    cfg.service(resource(READYZ, "GET").route(web::get().to(readyz)));
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

/// Prometheus metrics.
#[utoipa::path(get, path = METRICS, tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(cases: web::Data<Cases>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(cases.metrics.render())
}

/// This API's OpenAPI 3.1 document.
pub async fn openapi(doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}
