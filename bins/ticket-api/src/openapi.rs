//! The OpenAPI 3.1 document: the API's description, tags, problem schemas and security,
//! with each resource's operations ([`crate::resources::documents`]) merged in.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::problem::{FieldProblem, Problem};

/// The API's description, tags, problem schemas and security, without operations.
#[derive(OpenApi)]
#[openapi(
    info(title = "Ticketing API", description = "Customer-service ticketing: tickets, conversations, categories, accounts.", version = "1.0.0"),
    components(schemas(Problem, FieldProblem)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Logging in and out"),
        (name = "accounts", description = "Customer and staff accounts"),
        (name = "users", description = "People: listing, reading, roles and deactivation"),
        (name = "agents", description = "Agents as assignees: availability, capacity, skills"),
        (name = "categories", description = "Admin-defined ticket categories"),
        (name = "tickets", description = "Tickets, their status and history"),
        (name = "comments", description = "The conversation: comments, internal notes and files"),
        (name = "sla", description = "Service levels: business calendars and due instants"),
        (name = "escalation", description = "Admin-defined escalation rules"),
        (name = "notifications", description = "E-mail and SMS notifications: queued, sent, dead-lettered"),
        (name = "reports", description = "The reports a support lead reads: SLA, response times, volume, satisfaction, agents (JSON or CSV)"),
        (name = "surveys", description = "Satisfaction surveys: answering through the e-mailed link or logged in"),
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

/// The API's document: [`ApiDoc`] with every resource's operations.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in crate::resources::documents() {
        doc.merge(part);
    }
    doc
}
