//! The conversation on a ticket: adding comments, agent replies and internal notes with
//! their files, and reading them back with the visibility rules applied.

mod add;
mod attachments;
mod list;
mod sweep;
mod uploads;

pub use add::{AddComment, AddCommentInput, AddInternalNote, AddedComment};
pub use attachments::{Download, DownloadAttachment, ListAttachments};
pub use list::ListComments;
pub use sweep::SweepOrphanBlobs;
pub use uploads::{AttachmentRules, SpooledFile, Upload, UploadBody};

use std::sync::Arc;

use domain::{Actor, Attachment, AttachmentId};

use crate::error::AppError;
use crate::ports::{BlobStore, CommentRepository, ConversationQuery, UploadIntents};
use crate::tickets::{TicketPorts, check_limit, load_visible};

/// The ports the conversation use cases need.
#[derive(Clone)]
pub struct CommentPorts {
    /// The ticket ports (tickets, commits, users, clock, idempotency).
    pub tickets: TicketPorts,
    /// Reads comments and attachments.
    pub comments: Arc<dyn CommentRepository>,
    /// Keeps the files' bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Remembers blobs stored for uploads not yet committed.
    pub intents: Arc<dyn UploadIntents>,
}

/// The page of `reference`'s conversation `actor` asked for: internal notes for staff
/// only, "not found" for a ticket the actor may not see.
pub(crate) async fn conversation_query<C>(
    ports: &CommentPorts,
    actor: &Actor,
    reference: &str,
    after: Option<C>,
    limit: Option<u32>,
) -> Result<ConversationQuery<C>, AppError> {
    let limit = check_limit(limit)?;
    let ticket = load_visible(&ports.tickets, actor, reference).await?;
    Ok(ConversationQuery {
        ticket_id: ticket.id(),
        include_internal: actor.is_staff(),
        after,
        limit,
    })
}

/// Loads an attachment the actor may read: its ticket is visible to the actor and, for
/// customers, the file is not on an internal note. "Not found" otherwise.
pub(crate) async fn load_readable(ports: &CommentPorts, actor: &Actor, id: i64) -> Result<Attachment, AppError> {
    let not_found = || AppError::NotFound("attachment");
    if id <= 0 {
        return Err(not_found());
    }
    let attachment = ports
        .comments
        .get_attachment(AttachmentId::new(id))
        .await?
        .ok_or_else(not_found)?;
    if !actor.is_staff() && attachment.visibility != domain::Visibility::Public {
        return Err(not_found());
    }
    load_visible(&ports.tickets, actor, &attachment.ticket_id.get().to_string())
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => not_found(),
            other => other,
        })?;
    Ok(attachment)
}

#[cfg(test)]
mod tests;
