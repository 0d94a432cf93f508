//! Reading a ticket's conversation.

use domain::{Actor, CommentId};

use crate::error::AppError;
use crate::ports::{CommentView, ConversationQuery, Page};
use crate::tickets::{check_limit, load_visible};

use super::CommentPorts;

/// Lists a ticket's comments, oldest first: everything for staff, public comments only
/// for the customer.
#[derive(Clone)]
pub struct ListComments {
    ports: CommentPorts,
}

impl ListComments {
    /// Wires the use case.
    pub fn new(ports: CommentPorts) -> Self {
        Self { ports }
    }

    /// One page of the comments of a ticket the actor may see; the cursor is the last
    /// comment's id.
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        after: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Page<CommentView, CommentId>, AppError> {
        let limit = check_limit(limit)?;
        let ticket = load_visible(&self.ports.tickets, &actor, reference).await?;
        let query = ConversationQuery {
            ticket_id: ticket.id(),
            include_internal: actor.is_staff(),
            after: after.map(CommentId::new),
            limit,
        };
        Ok(self.ports.comments.list_comments(query).await?)
    }
}
