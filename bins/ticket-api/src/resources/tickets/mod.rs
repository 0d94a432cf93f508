//! Tickets: opening, reading, listing, editing, moving, assigning and escalating them,
//! and their history and records.

pub mod dto;

use actix_web::{HttpRequest, HttpResponse, web};
use application::assignment::TicketAssignments;
use application::escalation::{EscalateTicket, TicketEscalations};
use application::tickets::{
    AssignInput, AssignTicket, ChangeStatus, ChangeStatusInput, CloseTicket, CreateTicket, CreateTicketInput, GetTicket,
    SearchTickets, TicketHistory, TicketListInput, TicketView, UnassignTicket, UpdateTicket, UpdateTicketInput,
};
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
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

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `POST /tickets`
    pub create_ticket: CreateTicket,
    /// `GET /tickets/{id}`
    pub get_ticket: GetTicket,
    /// `PATCH /tickets/{id}`
    pub update_ticket: UpdateTicket,
    /// `POST /tickets/{id}/transitions`
    pub change_status: ChangeStatus,
    /// `POST /tickets/{id}/close`
    pub close_ticket: CloseTicket,
    /// `GET /tickets`
    pub search_tickets: SearchTickets,
    /// `GET /tickets/{id}/history`
    pub ticket_history: TicketHistory,
    /// Gives tickets to agents, or transfers them.
    pub assign_ticket: AssignTicket,
    /// Sends tickets back to the queue.
    pub unassign_ticket: UnassignTicket,
    /// `GET /tickets/{id}/assignments`
    pub ticket_assignments: TicketAssignments,
    /// `POST /tickets/{id}/escalations`
    pub escalate_ticket: EscalateTicket,
    /// `GET /tickets/{id}/escalations`
    pub ticket_escalations: TicketEscalations,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            create_ticket: CreateTicket::new(ctx.tickets.clone()),
            get_ticket: GetTicket::new(ctx.tickets.clone()),
            update_ticket: UpdateTicket::new(ctx.tickets.clone()),
            change_status: ChangeStatus::new(ctx.tickets.clone()),
            close_ticket: CloseTicket::new(ctx.tickets.clone()),
            search_tickets: SearchTickets::new(ctx.tickets.clone()),
            ticket_history: TicketHistory::new(ctx.tickets.clone()),
            assign_ticket: AssignTicket::new(ctx.tickets.clone()),
            unassign_ticket: UnassignTicket::new(ctx.tickets.clone()),
            ticket_assignments: TicketAssignments::new(ctx.tickets.clone()),
            escalate_ticket: EscalateTicket::new(ctx.tickets.clone()),
            ticket_escalations: TicketEscalations::new(ctx.tickets.clone()),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
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
        .insert_header(("ETag", etag(view.version.get())))
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
    cases: web::Data<Cases>,
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
    let created = cases.create_ticket.execute(actor, input).await?;
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
    cases: web::Data<Cases>,
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
    let page = cases.search_tickets.execute(actor, input).await?;
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
pub async fn get(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let actor = caller.0.actor();
    let ticket = cases.get_ticket.execute(actor, &id).await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// Edits fields. With `If-Match`, a stale version answers 412.
#[utoipa::path(patch, path = TICKETS_ID, context_path = API, tag = "tickets", request_body = UpdateTicketRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "Updated", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's new version"))), WriteErrors))]
pub async fn update(
    cases: web::Data<Cases>,
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
    let ticket = cases.update_ticket.execute(actor, &id, input, if_match(&req)?).await?;
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
    cases: web::Data<Cases>,
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
    let ticket = cases.change_status.execute(actor, &id, input, if_match(&req)?).await?;
    Ok(ticket_response(HttpResponse::Ok(), &ticket))
}

/// Closes the ticket. Customers may close their own.
#[utoipa::path(post, path = TICKETS_ID_CLOSE, context_path = API, tag = "tickets", request_body(content = Option<CloseRequest>), security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, description = "Closed", body = TicketResponse,
        headers(("ETag" = String, description = "The ticket's new version"))), WriteErrors))]
pub async fn close(
    cases: web::Data<Cases>,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    body: OptionalJsonBody<CloseRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let actor = caller.0.actor();
    let ticket = cases
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
    cases: web::Data<Cases>,
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
    let ticket = cases.assign_ticket.execute(actor, &id, input, if_match(&req)?).await?;
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
    cases: web::Data<Cases>,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    body: OptionalJsonBody<UnassignRequest>,
) -> Result<HttpResponse, ApiError> {
    let actor = caller.0.actor();
    let ticket = cases
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
pub async fn assignments(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let records = cases.ticket_assignments.execute(caller.0.actor(), &id).await?;
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
    cases: web::Data<Cases>,
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
    let ticket = cases
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
pub async fn escalations(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let records = cases.ticket_escalations.execute(caller.0.actor(), &id).await?;
    let body: Vec<EscalationRecordResponse> = records.iter().map(EscalationRecordResponse::from).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// The ticket's history, oldest first.
#[utoipa::path(get, path = TICKETS_ID_HISTORY, context_path = API, tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"), HistoryQuery),
    responses((status = 200, description = "One page of history", body = HistoryPage), ReadErrors))]
pub async fn history(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let after = query.cursor.as_deref().map(cursor::decode_history).transpose()?;
    let page = cases
        .ticket_history
        .execute(caller.0.actor(), &id, after, query.limit)
        .await?;
    Ok(HttpResponse::Ok().json(HistoryPage {
        items: page.items.iter().map(HistoryEntryResponse::from).collect(),
        next_cursor: page.next.map(cursor::encode_history),
    }))
}
