//! One module per HTTP resource. Each holds its handlers (parse, call one use case, map
//! the result), its DTOs (`dto.rs`), the paths of its routes (each written once: the
//! registration and the OpenAPI annotation use the same constant), a
//! `configure(&mut ServiceConfig)` registering them, and a `Doc` naming its operations for
//! the OpenAPI document. Resource modules do not import each other; what they share lives
//! in [`crate::extract`], [`crate::cursor`], [`crate::shared`] and [`crate::problem`].

pub mod accounts;
pub mod agents;
pub mod categories;
pub mod comments;
pub mod escalation;
pub mod notifications;
pub mod operations;
pub mod sla;
pub mod tickets;

use actix_web::http::StatusCode;
use actix_web::web;

use crate::problem::ApiError;
use crate::state::AppState;

/// The shared state, as handlers receive it.
pub type State = web::Data<AppState>;

/// Where the API lives; the resources' paths are relative to it.
pub const API: &str = "/api/v1";

/// Registers every resource inside [`API`].
pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.configure(operations::configure_api)
        .configure(accounts::configure)
        .configure(agents::configure)
        .configure(categories::configure)
        .configure(tickets::configure)
        .configure(comments::configure)
        .configure(sla::configure)
        .configure(escalation::configure)
        .configure(notifications::configure);
}

/// The resources' parts of the OpenAPI document.
pub fn documents() -> Vec<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi as _;
    vec![
        accounts::Doc::openapi(),
        agents::Doc::openapi(),
        categories::Doc::openapi(),
        tickets::Doc::openapi(),
        comments::Doc::openapi(),
        sla::Doc::openapi(),
        escalation::Doc::openapi(),
        notifications::Doc::openapi(),
        operations::Doc::openapi(),
    ]
}

/// A resource whose other methods answer 405 with an `Allow` header.
pub(crate) fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
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
