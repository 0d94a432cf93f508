//! Reading a ticket's conversation: comments and attachments.

use async_trait::async_trait;
use domain::{Attachment, AttachmentId, Comment, CommentId, TicketId, Timestamp};

use super::store::StoreError;
use super::tickets::Page;

/// A comment as read: with its author's name and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentView {
    /// The comment.
    pub comment: Comment,
    /// The author's display name.
    pub author_name: String,
    /// Its files, in upload order (none once redacted).
    pub attachments: Vec<Attachment>,
    /// Who redacted it, when and why; its body is gone then.
    pub redaction: Option<domain::redaction::Redaction>,
}

/// Which part of a conversation to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationQuery<C> {
    /// Whose conversation.
    pub ticket_id: TicketId,
    /// Include internal notes (and their files). Only ever true for staff.
    pub include_internal: bool,
    /// Start after this id (oldest first).
    pub after: Option<C>,
    /// How many at most.
    pub limit: u32,
}

/// Reads comments and attachments, and allocates their ids.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CommentRepository: Send + Sync {
    /// Allocates a comment id (unique, increasing; unused ids are skipped).
    async fn next_comment_id(&self) -> Result<CommentId, StoreError>;
    /// Allocates `n` attachment ids.
    async fn next_attachment_ids(&self, n: u32) -> Result<Vec<AttachmentId>, StoreError>;
    /// One comment with its author's name and files.
    async fn get_comment(&self, id: CommentId) -> Result<Option<CommentView>, StoreError>;
    /// A page of a ticket's comments, oldest first; `next` is set when more follow.
    async fn list_comments(
        &self,
        query: ConversationQuery<CommentId>,
    ) -> Result<Page<CommentView, CommentId>, StoreError>;
    /// A page of a ticket's files, oldest first; `next` is set when more follow.
    async fn list_attachments(
        &self,
        query: ConversationQuery<AttachmentId>,
    ) -> Result<Page<Attachment, AttachmentId>, StoreError>;
    /// One attachment's record.
    async fn get_attachment(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError>;
}

/// Remembers the blobs of uploads that have not committed yet, so a crash between storing
/// a file and committing its comment cannot leave an orphan blob for good.
///
/// [`crate::ports::Write::InsertAttachment`] deletes its key's entry in the comment's
/// transaction and MUST fail the transaction when the entry is gone (the sweeper claimed
/// it): then no row ever names a blob the sweeper deletes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UploadIntents: Send + Sync {
    /// Records that blobs are about to be stored under `keys` (committed before they are).
    async fn record(&self, keys: &[String], at: Timestamp) -> Result<(), StoreError>;
    /// Keys recorded before `before` whose comment never committed, oldest first.
    async fn stale(&self, before: Timestamp, limit: u32) -> Result<Vec<String>, StoreError>;
    /// Deletes the entry of `key`; true when this call deleted it (it was still there).
    async fn claim(&self, key: &str) -> Result<bool, StoreError>;
}
