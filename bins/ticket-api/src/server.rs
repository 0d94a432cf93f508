//! The actix-web application: routes, limits, error mapping, metrics and shutdown.

use std::time::{Duration, Instant};

use actix_web::dev::Service as _;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::problem::{ApiError, path_error, query_error};
use crate::state::AppState;
use crate::{openapi, resources};

async fn route_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("route"))
}

/// Registers every route, with the body limit and problem+json error mapping.
pub fn configure(max_body_bytes: usize) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::PayloadConfig::default().limit(max_body_bytes))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(web::Data::new(openapi::document()))
            .configure(resources::operations::configure_root)
            .service(web::scope(resources::API).configure(resources::configure_api))
            .default_service(web::to(route_not_found));
    }
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    state: web::Data<AppState>,
    bind: &str,
    workers: usize,
    max_body_bytes: usize,
    shutdown_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let routes = configure(max_body_bytes);
    let mut server = HttpServer::new(move || {
        let metrics = state.metrics.clone();
        App::new()
            .app_data(state.clone())
            .wrap_fn(move |req, srv| {
                let started = Instant::now();
                // Extension methods would make the label set unbounded.
                let method = match req.method().as_str() {
                    m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_owned(),
                    _ => "OTHER".to_owned(),
                };
                let metrics = metrics.clone();
                let fut = srv.call(req);
                async move {
                    let res = fut.await?;
                    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
                    metrics.record(&method, &route, res.status().as_u16(), started.elapsed());
                    Ok(res)
                }
            })
            .configure(routes.clone())
    })
    .disable_signals()
    .shutdown_timeout(shutdown_timeout.as_secs());
    if workers > 0 {
        server = server.workers(workers);
    }
    let server = server.bind(bind)?.run();
    let handle = server.handle();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: draining in-flight requests");
        handle.stop(true).await;
    });
    server.await
}
