//! The actix-web application: routes, limits, error mapping, metrics and shutdown.

use std::time::{Duration, Instant};

use actix_web::dev::Service as _;
use actix_web::{App, HttpResponse, HttpServer, web};
use platform::settings::HttpSettings;

use crate::compose::Api;
use crate::deadline::BodyDeadline;
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

/// Serves on `http.bind` (and `/metrics` on `http.metrics_bind` when set) until
/// `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    api: Api,
    http: &HttpSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let metrics = api.metrics.clone();
    let operations = api.resources.operations.clone();
    let deadline = BodyDeadline {
        timeout: Duration::from_secs(http.body_timeout_secs),
        min_bytes_per_sec: http.body_min_bytes_per_sec,
    };
    let routes = configure(api, http.max_body_bytes);
    let mut server = HttpServer::new(move || {
        let metrics = metrics.clone();
        App::new()
            // Innermost: the body deadline applies before any extractor reads the body.
            .wrap_fn(move |mut req, srv| {
                deadline.apply(&mut req);
                srv.call(req)
            })
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
    .shutdown_timeout(http.shutdown_timeout_secs);
    if http.workers > 0 {
        server = server.workers(http.workers);
    }
    let server = server.bind(&http.bind)?.run();
    let mut handles = vec![server.handle()];
    let metrics_server = match http.metrics_bind.trim() {
        "" => None,
        bind => {
            let metrics_server = HttpServer::new(move || {
                App::new()
                    .app_data(operations.clone())
                    .configure(resources::operations::configure_metrics)
                    .default_service(web::to(route_not_found))
            })
            .disable_signals()
            .workers(1)
            .bind(bind)?
            .run();
            tracing::info!(address = %bind, "serving /metrics on its own address");
            handles.push(metrics_server.handle());
            Some(metrics_server)
        }
    };
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: draining in-flight requests");
        for handle in handles {
            handle.stop(true).await;
        }
    });
    match metrics_server {
        None => server.await,
        Some(metrics_server) => {
            let (api, metrics) = tokio::join!(server, metrics_server);
            api.and(metrics)
        }
    }
}
