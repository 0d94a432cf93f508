//! The actix-web application: routes, limits, error mapping, metrics and shutdown.

use std::time::{Duration, Instant};

use actix_web::dev::Service as _;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::compose::Api;
use crate::problem::{ApiError, path_error, query_error};
use crate::resources;

async fn route_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("route"))
}

/// Registers every route with its resource's use cases, the extractors' state, the body
/// limit and problem+json error mapping.
pub fn configure(api: Api, max_body_bytes: usize) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::PayloadConfig::default().limit(max_body_bytes))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(api.edge.clone())
            .app_data(api.openapi.clone())
            .configure(|cfg| resources::operations::configure_root(cfg, &api.resources.operations))
            .service(web::scope(resources::API).configure(|cfg| api.resources.configure_api(cfg)))
            .default_service(web::to(route_not_found));
    }
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    api: Api,
    bind: &str,
    workers: usize,
    max_body_bytes: usize,
    shutdown_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let metrics = api.metrics.clone();
    let routes = configure(api, max_body_bytes);
    let mut server = HttpServer::new(move || {
        let metrics = metrics.clone();
        App::new()
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
