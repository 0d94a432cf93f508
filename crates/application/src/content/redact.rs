//! Redacting a comment and deleting one file.

use domain::redaction::{DeletionRefusal, RedactionReason, may_delete_attachment};
use domain::{Actor, CommentId, TicketEvent, TicketEventKind, Visibility};

use crate::comments::{CommentPorts, load_readable};
use crate::error::{AppError, FieldError};
use crate::ports::{ChangeSet, CommentView, Write};
use crate::tickets::load_visible;

use super::{delete_blobs, redact_all};

/// Redacts a comment or internal note (admins only): its text replaced by the marker,
/// its files deleted, the pending notifications quoting it cancelled, and a
/// `CommentRedacted` entry (staff-only, with the reason) in the ticket's history.
/// Redacting a redacted comment again is a conflict (`already_redacted`): the first
/// record stands.
#[derive(Clone)]
pub struct RedactComment {
    ports: CommentPorts,
}

impl RedactComment {
    /// Wires the use case.
    pub fn new(ports: CommentPorts) -> Self {
        Self { ports }
    }

    /// Redacts comment `id` for `reason` (1 to 500 characters); returns it as now read.
    /// "Not found" for a comment the actor may not read, "forbidden" for anyone else but
    /// an admin.
    pub async fn execute(&self, actor: Actor, id: i64, reason: &str) -> Result<CommentView, AppError> {
        let view = load_comment(&self.ports, &actor, id).await?;
        if !actor.is_admin() {
            return Err(AppError::Forbidden("only admins may redact comments".into()));
        }
        let reason =
            RedactionReason::parse(reason).map_err(|e| AppError::Invalid(vec![FieldError::new("reason", e)]))?;
        if view.redaction.is_some() {
            return Err(AppError::Conflict {
                code: "already_redacted",
                message: format!("comment {id} is redacted already"),
            });
        }
        let now = self.ports.tickets.clock.now();
        redact_all(&self.ports, &actor, std::slice::from_ref(&view), &reason, now).await?;
        self.ports
            .comments
            .get_comment(view.comment.id)
            .await?
            .ok_or(AppError::NotFound("comment"))
    }
}

/// Loads a comment the actor may read: its ticket visible to them and, for customers,
/// not an internal note. "Not found" otherwise.
async fn load_comment(ports: &CommentPorts, actor: &Actor, id: i64) -> Result<CommentView, AppError> {
    let not_found = || AppError::NotFound("comment");
    if id <= 0 {
        return Err(not_found());
    }
    let view = ports
        .comments
        .get_comment(CommentId::new(id))
        .await?
        .ok_or_else(not_found)?;
    if !actor.is_staff() && view.comment.visibility != Visibility::Public {
        return Err(not_found());
    }
    load_visible(&ports.tickets, actor, &view.comment.ticket_id.get().to_string())
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => not_found(),
            other => other,
        })?;
    Ok(view)
}

/// Deletes one file: admins always, its uploader within ten minutes of the upload
/// ([`domain::redaction::UPLOADER_DELETE_WINDOW_SECS`]). The record goes in one change
/// set with a staff-only `AttachmentDeleted` history entry; the blob after the commit.
#[derive(Clone)]
pub struct DeleteAttachment {
    ports: CommentPorts,
}

impl DeleteAttachment {
    /// Wires the use case.
    pub fn new(ports: CommentPorts) -> Self {
        Self { ports }
    }

    /// Deletes file `id`. "Not found" for a file the actor may not read; "forbidden" when
    /// they may read it but not delete it.
    pub async fn execute(&self, actor: Actor, id: i64) -> Result<(), AppError> {
        let attachment = load_readable(&self.ports, &actor, id).await?;
        let now = self.ports.tickets.clock.now();
        may_delete_attachment(&actor, &attachment, now).map_err(|refusal| {
            AppError::Forbidden(
                match refusal {
                    DeletionRefusal::NotAllowed => "only admins and the uploader may delete a file",
                    DeletionRefusal::WindowPassed => {
                        "the uploader may delete a file only within 10 minutes of the upload"
                    }
                }
                .into(),
            )
        })?;
        let mut set = ChangeSet::default();
        set.push(Write::DeleteAttachment {
            id: attachment.id,
            at: now,
        });
        set.push(Write::Record(TicketEvent {
            ticket_id: attachment.ticket_id,
            actor: Some(actor.user_id),
            at: now,
            kind: TicketEventKind::AttachmentDeleted {
                attachment_id: attachment.id,
                comment_id: attachment.comment_id,
            },
        }));
        self.ports.tickets.uow.commit(set).await?;
        delete_blobs(&self.ports, vec![attachment.blob_key]).await;
        Ok(())
    }
}
