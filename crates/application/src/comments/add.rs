//! Adding a comment, an agent reply or an internal note, with files.

use domain::{Actor, Attachment, CommentBody, CommentId, Ticket, TicketId, Visibility};

use crate::error::{AppError, Validator};
use crate::fingerprint::fingerprint;
use crate::ports::{ChangeSet, CommentView, Write};
use crate::sla::{Before, Reply};
use crate::tickets::{Attempt, Idempotent, check_key, commit_with_retry, load_visible, parse_ticket_ref};

use super::CommentPorts;
use super::uploads::{AttachmentRules, CheckedUpload, Upload, UploadBody, check_uploads};

/// The idempotency scope of adding a comment.
const SCOPE: &str = "add_comment";

/// A comment to add, as received.
#[derive(Debug, Clone, Default)]
pub struct AddCommentInput {
    /// The ticket: `123` or `TKT-000123`.
    pub ticket: String,
    /// The text; may be left out when files come with the comment.
    pub body: Option<String>,
    /// `public` (the default) or `internal` (staff only).
    pub visibility: Option<String>,
    /// Files to attach.
    pub files: Vec<Upload>,
    /// The client's `Idempotency-Key`: a retry with the same key returns the same comment.
    pub idempotency_key: Option<String>,
}

/// The added comment and the ticket after it.
#[derive(Debug, Clone)]
pub struct AddedComment {
    /// The comment, its author's name and its files.
    pub comment: CommentView,
    /// The ticket as it is now.
    pub ticket: Ticket,
    /// True when this was a retry answered from a remembered `Idempotency-Key`.
    pub replayed: bool,
}

/// Adds a customer comment or an agent's public reply (or, with `visibility: internal`,
/// an internal note): the comment, its files' records, the ticket's changes and their
/// history entries and outbox events in one transaction.
///
/// Files are checked (size, type from the bytes, name) and stored in the blob store
/// before the transaction; if the transaction does not commit, they are deleted again,
/// so a failed upload leaves neither a row nor a blob behind.
#[derive(Clone)]
pub struct AddComment {
    ports: CommentPorts,
    rules: AttachmentRules,
}

impl AddComment {
    /// Wires the use case with the rules uploads must meet.
    pub fn new(ports: CommentPorts, rules: AttachmentRules) -> Self {
        Self { ports, rules }
    }

    /// Adds the comment, or returns the one this idempotency key added before. Nothing
    /// fallible runs after the commit: blobs are deleted only when it did not happen.
    pub async fn execute(&self, actor: Actor, input: AddCommentInput) -> Result<AddedComment, AppError> {
        let key = check_key(input.idempotency_key.as_deref())?;
        let mut v = Validator::default();
        let visibility = match input.visibility.as_deref() {
            None => Some(Visibility::Public),
            Some(raw) => v.check("visibility", Visibility::parse(raw)),
        };
        let text = input.body.as_deref().filter(|b| !b.trim().is_empty());
        let body = text.and_then(|raw| v.check("body", CommentBody::parse(raw)));
        if text.is_none() && input.files.is_empty() {
            v.fail("body", "a comment needs text or at least one file");
        }
        v.finish()?;
        let Some(visibility) = visibility else {
            return Err(AppError::Internal("validator let an invalid visibility through".into()));
        };
        let files = check_uploads(&self.rules, input.files).await?;
        // By id, so `1` and `TKT-000001` are the same request.
        let ticket_id = parse_ticket_ref(&input.ticket)?;
        let print = request_fingerprint(&ticket_id.get().to_string(), body.as_ref(), visibility, &files);
        let idempotent = Idempotent::new(self.ports.tickets.idempotency.as_ref(), actor, SCOPE, key, &print);
        let draft = Draft {
            ticket: &input.ticket,
            ticket_id,
            body,
            visibility,
            files,
        };
        let ((comment, ticket), replayed) = idempotent
            .run(
                async |id| self.added_before(actor, id).await,
                async || self.add(actor, draft, &idempotent).await,
            )
            .await?;
        Ok(AddedComment {
            comment,
            ticket,
            replayed,
        })
    }

    /// Adds the comment and remembers its key. The ticket's refusals are checked before
    /// any file is stored; the files are deleted again if the comment is not committed.
    async fn add(
        &self,
        actor: Actor,
        d: Draft<'_>,
        idempotent: &Idempotent<'_>,
    ) -> Result<(CommentView, Ticket), AppError> {
        let ports = &self.ports.tickets;
        // Read before anything is stored, so nothing can fail after the commit.
        let author_name = match ports.users.get(actor.user_id).await? {
            Some(user) => user.display_name.to_string(),
            None => String::new(),
        };
        let count = u32::try_from(d.files.len()).unwrap_or(u32::MAX);
        let comment_id = self.ports.comments.next_comment_id().await?;
        let ids = match count {
            0 => Vec::new(),
            n => self.ports.comments.next_attachment_ids(n).await?,
        };
        let now = ports.clock.now();
        let ticket_id = d.ticket_id;
        let (attachments, blobs): (Vec<Attachment>, Vec<UploadBody>) = ids
            .into_iter()
            .zip(d.files)
            .map(|(id, f)| {
                let attachment = Attachment {
                    id,
                    ticket_id,
                    comment_id,
                    uploaded_by: actor.user_id,
                    visibility: d.visibility,
                    file_name: f.file_name,
                    media_type: f.media_type,
                    size_bytes: f.size,
                    sha256: f.sha256,
                    blob_key: Attachment::blob_key_for(ticket_id, id),
                    created_at: now,
                };
                (attachment, f.body)
            })
            .unzip();
        let keys: Vec<String> = attachments.iter().map(|a| a.blob_key.clone()).collect();
        let mut unstored = Some(blobs);
        let mut stored = false;
        let committed = commit_with_retry(ports, &actor, d.ticket, None, async |mut ticket, at| {
            let read_version = ticket.version();
            let before = Before::of(&ticket);
            let staff_replied = ticket.parts().last_agent_reply_at.is_some();
            let (comment, events) = ticket.add_comment(comment_id, d.body.clone(), d.visibility, count, actor, at)?;
            // The ticket accepts the comment: now its files may be stored, once.
            if let Some(blobs) = unstored.take() {
                if !keys.is_empty() {
                    // Recorded before the first byte is stored: a crash from here on
                    // leaves an entry the worker's sweeper finds, never an unknown blob.
                    self.ports.intents.record(&keys, now).await?;
                }
                self.store_blobs(&keys, blobs).await?;
                stored = true;
            }
            let mut changes = ChangeSet::default();
            if d.visibility == Visibility::Public {
                changes.push(Write::UpdateTicket {
                    ticket: ticket.clone(),
                    expected: read_version,
                });
            }
            changes.push(Write::InsertComment(comment.clone()));
            for a in &attachments {
                changes.push(Write::InsertAttachment(a.clone()));
            }
            for e in events {
                changes.push(Write::Record(e));
            }
            // An internal note moves no SLA clock.
            if d.visibility == Visibility::Public {
                let reply = if actor.is_staff() {
                    Reply::Staff
                } else {
                    Reply::Customer { staff_replied }
                };
                changes.writes.extend(
                    ports
                        .sla
                        .follow(ports.tickets.as_ref(), &before, &ticket, Some(reply), at)
                        .await?,
                );
            }
            changes.writes.extend(idempotent.remember(comment_id.get(), at));
            Ok(Attempt::Commit(changes, (comment, ticket)))
        })
        .await;
        if committed.is_err() && stored {
            self.delete_blobs(&keys).await;
        }
        let (comment, ticket) = committed?;
        let view = CommentView {
            comment,
            author_name,
            attachments,
            redaction: None,
        };
        Ok((view, ticket))
    }

    /// Stores every blob, or none: a failure deletes those already stored.
    async fn store_blobs(&self, keys: &[String], blobs: Vec<UploadBody>) -> Result<(), AppError> {
        for (key, body) in keys.iter().zip(blobs) {
            if let Err(e) = self.ports.blobs.put(key, body.stream()).await {
                // All of them: a failed put may have left part of its blob behind.
                self.delete_blobs(keys).await;
                return Err(AppError::Unavailable(format!("storing an attachment failed: {e}")));
            }
        }
        Ok(())
    }

    /// Deletes the blobs of an upload that did not commit, and their intents. A blob that
    /// cannot be deleted keeps its intent, so the worker's sweeper retries it later.
    async fn delete_blobs(&self, keys: &[String]) {
        for key in keys {
            match self.ports.blobs.delete(key).await {
                Ok(()) => {
                    if let Err(e) = self.ports.intents.claim(key).await {
                        tracing::warn!(blob_key = %key, error = %e, "could not forget the intent of a deleted blob");
                    }
                }
                Err(e) => {
                    tracing::warn!(blob_key = %key, error = %e, "could not delete the blob of a failed upload; the sweeper will");
                }
            }
        }
    }

    /// The comment a remembered key names, and its ticket now.
    async fn added_before(&self, actor: Actor, resource_id: i64) -> Result<(CommentView, Ticket), AppError> {
        let comment = self
            .ports
            .comments
            .get_comment(CommentId::new(resource_id))
            .await?
            .ok_or_else(|| AppError::Internal("idempotency key names a missing comment".into()))?;
        // The caller's role may have changed since: never replay a note to a customer.
        if !comment.comment.is_readable_by_staff(actor.is_staff()) {
            return Err(AppError::NotFound("comment"));
        }
        let reference = comment.comment.ticket_id.get().to_string();
        let ticket = load_visible(&self.ports.tickets, &actor, &reference).await?;
        Ok((comment, ticket))
    }
}

/// The comment as checked.
struct Draft<'a> {
    ticket: &'a str,
    ticket_id: TicketId,
    body: Option<CommentBody>,
    visibility: Visibility,
    files: Vec<CheckedUpload>,
}

fn request_fingerprint(
    ticket: &str,
    body: Option<&CommentBody>,
    visibility: Visibility,
    files: &[CheckedUpload],
) -> String {
    let head = [ticket, body.map_or("", CommentBody::as_str), visibility.as_str()];
    let files = files
        .iter()
        .flat_map(|f| [f.file_name.as_str(), f.media_type.as_str(), f.sha256.as_str()]);
    fingerprint(head.into_iter().chain(files))
}

/// Adds an internal note: staff only, never visible to the customer in any way.
#[derive(Clone)]
pub struct AddInternalNote {
    inner: AddComment,
}

impl AddInternalNote {
    /// Wires the use case with the rules uploads must meet.
    pub fn new(ports: CommentPorts, rules: AttachmentRules) -> Self {
        Self {
            inner: AddComment::new(ports, rules),
        }
    }

    /// Adds the note; `input.visibility` is ignored (always internal). Customers get 403
    /// for a ticket they can see and 404 for any other.
    pub async fn execute(&self, actor: Actor, mut input: AddCommentInput) -> Result<AddedComment, AppError> {
        input.visibility = Some(Visibility::Internal.as_str().to_owned());
        self.inner.execute(actor, input).await
    }
}
