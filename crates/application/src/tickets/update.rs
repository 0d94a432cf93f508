//! Editing a ticket's fields.

use domain::{Actor, CategorySlug, Description, Priority, Subject, Tags, TicketUpdate};

use crate::error::{AppError, Validator};

use super::TicketPorts;
use super::create::check_category;
use super::mutate::mutate;
use super::view::{TicketView, view_of};

/// Field changes, as received; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateTicketInput {
    /// A new subject.
    pub subject: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new priority (staff only).
    pub priority: Option<String>,
    /// A new category slug (staff only); must be active.
    pub category: Option<String>,
    /// New tags, replacing the old (staff only).
    pub tags: Option<Vec<String>>,
}

/// Edits a ticket's fields, guarded by an optional `If-Match` version.
#[derive(Clone)]
pub struct UpdateTicket {
    ports: TicketPorts,
}

impl UpdateTicket {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// Applies the changes. Customers may change only the subject and description of
    /// their own tickets; a stale `if_match` is refused; an update that changes nothing
    /// returns the ticket as it is.
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        input: UpdateTicketInput,
        if_match: Option<i64>,
    ) -> Result<TicketView, AppError> {
        let mut v = Validator::default();
        let update = TicketUpdate {
            subject: input
                .subject
                .as_deref()
                .and_then(|s| v.check("subject", Subject::parse(s))),
            description: input
                .description
                .as_deref()
                .and_then(|d| v.check("description", Description::parse(d))),
            priority: input
                .priority
                .as_deref()
                .and_then(|p| v.check("priority", Priority::parse(p))),
            category: input
                .category
                .as_deref()
                .and_then(|c| v.check("category", CategorySlug::parse(c))),
            tags: input.tags.as_deref().and_then(|t| v.check("tags", Tags::parse(t))),
        };
        v.finish()?;
        // Moving to a category needs an active one; keeping the current one (even if it
        // was deactivated since) is fine. Decided against the state `mutate` loads.
        let category_check = match &update.category {
            Some(category) => Some(check_category(&self.ports, category).await),
            None => None,
        };
        let ticket = mutate(&self.ports, actor, reference, if_match, |ticket, now| {
            if let (Some(category), Some(Err(_))) = (&update.category, &category_check)
                && ticket.parts().category != *category
            {
                return Err(AppError::invalid(
                    "category",
                    format!("there is no active category `{category}`"),
                ));
            }
            Ok(ticket.update(update.clone(), actor, now)?)
        })
        .await?;
        Ok(view_of(&self.ports, &actor, ticket).await)
    }
}
