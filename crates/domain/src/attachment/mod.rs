//! Files attached to a ticket's conversation: their names, their types and the rules for
//! accepting them.
//!
//! Every attachment belongs to a comment and is visible exactly to those who may read
//! that comment. The bytes live in a blob store under a key made of ids only, so a file
//! name never reaches a storage path.

mod file_name;
mod media_type;

pub use file_name::FileName;
pub use media_type::{MediaType, Sniffer, TypeRefusal, sniff};

use crate::comment::Visibility;
use crate::ids::{AttachmentId, CommentId, TicketId, UserId};
use crate::time::Timestamp;

/// An uploaded file's record: what it is, whose it is and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its id.
    pub id: AttachmentId,
    /// The ticket it belongs to.
    pub ticket_id: TicketId,
    /// The comment it came with.
    pub comment_id: CommentId,
    /// Who uploaded it.
    pub uploaded_by: UserId,
    /// The comment's visibility, which is the file's.
    pub visibility: Visibility,
    /// Its sanitised name, for the download's `Content-Disposition`.
    pub file_name: FileName,
    /// Its type, as established from its bytes.
    pub media_type: MediaType,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The SHA-256 of its bytes, lowercase hex: the download's ETag and an integrity check.
    pub sha256: String,
    /// Where the blob store keeps its bytes.
    pub blob_key: String,
    /// When it was uploaded.
    pub created_at: Timestamp,
}

impl Attachment {
    /// The blob-store key of an attachment: ids only, never the file name.
    pub fn blob_key_for(ticket_id: TicketId, id: AttachmentId) -> String {
        format!("tickets/{ticket_id}/{id}")
    }
}
