//! One module per HTTP resource. Each holds its handlers (parse, call one use case, map
//! the result), its DTOs (`dto.rs`), the paths of its routes (each written once: the
//! registration and the OpenAPI annotation use the same constant), its use cases (a
//! `Cases` struct built once from the shared [`Context`] by `Cases::new`), a
//! `configure(&mut ServiceConfig, &web::Data<Cases>)` registering its routes and its
//! `Cases` (which its handlers take as `web::Data<Cases>`), and a `Doc` naming its
//! operations for the OpenAPI document. Resource modules do not import each other; what they share lives
//! in [`crate::extract`], [`crate::cursor`], [`crate::shared`] and [`crate::problem`].

use actix_web::http::StatusCode;
use actix_web::web;

use crate::compose::Context;
use crate::problem::ApiError;

/// Where the API lives; the resources' paths are relative to it.
pub const API: &str = "/api/v1";

/// Declares the resource modules once: their modules, their use cases (built once, shared
/// by every HTTP worker thread), their registration inside [`API`] (in this order) and
/// their parts of the OpenAPI document.
macro_rules! resources {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Each resource's use cases, built once from the shared context.
        #[derive(Clone)]
        pub struct Resources {
            $(
                #[doc = concat!("The use cases of [`", stringify!($module), "`].")]
                pub $module: web::Data<$module::Cases>,
            )*
        }

        impl Resources {
            /// Builds every resource's use cases from `ctx`.
            pub fn new(ctx: &Context) -> Self {
                Self {
                    $($module: web::Data::new($module::Cases::new(ctx)),)*
                }
            }

            /// Registers every resource, with its use cases, inside [`API`].
            pub fn configure_api(&self, cfg: &mut web::ServiceConfig) {
                $($module::configure(cfg, &self.$module);)*
            }
        }

        /// The resources' parts of the OpenAPI document.
        pub fn documents() -> Vec<utoipa::openapi::OpenApi> {
            use utoipa::OpenApi as _;
            vec![$($module::Doc::openapi()),*]
        }
    };
}

// A new resource is its module plus its name here.
resources!(
    operations,
    accounts,
    users,
    agents,
    categories,
    tickets,
    comments,
    sla,
    escalation,
    notifications,
    reports,
    surveys,
);

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
