//! Reading a ticket's conversation.

use domain::{Actor, CommentId};

use crate::error::AppError;
use crate::ports::{CommentView, Page};

use super::{CommentPorts, conversation_query};

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
        let query = conversation_query(&self.ports, &actor, reference, after.map(CommentId::new), limit).await?;
        Ok(self.ports.comments.list_comments(query).await?)
    }
}
