//! The actix-web application: routes, limits, error mapping, metrics and shutdown.

use std::time::{Duration, Instant};

use actix_web::dev::Service as _;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::handlers::{accounts, agents, auth, categories, comments, escalation, notifications, ops, sla, tickets};
use crate::problem::{ApiError, path_error, query_error};
use crate::state::AppState;

async fn route_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("route"))
}

/// A resource whose other methods answer 405 with an `Allow` header.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        let error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("this resource allows {allow}"),
        );
        let mut response = actix_web::ResponseError::error_response(&error);
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow) {
            response.headers_mut().insert(actix_web::http::header::ALLOW, value);
        }
        response
    }))
}

/// Registers every route, with the body limit and problem+json error mapping.
pub fn configure(max_body_bytes: usize) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::PayloadConfig::default().limit(max_body_bytes))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .service(resource("/healthz", "GET").route(web::get().to(ops::healthz)))
            .service(resource("/readyz", "GET").route(web::get().to(ops::readyz)))
            .service(resource("/metrics", "GET").route(web::get().to(ops::metrics)))
            .service(
                web::scope("/api/v1")
                    .service(resource("/openapi.json", "GET").route(web::get().to(ops::openapi)))
                    .service(resource("/auth/login", "POST").route(web::post().to(auth::login)))
                    .service(resource("/auth/logout", "POST").route(web::post().to(auth::logout)))
                    .service(resource("/me", "GET").route(web::get().to(auth::me)))
                    .service(
                        resource("/me/contact", "GET, PUT")
                            .route(web::get().to(notifications::contact))
                            .route(web::put().to(notifications::set_contact)),
                    )
                    .service(resource("/customers", "POST").route(web::post().to(accounts::create_customer)))
                    .service(resource("/agents", "POST").route(web::post().to(accounts::create_agent)))
                    .service(resource("/agents/me/availability", "PUT").route(web::put().to(agents::set_availability)))
                    .service(resource("/agents/workload", "GET").route(web::get().to(agents::workload)))
                    .service(
                        resource("/agents/{id}", "GET, PATCH")
                            .route(web::get().to(agents::get))
                            .route(web::patch().to(agents::update)),
                    )
                    .service(
                        resource("/categories", "GET, POST")
                            .route(web::get().to(categories::list))
                            .route(web::post().to(categories::create)),
                    )
                    .service(
                        resource("/categories/{slug}", "PATCH, DELETE")
                            .route(web::patch().to(categories::update))
                            .route(web::delete().to(categories::delete)),
                    )
                    .service(
                        resource("/tickets", "GET, POST")
                            .route(web::get().to(tickets::list))
                            .route(web::post().to(tickets::create)),
                    )
                    .service(
                        resource("/tickets/{id}", "GET, PATCH")
                            .route(web::get().to(tickets::get))
                            .route(web::patch().to(tickets::update)),
                    )
                    .service(resource("/tickets/{id}/transitions", "POST").route(web::post().to(tickets::transition)))
                    .service(resource("/tickets/{id}/close", "POST").route(web::post().to(tickets::close)))
                    .service(resource("/tickets/{id}/assignments", "GET").route(web::get().to(tickets::assignments)))
                    .service(
                        resource("/tickets/{id}/escalations", "GET, POST")
                            .route(web::get().to(tickets::escalations))
                            .route(web::post().to(tickets::escalate)),
                    )
                    .service(
                        resource("/tickets/{id}/assignment", "POST, DELETE")
                            .route(web::post().to(tickets::assign))
                            .route(web::delete().to(tickets::unassign)),
                    )
                    .service(resource("/tickets/{id}/history", "GET").route(web::get().to(tickets::history)))
                    .service(resource("/tickets/{id}/sla", "GET").route(web::get().to(tickets::sla)))
                    .service(
                        resource("/tickets/{id}/comments", "GET, POST")
                            .route(web::get().to(comments::list))
                            .route(web::post().to(comments::add)),
                    )
                    .service(
                        resource("/tickets/{id}/attachments", "GET, POST")
                            .route(web::get().to(comments::list_attachments))
                            .route(web::post().to(comments::upload)),
                    )
                    .service(resource("/attachments/{id}", "GET").route(web::get().to(comments::download)))
                    .service(resource("/sla/preview", "POST").route(web::post().to(sla::preview)))
                    .service(
                        resource("/sla/calendars", "GET, POST")
                            .route(web::get().to(sla::list_calendars))
                            .route(web::post().to(sla::create_calendar)),
                    )
                    .service(
                        resource("/sla/calendars/{id}", "PATCH, DELETE")
                            .route(web::patch().to(sla::update_calendar))
                            .route(web::delete().to(sla::delete_calendar)),
                    )
                    .service(
                        resource("/sla/policies", "GET, POST")
                            .route(web::get().to(sla::list_policies))
                            .route(web::post().to(sla::create_policy)),
                    )
                    .service(
                        resource("/sla/policies/{id}", "PATCH, DELETE")
                            .route(web::patch().to(sla::update_policy))
                            .route(web::delete().to(sla::delete_policy)),
                    )
                    .service(
                        resource("/escalation-rules", "GET, POST")
                            .route(web::get().to(escalation::list))
                            .route(web::post().to(escalation::create)),
                    )
                    .service(
                        resource("/escalation-rules/{id}", "PATCH, DELETE")
                            .route(web::patch().to(escalation::update))
                            .route(web::delete().to(escalation::delete)),
                    )
                    .service(resource("/notifications", "GET").route(web::get().to(notifications::list)))
                    .service(resource("/notifications/{id}/retry", "POST").route(web::post().to(notifications::retry))),
            )
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
