//! Opening a ticket.

use domain::{Actor, CategorySlug, Description, NewTicket, Priority, Role, Subject, Tag, Tags, Ticket, UserId};

use crate::assignment::pick;
use crate::error::{AppError, Validator};
use crate::fingerprint::fingerprint;
use crate::ports::{ChangeSet, StoreError, Write};

use super::TicketPorts;
use super::idempotent::{Idempotent, check_key, key_race};
use super::view::{TicketView, view_of};

/// The idempotency scope of ticket creation.
const SCOPE: &str = "create_ticket";

/// A ticket to open, as received.
#[derive(Debug, Clone, Default)]
pub struct CreateTicketInput {
    /// The one-line summary.
    pub subject: String,
    /// The full request.
    pub description: String,
    /// `low`, `normal` (the default), `high` or `urgent`.
    pub priority: Option<String>,
    /// The slug of an active category.
    pub category: String,
    /// Labels.
    pub tags: Vec<String>,
    /// The customer the ticket is for: required when staff open a ticket, optional (and
    /// only the caller) for customers.
    pub customer_id: Option<i64>,
    /// The client's `Idempotency-Key`: a retry with the same key returns the same ticket.
    pub idempotency_key: Option<String>,
}

/// A ticket's fields, checked.
struct Fields {
    customer_id: UserId,
    subject: Subject,
    description: Description,
    priority: Priority,
    category: CategorySlug,
    tags: Tags,
}

/// The opened ticket.
#[derive(Debug, Clone)]
pub struct CreatedTicket {
    /// The ticket, as the caller sees it.
    pub ticket: TicketView,
    /// True when this was a retry answered from a remembered `Idempotency-Key`.
    pub replayed: bool,
}

/// Opens a ticket: state, history entry and outbox event in one transaction. When
/// auto-assignment is on and an online agent skilled in its category has room, the ticket
/// is given to the one the selection rule picks in the same transaction (a second history
/// entry and `TicketAssigned` event, with why that agent); otherwise it waits in the queue.
#[derive(Clone)]
pub struct CreateTicket {
    ports: TicketPorts,
}

impl CreateTicket {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// Opens the ticket, or returns the one this idempotency key opened before.
    pub async fn execute(&self, actor: Actor, input: CreateTicketInput) -> Result<CreatedTicket, AppError> {
        let key = check_key(input.idempotency_key.as_deref())?;
        let mut v = Validator::default();
        let subject = v.check("subject", Subject::parse(&input.subject));
        let description = v.check("description", Description::parse(&input.description));
        let priority = match input.priority.as_deref() {
            None => Some(Priority::Normal),
            Some(p) => v.check("priority", Priority::parse(p)),
        };
        let category = v.check("category", CategorySlug::parse(&input.category));
        let tags = v.check("tags", Tags::parse(&input.tags));
        let customer_id = self.customer_for(&mut v, actor, input.customer_id).await?;
        v.finish()?;
        let (Some(subject), Some(description), Some(priority), Some(category), Some(tags), Some(customer_id)) =
            (subject, description, priority, category, tags, customer_id)
        else {
            return Err(AppError::Internal("validator let an invalid field through".into()));
        };
        // The fingerprint is taken from the parsed values, so a retry that differs only
        // in spelling (whitespace, tag order or case, an explicit default priority) is
        // still the same request.
        let print = request_fingerprint(&subject, &description, priority, &category, &tags, customer_id);
        let idempotent = Idempotent::new(self.ports.idempotency.as_ref(), actor, SCOPE, key, &print);
        let fields = Fields {
            customer_id,
            subject,
            description,
            priority,
            category,
            tags,
        };
        let (ticket, replayed) = idempotent
            .run(
                async |id| self.opened_before(id).await,
                async || self.open(actor, fields, &idempotent).await,
            )
            .await?;
        Ok(CreatedTicket {
            ticket: view_of(&self.ports, &actor, ticket).await,
            replayed,
        })
    }

    /// Opens the ticket and remembers its key.
    async fn open(&self, actor: Actor, fields: Fields, idempotent: &Idempotent<'_>) -> Result<Ticket, AppError> {
        // The id, the category and the SLA reference data in one read (a store may
        // answer it in one round trip, its reference data from memory while current).
        let opening = self.ports.tickets.opening(&fields.category).await?;
        if opening.category_active != Some(true) {
            return Err(no_active_category(&fields.category));
        }
        let id = opening.id;
        let now = self.ports.clock.now();
        let new = NewTicket {
            id,
            customer_id: fields.customer_id,
            subject: fields.subject,
            description: fields.description,
            priority: fields.priority,
            category: fields.category,
            tags: fields.tags,
        };
        let (opened, event) = Ticket::open(new, actor, now)?;
        let remember = idempotent.remember(id.get(), now);
        let routing = &self.ports.routing;
        let mut agents = match routing.assign_on_create {
            true => {
                routing
                    .agents
                    .online_agents(Some(opened.parts().category.clone()))
                    .await?
            }
            false => Vec::new(),
        };
        loop {
            // Given to the agent the selection rule picks, if any qualifies; otherwise
            // the ticket waits in the queue.
            let choice = pick(&opened, &agents, &routing.weights, now);
            let ticket = choice.as_ref().map_or_else(|| opened.clone(), |c| c.ticket.clone());
            let mut changes = ChangeSet::default();
            changes
                .push(Write::InsertTicket(ticket.clone()))
                .push(Write::Record(event.clone()));
            if let Some(c) = &choice {
                changes.push(c.place.clone()).push(Write::Record(c.event.clone()));
            }
            changes
                .writes
                .extend(self.ports.sla.on_open(&ticket, &opening.reference)?);
            changes.writes.extend(remember.iter().cloned());
            match self.ports.uow.commit(changes).await {
                Ok(()) => return Ok(ticket),
                // The agent filled up or went away meanwhile: choose among the others.
                Err(StoreError::AgentRefused(_)) if choice.is_some() => {
                    let taken = choice.map(|c| c.agent);
                    agents.retain(|a| Some(a.id) != taken);
                }
                Err(e) => return Err(key_race(e)),
            }
        }
    }

    /// The ticket a remembered key names.
    async fn opened_before(&self, resource_id: i64) -> Result<Ticket, AppError> {
        self.ports
            .tickets
            .get(domain::TicketId::new(resource_id))
            .await?
            .ok_or_else(|| AppError::Internal("idempotency key names a missing ticket".into()))
    }

    /// Whose ticket this is: the customer themself, or the customer staff name.
    async fn customer_for(
        &self,
        v: &mut Validator,
        actor: Actor,
        requested: Option<i64>,
    ) -> Result<Option<UserId>, AppError> {
        match (actor.role, requested) {
            (Role::Customer, None) => Ok(Some(actor.user_id)),
            // Someone else's id: the domain refuses it as a forbidden action.
            (Role::Customer, Some(id)) => Ok(Some(UserId::new(id))),
            (_, None) => {
                v.fail("customer_id", "is required when staff open a ticket for a customer");
                Ok(None)
            }
            (_, Some(id)) => match self.ports.users.get(UserId::new(id)).await? {
                Some(user) if user.active && user.role == Role::Customer => Ok(Some(user.id)),
                _ => {
                    v.fail("customer_id", "is not an active customer account");
                    Ok(None)
                }
            },
        }
    }
}

/// Checks a category exists and is active.
pub(super) async fn check_category(ports: &TicketPorts, slug: &CategorySlug) -> Result<(), AppError> {
    match ports.categories.get(slug).await? {
        Some(c) if c.active => Ok(()),
        _ => Err(no_active_category(slug)),
    }
}

/// The refusal of a category that does not exist or is not active.
fn no_active_category(slug: &CategorySlug) -> AppError {
    AppError::invalid("category", format!("there is no active category `{slug}`"))
}

fn request_fingerprint(
    subject: &Subject,
    description: &Description,
    priority: Priority,
    category: &CategorySlug,
    tags: &Tags,
    customer_id: UserId,
) -> String {
    let customer = customer_id.to_string();
    let head = [
        subject.as_str(),
        description.as_str(),
        priority.as_str(),
        category.as_str(),
        customer.as_str(),
    ];
    fingerprint(head.into_iter().chain(tags.iter().map(Tag::as_str)))
}
