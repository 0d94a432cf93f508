//! Removing what was posted: redacting a comment, deleting a file, erasing a customer.
//!
//! The database part of each is one change set (the comment's text cleared, the files'
//! records deleted, the history entry, the notifications that would quote the text
//! cancelled); the blobs are deleted after the commit. Each deleted file's blob key is
//! remembered as an upload intent in that same change set, so a blob whose delete fails
//! after the commit is swept by the `orphan-sweep` job later (ADR 0006) — its text is gone
//! from every read the moment the commit lands.

mod erase;
mod redact;

pub use erase::{EraseCustomer, Erasure};
pub use redact::{DeleteAttachment, RedactComment};

use domain::redaction::{Redaction, RedactionReason};
use domain::{Actor, TicketEvent, TicketEventKind, Timestamp};

use crate::comments::CommentPorts;
use crate::error::AppError;
use crate::ports::{BlobError, ChangeSet, CommentView, Write};

/// Redacts `views` (unredacted comments) in one change set, by `actor` at `at` for
/// `reason`, then deletes their files' blobs; returns how many files went.
pub(crate) async fn redact_all(
    ports: &CommentPorts,
    actor: &Actor,
    views: &[CommentView],
    reason: &RedactionReason,
    at: Timestamp,
) -> Result<usize, AppError> {
    if views.is_empty() {
        return Ok(0);
    }
    let mut set = ChangeSet::default();
    let mut keys = Vec::new();
    for view in views {
        let c = &view.comment;
        set.push(Write::RedactComment {
            comment_id: c.id,
            redaction: Redaction {
                at,
                by: actor.user_id,
                reason: reason.clone(),
            },
        });
        set.push(Write::Record(TicketEvent {
            ticket_id: c.ticket_id,
            actor: Some(actor.user_id),
            at,
            kind: TicketEventKind::CommentRedacted {
                comment_id: c.id,
                visibility: c.visibility,
                reason: reason.as_str().to_owned(),
                files: u32::try_from(view.attachments.len()).unwrap_or(u32::MAX),
            },
        }));
        keys.extend(view.attachments.iter().map(|a| a.blob_key.clone()));
    }
    ports.tickets.uow.commit(set).await?;
    let files = keys.len();
    delete_blobs(ports, keys).await;
    Ok(files)
}

/// Deletes committed-away files' blobs, then forgets their intents. A blob that cannot
/// be deleted now keeps its intent: the orphan sweep deletes it later.
pub(crate) async fn delete_blobs(ports: &CommentPorts, keys: Vec<String>) {
    for key in keys {
        match ports.blobs.delete(&key).await {
            Ok(()) | Err(BlobError::NotFound) => {
                if let Err(e) = ports.intents.claim(&key).await {
                    // The sweep finds the intent and finds no blob: harmless.
                    tracing::warn!(key = %key, error = %e, "forgetting a deleted file's intent failed");
                }
            }
            Err(e) => tracing::warn!(key = %key, error = %e, "deleting a file's blob failed; the orphan sweep retries"),
        }
    }
}

#[cfg(test)]
mod tests;
