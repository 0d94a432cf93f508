//! Tickets: opening, reading, listing, editing, moving, assigning and escalating them,
//! and their history and records.

pub mod dto;

use actix_web::{HttpRequest, HttpResponse, web};
use application::tickets::{
    AssignInput, ChangeStatusInput, CreateTicketInput, TicketListInput, TicketView, UpdateTicketInput,
};
use utoipa::OpenApi;

use super::{API, State, resource};
use crate::cursor;
use crate::extract::{Authenticated, etag, idempotency_key, if_match};
use crate::problem::{ApiError, JsonBody, OptionalJsonBody, ReadErrors, WriteErrors};
use crate::shared::{list_of, rfc3339};
use dto::{
    AssignRequest, AssignmentRecordResponse, CloseRequest, CreateTicketRequest, EscalateRequest,
    EscalationRecordResponse, HistoryEntryResponse, HistoryPage, HistoryQuery, TicketListQuery, TicketPage,
    TicketResponse, TransitionRequest, UnassignRequest, UpdateTicketRequest,
};

/// `/api/v1/tickets`
pub const TICKETS: &str = "/tickets";
/// `/api/v1/tickets/{id}`
pub const TICKETS_ID: &str = "/tickets/{id}";
/// `/api/v1/tickets/{id}/transitions`
pub const TICKETS_ID_TRANSITIONS: &str = "/tickets/{id}/transitions";
/// `/api/v1/tickets/{id}/close`
pub const TICKETS_ID_CLOSE: &str = "/tickets/{id}/close";
/// `/api/v1/tickets/{id}/assignments`
pub const TICKETS_ID_ASSIGNMENTS: &str = "/tickets/{id}/assignments";
/// `/api/v1/tickets/{id}/escalations`
pub const TICKETS_ID_ESCALATIONS: &str = "/tickets/{id}/escalations";
/// `/api/v1/tickets/{id}/assignment`
pub const TICKETS_ID_ASSIGNMENT: &str = "/tickets/{id}/assignment";
/// `/api/v1/tickets/{id}/history`
pub const TICKETS_ID_HISTORY: &str = "/tickets/{id}/history";

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource(TICKETS, "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    );
    cfg.service(
        resource(TICKETS_ID, "GET, PATCH")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
    cfg.service(resource(TICKETS_ID_TRANSITIONS, "POST").route(web::post().to(transition)));
    cfg.service(resource(TICKETS_ID_CLOSE, "POST").route(web::post().to(close)));
    cfg.service(resource(TICKETS_ID_ASSIGNMENTS, "GET").route(web::get().to(assignments)));
    cfg.service(
        resource(TICKETS_ID_ESCALATIONS, "GET, POST")
            .route(web::get().to(escalations))
            .route(web::post().to(escalate)),
    );
    cfg.service(
        resource(TICKETS_ID_ASSIGNMENT, "POST, DELETE")
            .route(web::post().to(assign))
            .route(web::delete().to(unassign)),
    );
    cfg.service(resource(TICKETS_ID_HISTORY, "GET").route(web::get().to(history)));
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(
    create,
    list,
    get,
    update,
    transition,
    close,
    assign,
    unassign,
    assignments,
    escalate,
    escalations,
    history
))]
pub struct Doc;

/// The ticket as the caller sees it, with its `ETag`.
fn ticket_response(mut builder: actix_web::HttpResponseBuilder, view: &TicketView) -> HttpResponse {
    builder
        .insert_header(("ETag", etag(view.ticket.version().get())))
        .json(TicketResponse::from(view))
}

/// Opens a ticket. Customers open tickets for themselves; staff name the customer.
/// A retry with the same `Idempotency-Key` returns the ticket the first request opened.
#[utoipa::path(post, path = TICKETS, context_path = API, tag = "tickets", request_body = CreateTicketRequest, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key returns the same ticket")),
    responses((status = 201, description = "Opened (or replayed)", body = TicketResponse,
        headers(("Location" = String, description = "The ticket's URL"), ("ETag" = String, description = "The ticket's version"))),
        WriteErrors))]
pub async fn create(
    state: State,
    req: HttpRequest,
    caller: Authenticated,
    body: JsonBody<CreateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let actor = caller.0.actor();
    let input = CreateTicketInput {
        subject: body.subject,
        description: body.description,
        priority: body.priority,
        category: body.category,
        tags: body.tags.unwrap_or_default(),
        customer_id: body.customer_id,
        idempotency_key: idempotency_key(&req)?,
    };
    let created = state.create_ticket.execute(actor, input).await?;
    let mut builder = HttpResponse::Created();
    builder.insert_header(("Location", format!("/api/v1/tickets/{}", created.ticket.ticket.id())));
    if created.replayed {
        builder.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(ticket_response(builder, &created.ticket))
}

/// Lists the tickets the caller may see, filtered, sorted and paged.
#[utoipa::path(get, path = TICKETS, context_path = API, tag = "tickets", params(TicketListQuery), security(("bearer" = [])),
    responses((status = 200, description = "One page", body = TicketPage), ReadErrors))]
pub async fn list(
    state: State,
    caller: Authenticated,
    query: web::Query<TicketListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let actor = caller.0.actor();
    let input = TicketListInput {
        statuses: list_of(q.status.as_deref()),
        priorities: list_of(q.priority.as_deref()),
        category: q.category,
        assignee_id: q.assignee_id,
        customer_id: q.customer_id,
        tag: q.tag,
        created_after: rfc3339("created_after", q.created_after.as_deref())?,
        created_before: rfc3339("created_before", q.created_before.as_deref())?,
        q: q.q,
        sla_status: q.sla_status,
        due_before: rfc3339("due_before", q.due_before.as_deref())?,
        sort: q.sort,
        limit: q.limit,
        cursor: q.cursor.as_deref().map(cursor::decode_ticket).transpose()?,
    };
    let page = state.search_tickets.execute(actor, input).await?;
    Ok(HttpResponse::Ok().json(TicketPage {
        items: page.items.iter().map(TicketResponse::from).collect(),
        next_cursor: page.next.as_ref().map(cursor::encode_ticket),
    }))
}

/// Reads a ticket by id (`123`) or number (`TKT-000123`).
#[utoipa::path(get, path = TICKETS_ID, context_path = API, tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1")),
    responses((status = 200, description = "The ticket", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's version"))), ReadErrors))]
pub async fn get(state: State, caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let actor = caller.0.actor();
    let ticket = state.get_ticket.execute(actor, &id).await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// Edits fields. With `If-Match`, a stale version answers 412.
#[utoipa::path(patch, path = TICKETS_ID, context_path = API, tag = "tickets", request_body = UpdateTicketRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "Updated", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's new version"))), WriteErrors))]
pub async fn update(
    state: State,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<UpdateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let actor = caller.0.actor();
    let input = UpdateTicketInput {
        subject: body.subject,
        description: body.description,
        priority: body.priority,
        category: body.category,
        tags: body.tags,
    };
    let ticket = state.update_ticket.execute(actor, &id, input, if_match(&req)?).await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// Moves the ticket to another status. A move the state machine forbids answers 409
/// with the allowed targets.
#[utoipa::path(post, path = TICKETS_ID_TRANSITIONS, context_path = API, tag = "tickets", request_body = TransitionRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "Moved", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's new version"))), WriteErrors))]
pub async fn transition(
    state: State,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let actor = caller.0.actor();
    let input = ChangeStatusInput {
        to: body.to,
        assignee_id: body.assignee_id,
        reason: body.reason,
    };
    let ticket = state.change_status.execute(actor, &id, input, if_match(&req)?).await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// Closes the ticket. Customers may close their own.
#[utoipa::path(post, path = TICKETS_ID_CLOSE, context_path = API, tag = "tickets", request_body(content = Option<CloseRequest>), security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "Closed", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's new version"))), WriteErrors))]
pub async fn close(
    state: State,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    body: OptionalJsonBody<CloseRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let actor = caller.0.actor();
    let ticket = state
        .close_ticket
        .execute(actor, &id, body.reason, if_match(&req)?)
        .await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// Gives the ticket to an agent (staff): a `new` ticket moves to `assigned`; one that has an
/// agent is transferred and keeps its status. The reason goes into the history. An offline
/// agent (`agent_unavailable`) or one at capacity (`agent_at_capacity`) is refused with 409
/// unless an admin or supervisor sends `force: true`; agents taking a ticket themselves are
/// checked for capacity only.
#[utoipa::path(post, path = TICKETS_ID_ASSIGNMENT, context_path = API, tag = "tickets", request_body = AssignRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "Assigned", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's new version"))), WriteErrors))]
pub async fn assign(
    state: State,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let actor = caller.0.actor();
    let input = AssignInput {
        agent_id: body.agent_id,
        reason: body.reason,
        force: body.force.unwrap_or(false),
    };
    let ticket = state.assign_ticket.execute(actor, &id, input, if_match(&req)?).await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// Sends the ticket back to the queue (staff): no agent, status `new`. From `assigned`,
/// `in_progress` or `waiting_customer`; otherwise 409.
#[utoipa::path(delete, path = TICKETS_ID_ASSIGNMENT, context_path = API, tag = "tickets", request_body(content = Option<UnassignRequest>), security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "Back in the queue", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's new version"))), WriteErrors))]
pub async fn unassign(
    state: State,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    body: OptionalJsonBody<UnassignRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = caller.0.actor();
    let ticket = state
        .unassign_ticket
        .execute(actor, &id, body.0.reason, if_match(&req)?)
        .await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// A ticket's assignment record, oldest first (staff): every assignment, transfer and
/// unassignment, by whom (none when automatic) and why.
#[utoipa::path(get, path = TICKETS_ID_ASSIGNMENTS, context_path = API, tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1")),
    responses((status = 200, description = "The record", body = Vec<AssignmentRecordResponse>), ReadErrors))]
pub async fn assignments(state: State, caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let records = state.ticket_assignments.execute(caller.0.actor(), &id).await?;
    let body: Vec<AssignmentRecordResponse> = records.iter().map(AssignmentRecordResponse::from).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// Escalates the ticket (staff): its escalation level goes up by one, its priority
/// optionally up (`one_level` or to a level), and it optionally goes to another agent
/// (checked as an assignment: 409 `agent_unavailable` / `agent_at_capacity`). A resolved or
/// closed ticket cannot be escalated (409).
#[utoipa::path(post, path = TICKETS_ID_ESCALATIONS, context_path = API, tag = "tickets", request_body = EscalateRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "Escalated", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's new version"))), WriteErrors))]
pub async fn escalate(
    state: State,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonBody<EscalateRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let actor = caller.0.actor();
    let input = application::escalation::EscalateInput {
        reason: b.reason,
        raise_priority: b.raise_priority,
        reassign_to: b.reassign_to,
    };
    let ticket = state
        .escalate_ticket
        .execute(actor, &id, input, if_match(&req)?)
        .await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// A ticket's escalations, oldest first (staff): by whom (none for a rule), why, and the
/// level and priority before and after.
#[utoipa::path(get, path = TICKETS_ID_ESCALATIONS, context_path = API, tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1")),
    responses((status = 200, description = "The record", body = Vec<EscalationRecordResponse>), ReadErrors))]
pub async fn escalations(state: State, caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let records = state.ticket_escalations.execute(caller.0.actor(), &id).await?;
    let body: Vec<EscalationRecordResponse> = records.iter().map(EscalationRecordResponse::from).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// The ticket's history, oldest first.
#[utoipa::path(get, path = TICKETS_ID_HISTORY, context_path = API, tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"), HistoryQuery),
    responses((status = 200, description = "One page of history", body = HistoryPage), ReadErrors))]
pub async fn history(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let after = query.cursor.as_deref().map(cursor::decode_history).transpose()?;
    let page = state
        .ticket_history
        .execute(caller.0.actor(), &id, after, query.limit)
        .await?;
    Ok(HttpResponse::Ok().json(HistoryPage {
        items: page.items.iter().map(HistoryEntryResponse::from).collect(),
        next_cursor: page.next.map(cursor::encode_history),
    }))
}
