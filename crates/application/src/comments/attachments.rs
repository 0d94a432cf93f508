//! Listing and downloading files.

use domain::{Actor, Attachment, AttachmentId};

use crate::error::AppError;
use crate::ports::{BlobError, BlobRead, Page};

use super::{CommentPorts, conversation_query, load_readable};

/// Lists a ticket's files, oldest first: all for staff, those on public comments for the
/// customer.
#[derive(Clone)]
pub struct ListAttachments {
    ports: CommentPorts,
}

impl ListAttachments {
    /// Wires the use case.
    pub fn new(ports: CommentPorts) -> Self {
        Self { ports }
    }

    /// One page of the files of a ticket the actor may see; the cursor is the last id.
    pub async fn execute(
        &self,
        actor: Actor,
        reference: &str,
        after: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Page<Attachment, AttachmentId>, AppError> {
        let query = conversation_query(&self.ports, &actor, reference, after.map(AttachmentId::new), limit).await?;
        Ok(self.ports.comments.list_attachments(query).await?)
    }
}

/// A file to send.
#[derive(Debug)]
pub struct Download {
    /// Its record.
    pub attachment: Attachment,
    /// Its bytes, streamed from the blob store as they are sent.
    pub body: BlobRead,
}

/// Downloads a file with the access rules of the comment it belongs to.
#[derive(Clone)]
pub struct DownloadAttachment {
    ports: CommentPorts,
}

impl DownloadAttachment {
    /// Wires the use case.
    pub fn new(ports: CommentPorts) -> Self {
        Self { ports }
    }

    /// The file, if the actor may read it; "not found" otherwise, whether it exists or not.
    pub async fn execute(&self, actor: Actor, id: i64) -> Result<Download, AppError> {
        let attachment = load_readable(&self.ports, &actor, id).await?;
        match self.ports.blobs.get(&attachment.blob_key).await {
            Ok(body) => Ok(Download { attachment, body }),
            Err(BlobError::NotFound) => Err(AppError::Internal(format!(
                "attachment {} has a row but no blob under `{}`",
                attachment.id, attachment.blob_key
            ))),
            Err(BlobError::Unavailable(m)) => Err(AppError::Unavailable(m)),
        }
    }
}
