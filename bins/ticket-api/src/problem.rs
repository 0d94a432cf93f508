//! Errors as RFC 9457 `application/problem+json`, mapped once from the application's
//! errors and from actix's extractor errors. Causes of 5xx go to the log, never to the
//! client.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use application::AppError;
use domain::TicketError;
use serde::Serialize;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, ToSchema};

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's name (a JSON field, query parameter or header).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
    /// The rule that refused it, when it has a stable code (a new password's policy:
    /// `empty`, `too_short`, `too_long`, `matches_email`, `too_common`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// An RFC 9457 problem document with a stable machine-readable `code`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The stable machine-readable code, such as `validation_failed`.
    pub code: String,
    /// The offending fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For `transition_not_allowed`: the statuses the ticket could move to instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_transitions: Option<Vec<String>>,
    /// For `precondition_failed`: the ticket's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

/// The error type of every handler.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    problem: Box<Problem>,
    retry_after: Option<u32>,
    authenticate: bool,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.problem.code,
            self.problem.detail
        )
    }
}

impl ApiError {
    /// The problem document it answers with.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// A problem with the given status, code and detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            problem: Box::new(Problem {
                problem_type: format!("/problems/{code}"),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: detail.into(),
                code: code.to_owned(),
                errors: Vec::new(),
                allowed_transitions: None,
                current_version: None,
            }),
            retry_after: None,
            authenticate: false,
        }
    }

    /// A 422 naming one invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("{field} {message}"),
        );
        e.problem.errors.push(FieldProblem {
            field: field.to_owned(),
            message,
            code: None,
        });
        e
    }

    /// A 400 for malformed requests that never reached a use case.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// A 401 asking for a bearer token.
    pub fn unauthenticated(detail: &str) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail);
        e.authenticate = true;
        e
    }

    /// A 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    /// A 408: the request body did not arrive within its deadline ([`crate::deadline`]).
    pub fn body_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            "the request body did not arrive in time",
        )
    }

    /// A 503 with `Retry-After`: the server is busy with other requests of this kind.
    pub fn busy(code: &str, detail: impl Into<String>, retry_after_seconds: u32) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail);
        e.retry_after = Some(retry_after_seconds);
        e
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(fields) => {
                let detail = fields
                    .iter()
                    .map(|f| format!("{} {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut api = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail);
                api.problem.errors = fields
                    .into_iter()
                    .map(|f| FieldProblem {
                        field: f.field,
                        message: f.message,
                        code: f.code.map(str::to_owned),
                    })
                    .collect();
                api
            }
            AppError::Unauthenticated => Self::unauthenticated("a valid bearer token is required"),
            AppError::InvalidCredentials => {
                let mut api = Self::new(StatusCode::UNAUTHORIZED, "invalid_credentials", e.to_string());
                api.authenticate = true;
                api
            }
            AppError::NotFound(what) => Self::not_found(what),
            AppError::Forbidden(detail) => Self::new(StatusCode::FORBIDDEN, "forbidden", detail),
            AppError::Ticket(ref t) => {
                let detail = t.to_string();
                match t {
                    TicketError::TransitionForbidden { allowed, .. } => {
                        let mut api = Self::new(StatusCode::CONFLICT, "transition_not_allowed", detail);
                        api.problem.allowed_transitions = Some(allowed.iter().map(|s| s.as_str().to_owned()).collect());
                        api
                    }
                    TicketError::ActionForbidden { .. } => Self::new(StatusCode::FORBIDDEN, "forbidden", detail),
                    TicketError::Closed => Self::new(StatusCode::CONFLICT, "ticket_closed", detail),
                    TicketError::Resolved => Self::new(StatusCode::CONFLICT, "ticket_resolved", detail),
                    TicketError::AssigneeRequired => {
                        Self::field("assignee_id", "is required to move a ticket to assigned")
                    }
                    TicketError::NotVisible => Self::not_found("ticket"),
                }
            }
            AppError::PreconditionFailed { current, .. } => {
                let mut api = Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", e.to_string());
                api.problem.current_version = Some(current.get());
                api
            }
            AppError::Conflict { code, message } => Self::new(StatusCode::CONFLICT, code, message),
            AppError::Gone { code, message } => Self::new(StatusCode::GONE, code, message),
            AppError::IdempotencyKeyReused => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                e.to_string(),
            ),
            AppError::TooManyAttempts { retry_after_seconds } => {
                let mut api = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", e.to_string());
                api.retry_after = u32::try_from(retry_after_seconds).ok();
                api
            }
            AppError::PayloadTooLarge(detail) => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", detail),
            AppError::UnsupportedMediaType(detail) => {
                Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", detail)
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(%cause, "storage unavailable");
                let mut api = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "the service is temporarily unavailable; retry shortly",
                );
                api.retry_after = Some(2);
                api
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "an unexpected error occurred; it has been logged",
                )
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.authenticate {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ticketing\""),
            ));
        }
        response.body(serde_json::to_string(&self.problem).unwrap_or_default())
    }
}

/// Maps query-string errors to 400.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::bad_request("invalid_query", err.to_string()).into()
}

/// Maps path errors (an id that is not a number) to 404: no such resource.
pub fn path_error(_: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    ApiError::not_found("resource").into()
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send the body as application/json",
    )
}

fn is_json(req: &actix_web::HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || (v.starts_with("application/") && v.ends_with("+json")))
}

/// Parses a JSON object body: syntax errors are 400, anything but an object (serde would
/// take an array positionally) or a wrong shape is 422, a non-JSON content type is 415.
pub fn parse_json_object<T: serde::de::DeserializeOwned>(
    req: &actix_web::HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    if !is_json(req) {
        return Err(unsupported_media_type());
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        // Valid JSON that is not an object, or not JSON at all: tell which.
        return Err(match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "the body must be a JSON object",
            ),
            Err(e) => ApiError::bad_request("malformed_json", e.to_string()),
        });
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", e.to_string())
        } else {
            ApiError::bad_request("malformed_json", e.to_string())
        }
    })
}

/// Like [`parse_json_object`], but an empty body means all defaults.
pub fn parse_optional_json<T: serde::de::DeserializeOwned + Default>(
    req: &actix_web::HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_json_object(req, body)
}

/// Reads a request body within the configured size limit, then parses it with `parse`.
pub(crate) fn read_and_parse<T: 'static>(
    req: &actix_web::HttpRequest,
    payload: &mut actix_web::dev::Payload,
    parse: fn(&actix_web::HttpRequest, &[u8]) -> Result<T, ApiError>,
) -> futures_util::future::LocalBoxFuture<'static, Result<T, ApiError>> {
    use actix_web::FromRequest as _;
    let req = req.clone();
    let bytes = actix_web::web::Bytes::from_request(&req, payload);
    Box::pin(async move {
        let body = bytes.await.map_err(|e| {
            if e.as_error::<actix_web::error::PayloadError>()
                .is_some_and(crate::deadline::is_timeout)
            {
                ApiError::body_timeout()
            } else if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is too large",
                )
            } else {
                ApiError::bad_request("unreadable_body", e.to_string())
            }
        })?;
        parse(&req, &body)
    })
}

/// A JSON object request body, read within the configured size limit.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let parsed = read_and_parse(req, payload, parse_json_object::<T>);
        Box::pin(async move { parsed.await.map(JsonBody) })
    }
}

/// A JSON object request body that may be left out entirely (then all defaults).
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned + Default + 'static> actix_web::FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let parsed = read_and_parse(req, payload, parse_optional_json::<T>);
        Box::pin(async move { parsed.await.map(OptionalJsonBody) })
    }
}

// The problem sets of the OpenAPI document.

fn problems(list: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    problems_as(list, false)
}

/// Problem documents, each also as a `text/html` page when `pages` (a browser following
/// a link).
fn problems_as(list: &[(u16, &str)], pages: bool) -> BTreeMap<String, RefOr<Response>> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    list.iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let mut response = ResponseBuilder::new()
                .description(*description)
                .content("application/problem+json", content);
            if pages {
                let page = ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build();
                response = response.content("text/html", page);
            }
            (status.to_string(), RefOr::T(response.build()))
        })
        .collect()
}

const BAD_REQUEST: (u16, &str) = (400, "Malformed request: JSON syntax, query string, cursor or header");
const UNAUTHORIZED: (u16, &str) = (401, "Missing, unknown, expired or revoked bearer token");
const FORBIDDEN: (u16, &str) = (403, "The caller's role may not do this");
const NOT_FOUND: (u16, &str) = (404, "No such resource, or not visible to the caller");
const CONFLICT: (u16, &str) = (
    409,
    "Conflicts with the current state (forbidden transition, closed ticket, taken name, resource in use)",
);
const GONE: (u16, &str) = (
    410,
    "The survey link expired, was superseded by a newer survey, or is spent (answered and past the edit window)",
);
const PRECONDITION: (u16, &str) = (412, "If-Match names a version that is no longer current");
const TOO_LARGE: (u16, &str) = (413, "The request body, or a file in it, is too large");
const MEDIA_TYPE: (u16, &str) = (
    415,
    "The body's content type is not accepted, or an uploaded file's type is not allowed",
);
const UNPROCESSABLE: (u16, &str) = (422, "Invalid fields; `errors` lists each");
const UNAVAILABLE: (u16, &str) = (503, "The database or the file store is unreachable; retry later");
const TOO_MANY: (u16, &str) = (
    429,
    "Too many attempts from this client or on this account; see Retry-After",
);

/// The problems a read may answer.
pub struct ReadErrors;

impl IntoResponses for ReadErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            FORBIDDEN,
            NOT_FOUND,
            UNPROCESSABLE,
            UNAVAILABLE,
        ])
    }
}

/// The problems a write may answer.
pub struct WriteErrors;

impl IntoResponses for WriteErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            FORBIDDEN,
            NOT_FOUND,
            CONFLICT,
            PRECONDITION,
            TOO_LARGE,
            MEDIA_TYPE,
            UNPROCESSABLE,
            UNAVAILABLE,
        ])
    }
}

/// The problems creating a customer may answer: a write's, and 429 when anonymous
/// sign-ups from one client address exceed their limit.
pub struct SignUpErrors;

impl IntoResponses for SignUpErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            FORBIDDEN,
            CONFLICT,
            TOO_LARGE,
            MEDIA_TYPE,
            UNPROCESSABLE,
            TOO_MANY,
            UNAVAILABLE,
        ])
    }
}

/// The problems of a survey link (`/surveys/{token}`), as problem documents (a browser
/// asking for `text/html` gets the same status with a page).
pub struct SurveyErrors;

impl IntoResponses for SurveyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems_as(
            &[
                BAD_REQUEST,
                NOT_FOUND,
                CONFLICT,
                GONE,
                TOO_LARGE,
                MEDIA_TYPE,
                UNPROCESSABLE,
                UNAVAILABLE,
            ],
            true,
        )
    }
}

/// The problems of a logged-in survey answer (`/tickets/{id}/satisfaction`).
pub struct SatisfactionErrors;

impl IntoResponses for SatisfactionErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            FORBIDDEN,
            NOT_FOUND,
            CONFLICT,
            GONE,
            TOO_LARGE,
            MEDIA_TYPE,
            UNPROCESSABLE,
            UNAVAILABLE,
        ])
    }
}

/// The problems a login may answer.
pub struct AuthErrors;

impl IntoResponses for AuthErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            TOO_LARGE,
            MEDIA_TYPE,
            UNPROCESSABLE,
            TOO_MANY,
            UNAVAILABLE,
        ])
    }
}
