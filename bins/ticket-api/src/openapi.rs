//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use std::collections::BTreeMap;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::handlers::{accounts, agents, auth, categories, comments, escalation, notifications, ops, sla, tickets};
use crate::problem::{FieldProblem, Problem};

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Ticketing API", description = "Customer-service ticketing: tickets, conversations, categories, accounts.", version = "1.0.0"),
    paths(
        auth::login, auth::logout, auth::me,
        accounts::create_customer, accounts::create_agent,
        agents::get, agents::set_availability, agents::update, agents::workload,
        categories::list, categories::create, categories::update, categories::delete,
        tickets::create, tickets::list, tickets::get, tickets::update, tickets::transition, tickets::close, tickets::history,
        tickets::sla, tickets::assign, tickets::unassign, tickets::assignments, tickets::escalate, tickets::escalations,
        comments::list, comments::add, comments::upload, comments::list_attachments, comments::download,
        sla::preview, sla::list_calendars, sla::create_calendar, sla::update_calendar, sla::delete_calendar,
        sla::list_policies, sla::create_policy, sla::update_policy, sla::delete_policy,
        escalation::list, escalation::create, escalation::update, escalation::delete,
        notifications::list, notifications::retry, notifications::contact, notifications::set_contact,
        ops::healthz, ops::readyz, ops::metrics,
    ),
    components(schemas(Problem, FieldProblem)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Logging in and out"),
        (name = "accounts", description = "Customer and staff accounts"),
        (name = "agents", description = "Agents as assignees: availability, capacity, skills"),
        (name = "categories", description = "Admin-defined ticket categories"),
        (name = "tickets", description = "Tickets, their status and history"),
        (name = "comments", description = "The conversation: comments, internal notes and files"),
        (name = "sla", description = "Service levels: business calendars and due instants"),
        (name = "escalation", description = "Admin-defined escalation rules"),
        (name = "notifications", description = "E-mail and SMS notifications: queued, sent, dead-lettered"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
    }
}

fn problems(list: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(*description)
                .content("application/problem+json", content)
                .build();
            (status.to_string(), RefOr::T(response))
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
const PRECONDITION: (u16, &str) = (412, "If-Match names a version that is no longer current");
const TOO_LARGE: (u16, &str) = (413, "The request body, or a file in it, is too large");
const MEDIA_TYPE: (u16, &str) = (
    415,
    "The body's content type is not accepted, or an uploaded file's type is not allowed",
);
const UNPROCESSABLE: (u16, &str) = (422, "Invalid fields; `errors` lists each");
const UNAVAILABLE: (u16, &str) = (503, "The database or the file store is unreachable; retry later");
const TOO_MANY: (u16, &str) = (429, "Too many failed logins for this account; see Retry-After");

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
