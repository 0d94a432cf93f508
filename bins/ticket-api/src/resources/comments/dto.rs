//! The JSON bodies and query strings of the comments endpoints.

use application::ports::CommentView;
use domain::Attachment;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::shared::instant;

/// `POST /tickets/{id}/comments` as JSON (multipart carries the same fields plus files).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCommentRequest {
    /// The text, at most 64 KiB.
    #[schema(example = "Could you send a screenshot?", min_length = 1, max_length = 65536)]
    pub body: String,
    /// `public` (default) or `internal` (staff only: an internal note).
    #[serde(default)]
    #[schema(pattern = "^(public|internal)$")]
    pub visibility: Option<String>,
}

/// The multipart form of `POST /tickets/{id}/comments`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AddCommentForm {
    /// The text; may be left out when files are attached.
    pub body: Option<String>,
    /// `public` (default) or `internal` (staff only).
    #[schema(pattern = "^(public|internal)$")]
    pub visibility: Option<String>,
    /// The files (any part with a file name is a file).
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// The multipart form of `POST /tickets/{id}/attachments`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// `public` (default) or `internal` (staff only).
    #[schema(pattern = "^(public|internal)$")]
    pub visibility: Option<String>,
    /// The files (any part with a file name is a file).
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// Who wrote a comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorResponse {
    /// Their user id.
    pub id: i64,
    /// Their display name.
    pub name: String,
    /// `customer` or `agent` (any member of staff).
    #[schema(pattern = "^(customer|agent)$")]
    pub kind: String,
}

/// A file.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    /// Its id.
    pub id: i64,
    /// The ticket it belongs to.
    pub ticket_id: i64,
    /// The comment it came with.
    pub comment_id: i64,
    /// Its (sanitised) file name.
    pub file_name: String,
    /// Its type, established from its bytes.
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// `public` or `internal` (the comment's).
    pub visibility: String,
    /// Who uploaded it.
    pub uploaded_by: i64,
    /// When.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Where to download it.
    pub download_url: String,
}

impl From<&Attachment> for AttachmentResponse {
    fn from(a: &Attachment) -> Self {
        Self {
            id: a.id.get(),
            ticket_id: a.ticket_id.get(),
            comment_id: a.comment_id.get(),
            file_name: a.file_name.to_string(),
            content_type: a.media_type.to_string(),
            size_bytes: a.size_bytes,
            sha256: a.sha256.clone(),
            visibility: a.visibility.as_str().to_owned(),
            uploaded_by: a.uploaded_by.get(),
            created_at: instant(a.created_at),
            download_url: format!("/api/v1/attachments/{}", a.id),
        }
    }
}

/// A comment, agent reply or internal note.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentResponse {
    /// Its id.
    pub id: i64,
    /// The ticket it belongs to.
    pub ticket_id: i64,
    /// Who wrote it.
    pub author: AuthorResponse,
    /// `public` or `internal`.
    pub visibility: String,
    /// Its text; `null` for a comment that only carries files; `[redacted]` once redacted.
    pub body: Option<String>,
    /// Its files (none once redacted).
    pub attachments: Vec<AttachmentResponse>,
    /// When it was written.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Set once an admin redacted it (who and why are in the ticket's staff history).
    pub redacted: Option<RedactedResponse>,
}

/// That a comment was redacted, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedactedResponse {
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
}

/// `POST /comments/{id}/redact`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactRequest {
    /// Why (1 to 500 characters; shown to staff only).
    #[schema(example = "pasted a card number")]
    pub reason: String,
}

/// What `POST /users/{id}/erase` did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureResponse {
    /// The erased customer.
    pub user_id: i64,
    /// Their tickets, anonymised (subject and description replaced).
    pub tickets: usize,
    /// Their comments redacted by this call.
    pub comments_redacted: usize,
    /// Files deleted with them.
    pub files_deleted: usize,
}

impl From<&CommentView> for CommentResponse {
    fn from(v: &CommentView) -> Self {
        let c = &v.comment;
        Self {
            id: c.id.get(),
            ticket_id: c.ticket_id.get(),
            author: AuthorResponse {
                id: c.author_id.get(),
                name: v.author_name.clone(),
                kind: if c.by_staff { "agent" } else { "customer" }.to_owned(),
            },
            visibility: c.visibility.as_str().to_owned(),
            body: match &v.redaction {
                Some(_) => Some(domain::redaction::REDACTED_MARKER.to_owned()),
                None => c.body.as_ref().map(|b| b.to_string()),
            },
            attachments: v.attachments.iter().map(AttachmentResponse::from).collect(),
            created_at: instant(c.created_at),
            redacted: v.redaction.as_ref().map(|r| RedactedResponse { at: instant(r.at) }),
        }
    }
}

/// A page of comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentPage {
    /// The comments, oldest first.
    pub items: Vec<CommentResponse>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A page of files.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentPage {
    /// The files, oldest first.
    pub items: Vec<AttachmentResponse>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Query of the conversation lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// Page size, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
