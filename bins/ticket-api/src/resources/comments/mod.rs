//! The conversation on a ticket: comments, internal notes and their files.

pub mod dto;
mod upload;

use std::sync::Arc;

use actix_web::body::SizedStream;
use actix_web::http::header::{self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::{HttpRequest, HttpResponse, web};
pub use upload::{CommentForm, UploadLimits};
use application::comments::{
    AddComment, AddCommentInput, CommentPorts, DownloadAttachment, ListAttachments, ListComments,
};
use application::content::{DeleteAttachment, EraseCustomer, RedactComment};
use tokio::sync::Semaphore;
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::cursor;
use crate::extract::{Authenticated, etag, idempotency_key};
use crate::problem::{ApiError, JsonBody, ReadErrors, WriteErrors};
use dto::{
    AddCommentForm, AddCommentRequest, AttachmentPage, AttachmentResponse, CommentPage, CommentResponse,
    ConversationQuery, ErasureResponse, RedactRequest, UploadForm,
};

/// `/api/v1/tickets/{id}/comments`
pub const TICKETS_ID_COMMENTS: &str = "/tickets/{id}/comments";
/// `/api/v1/tickets/{id}/attachments`
pub const TICKETS_ID_ATTACHMENTS: &str = "/tickets/{id}/attachments";
/// `/api/v1/attachments/{id}`
pub const ATTACHMENTS_ID: &str = "/attachments/{id}";
/// `/api/v1/comments/{id}/redact`
pub const COMMENTS_ID_REDACT: &str = "/comments/{id}/redact";
/// `/api/v1/users/{id}/erase`
pub const USERS_ID_ERASE: &str = "/users/{id}/erase";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `POST /tickets/{id}/comments`, `POST /tickets/{id}/attachments`
    pub add_comment: AddComment,
    /// `GET /tickets/{id}/comments`
    pub list_comments: ListComments,
    /// `GET /tickets/{id}/attachments`
    pub list_attachments: ListAttachments,
    /// `GET /attachments/{id}`
    pub download_attachment: DownloadAttachment,
    /// `DELETE /attachments/{id}`
    pub delete_attachment: DeleteAttachment,
    /// `POST /comments/{id}/redact`
    pub redact_comment: RedactComment,
    /// `POST /users/{id}/erase`
    pub erase_customer: EraseCustomer,
    /// Limits of multipart uploads, enforced while the body streams in.
    pub upload_limits: UploadLimits,
    /// One permit per multipart upload being received or stored
    /// (`attachments.max_concurrent_uploads`).
    pub upload_slots: Arc<Semaphore>,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        let ports = CommentPorts {
            tickets: ctx.tickets.clone(),
            comments: ctx.db.clone(),
            blobs: ctx.blobs.clone(),
            intents: ctx.db.clone(),
        };
        Self {
            add_comment: AddComment::new(ports.clone(), ctx.attachment_rules.clone()),
            list_comments: ListComments::new(ports.clone()),
            list_attachments: ListAttachments::new(ports.clone()),
            download_attachment: DownloadAttachment::new(ports.clone()),
            delete_attachment: DeleteAttachment::new(ports.clone()),
            redact_comment: RedactComment::new(ports.clone()),
            erase_customer: EraseCustomer::new(ports),
            upload_limits: UploadLimits {
                max_file_bytes: ctx.attachment_rules.max_file_bytes,
                max_request_bytes: ctx.settings.attachments.max_request_bytes,
                max_files: ctx.attachment_rules.max_files,
                spool_threshold_bytes: ctx.settings.attachments.spool_threshold_bytes,
            },
            upload_slots: Arc::new(Semaphore::new(ctx.settings.attachments.max_concurrent_uploads)),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(
        resource(TICKETS_ID_COMMENTS, "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(add)),
    );
    cfg.service(
        resource(TICKETS_ID_ATTACHMENTS, "GET, POST")
            .route(web::get().to(list_attachments))
            .route(web::post().to(upload)),
    );
    cfg.service(
        resource(ATTACHMENTS_ID, "GET, DELETE")
            .route(web::get().to(download))
            .route(web::delete().to(delete_attachment)),
    );
    cfg.service(resource(COMMENTS_ID_REDACT, "POST").route(web::post().to(redact)));
    cfg.service(resource(USERS_ID_ERASE, "POST").route(web::post().to(erase)));
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, add, upload, list_attachments, download, delete_attachment, redact, erase))]
pub struct Doc;

/// The ticket's comments, oldest first. Customers see public comments only; staff also
/// see internal notes.
#[utoipa::path(get, path = TICKETS_ID_COMMENTS, context_path = API, tag = "comments", security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"), ConversationQuery),
    responses((status = 200, description = "One page of comments", body = CommentPage), ReadErrors))]
pub async fn list(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<String>,
    query: web::Query<ConversationQuery>,
) -> Result<HttpResponse, ApiError> {
    let after = query.cursor.as_deref().map(|c| cursor::decode_id("c", c)).transpose()?;
    let page = cases
        .list_comments
        .execute(caller.0.actor(), &id, after, query.limit)
        .await?;
    Ok(HttpResponse::Ok().json(CommentPage {
        items: page.items.iter().map(CommentResponse::from).collect(),
        next_cursor: page.next.map(|c| cursor::encode_id("c", c.get())),
    }))
}

async fn post_comment(
    cases: web::Data<Cases>,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    form: CommentForm,
) -> Result<HttpResponse, ApiError> {
    let actor = caller.0.actor();
    // Held until the comment is stored (or refused): the upload's slot.
    let _slot = form.slot;
    let input = AddCommentInput {
        ticket: id.into_inner(),
        body: form.body,
        visibility: form.visibility,
        files: form.files,
        idempotency_key: idempotency_key(&req)?,
    };
    let added = cases.add_comment.execute(actor, input).await?;
    let mut builder = HttpResponse::Created();
    builder
        // The ticket's version after the comment as the caller sees it, for a following
        // If-Match.
        .insert_header(("ETag", etag(added.ticket.version_seen_by(&actor).get())));
    if added.replayed {
        builder.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(builder.json(CommentResponse::from(&added.comment)))
}

/// Adds a comment: a customer comment, an agent's public reply, or with
/// `visibility: internal` an internal note (staff only; 403 for customers). Send JSON, or
/// `multipart/form-data` with `body`, `visibility` and files. A customer answering a
/// `waiting_customer` ticket or replying to a `resolved` one moves it to `in_progress`;
/// staff's first public reply is the ticket's first response.
#[utoipa::path(post, path = TICKETS_ID_COMMENTS, context_path = API, tag = "comments", security(("bearer" = [])),
    request_body(content((AddCommentRequest = "application/json"), (AddCommentForm = "multipart/form-data"))),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key returns the same comment")),
    responses((status = 201, description = "Added (or replayed)", body = CommentResponse,
        headers(("ETag" = String, description = "The ticket's version after the comment"))), WriteErrors))]
pub async fn add(
    cases: web::Data<Cases>,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    form: CommentForm,
) -> Result<HttpResponse, ApiError> {
    post_comment(cases, req, caller, id, form).await
}

/// Uploads files to the ticket: a comment that carries only files (`multipart/form-data`
/// with file parts and an optional `visibility`).
#[utoipa::path(post, path = TICKETS_ID_ATTACHMENTS, context_path = API, tag = "comments", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, description = "Uploaded: the comment carrying the files", body = CommentResponse), WriteErrors))]
pub async fn upload(
    cases: web::Data<Cases>,
    req: HttpRequest,
    caller: Authenticated,
    id: web::Path<String>,
    form: CommentForm,
) -> Result<HttpResponse, ApiError> {
    if form.files.is_empty() {
        return Err(ApiError::field("files", "at least one file is required"));
    }
    post_comment(cases, req, caller, id, form).await
}

/// The ticket's files, oldest first, with the access rules of their comments.
#[utoipa::path(get, path = TICKETS_ID_ATTACHMENTS, context_path = API, tag = "comments", security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id or number", example = "1"), ConversationQuery),
    responses((status = 200, description = "One page of files", body = AttachmentPage), ReadErrors))]
pub async fn list_attachments(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<String>,
    query: web::Query<ConversationQuery>,
) -> Result<HttpResponse, ApiError> {
    let after = query.cursor.as_deref().map(|c| cursor::decode_id("a", c)).transpose()?;
    let page = cases
        .list_attachments
        .execute(caller.0.actor(), &id, after, query.limit)
        .await?;
    Ok(HttpResponse::Ok().json(AttachmentPage {
        items: page.items.iter().map(AttachmentResponse::from).collect(),
        next_cursor: page.next.map(|a| cursor::encode_id("a", a.get())),
    }))
}

/// Downloads a file, always as an attachment (never rendered inline).
#[utoipa::path(get, path = ATTACHMENTS_ID, context_path = API, tag = "comments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attachment id", example = 1)),
    responses((status = 200, description = "The file's bytes, with the type established at upload", body = [u8], content_type = "*/*",
        headers(("Content-Disposition" = String, description = "attachment; filename=..."),
                ("ETag" = String, description = "The SHA-256 of the bytes"))), ReadErrors))]
pub async fn download(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let file = cases.download_attachment.execute(caller.0.actor(), *id).await?;
    let a = &file.attachment;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(a.file_name.ascii_fallback()),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: a.file_name.as_str().as_bytes().to_vec(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, a.media_type.as_str()))
        .insert_header(disposition)
        .insert_header((header::ETAG, format!("\"{}\"", a.sha256)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        // Streamed from the blob store as the client reads, with its Content-Length.
        .body(SizedStream::new(file.body.size, file.body.stream)))
}

/// Deletes one file: admins any time, its uploader within 10 minutes of the upload
/// (403 otherwise; 404 for a file the caller may not see). The blob is deleted, the file
/// is no longer listed or downloadable, and the ticket's staff history records it.
#[utoipa::path(delete, path = ATTACHMENTS_ID, context_path = API, tag = "comments", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attachment id", example = 1)),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete_attachment(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    cases.delete_attachment.execute(caller.0.actor(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Redacts a comment or internal note (admins only): its text becomes `[redacted]`, its
/// files are deleted, pending notifications quoting it are cancelled, and the ticket's
/// staff history records who, when and why. 409 `already_redacted` the second time.
#[utoipa::path(post, path = COMMENTS_ID_REDACT, context_path = API, tag = "comments", security(("bearer" = [])),
    request_body = RedactRequest,
    params(("id" = i64, Path, description = "Comment id", example = 1)),
    responses((status = 200, description = "The comment as it now reads", body = CommentResponse), WriteErrors))]
pub async fn redact(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: JsonBody<RedactRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = cases
        .redact_comment
        .execute(caller.0.actor(), *id, &body.0.reason)
        .await?;
    Ok(HttpResponse::Ok().json(CommentResponse::from(&view)))
}

/// Erases a customer (admins only; 409 `not_a_customer` for staff accounts): name,
/// e-mail and phone replaced, password unusable, account deactivated, sessions revoked,
/// their comments redacted and files deleted, their tickets' subject and description
/// replaced; the tickets stay so reports keep their counts. Erasing again is harmless.
#[utoipa::path(post, path = USERS_ID_ERASE, context_path = API, tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id", example = 1)),
    responses((status = 200, description = "Erased", body = ErasureResponse), WriteErrors))]
pub async fn erase(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let done = cases.erase_customer.execute(caller.0.actor(), *id).await?;
    Ok(HttpResponse::Ok().json(ErasureResponse {
        user_id: done.user_id.get(),
        tickets: done.tickets,
        comments_redacted: done.comments,
        files_deleted: done.files,
    }))
}
