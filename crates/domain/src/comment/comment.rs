//! A comment as stored: who wrote what, for whom, when.

use crate::ids::{CommentId, TicketId, UserId};
use crate::time::Timestamp;

use super::body::CommentBody;
use super::visibility::Visibility;

/// One entry of a ticket's conversation: a customer comment, a public agent reply or an
/// internal note. Comments are never edited; a correction is a new comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: CommentId,
    /// The ticket it belongs to.
    pub ticket_id: TicketId,
    /// Who wrote it.
    pub author_id: UserId,
    /// Whether the author was staff when writing it (an agent reply or internal note)
    /// rather than the customer.
    pub by_staff: bool,
    /// Who may read it.
    pub visibility: Visibility,
    /// Its text; `None` for a comment that only carries files.
    pub body: Option<CommentBody>,
    /// When it was written.
    pub created_at: Timestamp,
}

impl Comment {
    /// May a reader who is (`staff`) or is not staff read this comment? Customers read
    /// public comments only; the caller has checked the reader may see the ticket.
    pub fn is_readable_by_staff(&self, staff: bool) -> bool {
        staff || self.visibility == Visibility::Public
    }
}
