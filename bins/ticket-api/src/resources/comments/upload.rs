//! Reading a comment from a JSON body or a `multipart/form-data` upload, within the
//! configured limits.
//!
//! Limits are enforced while the body streams in, so an oversized upload is never
//! buffered whole. After a limit is crossed the rest of the body is read and dropped (up
//! to [`DRAIN_FACTOR`] times the request limit) so the client receives the 413 on a
//! healthy connection instead of a reset.
//!
//! A multipart upload first takes one of `attachments.max_concurrent_uploads` slots, held
//! until its handler is done; with none free it is answered 503 with `Retry-After` at
//! once, before its body is read. Of a request's files at most
//! `attachments.spool_threshold_bytes` are kept in memory; the rest is spooled to
//! temporary files (in the system's temporary directory, `TMPDIR`), removed when the
//! request is done.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use application::comments::{SpooledFile, Upload, UploadBody};
use application::ports::{BlobError, ByteStream, Bytes};
use futures_util::StreamExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::OwnedSemaphorePermit;

use super::Cases;
use super::dto::AddCommentRequest;
use crate::problem::{ApiError, parse_json_object, read_and_parse};

/// Seconds a client told "too many uploads" is asked to wait.
const BUSY_RETRY_AFTER_SECS: u32 = 2;
/// The size of the chunks a spooled file is read back in.
const SPOOL_READ_CHUNK: usize = 64 * 1024;

/// How much more than the request limit is drained before the connection is given up.
const DRAIN_FACTOR: u64 = 4;
/// The largest text field of a form (the comment body's own limit is checked later).
const TEXT_FIELD_MAX_BYTES: u64 = 128 * 1024;

/// The upload limits, from `attachments.*`.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// The largest file.
    pub max_file_bytes: u64,
    /// The largest request.
    pub max_request_bytes: u64,
    /// The most files in one request.
    pub max_files: u32,
    /// The most bytes of a request's files held in memory; the rest goes to temporary files.
    pub spool_threshold_bytes: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 10 * 1024 * 1024,
            max_request_bytes: 25 * 1024 * 1024,
            max_files: 10,
            spool_threshold_bytes: 1024 * 1024,
        }
    }
}

/// A comment as sent: JSON `{body, visibility}` or a form with `body`, `visibility` and
/// any number of file parts.
#[derive(Debug, Default)]
pub struct CommentForm {
    /// The text.
    pub body: Option<String>,
    /// `public` or `internal`.
    pub visibility: Option<String>,
    /// The files.
    pub files: Vec<Upload>,
    /// The upload slot a multipart request holds until it is dropped.
    pub slot: Option<OwnedSemaphorePermit>,
}

/// A file part spooled to a temporary file, deleted when the last handle is dropped.
struct Spool {
    file: tempfile::NamedTempFile,
    size: u64,
}

impl SpooledFile for Spool {
    fn size(&self) -> u64 {
        self.size
    }

    fn read(&self) -> ByteStream {
        // Opened now, so the stream reads the file even if the spool is dropped first.
        let file = match std::fs::File::open(self.file.path()) {
            Ok(f) => tokio::fs::File::from_std(f),
            Err(e) => {
                let e = BlobError::Unavailable(format!("cannot reopen a spooled upload: {e}"));
                return Box::pin(futures_util::stream::once(async move { Err(e) }));
            }
        };
        Box::pin(futures_util::stream::try_unfold(file, |mut file| async move {
            let mut buf = vec![0u8; SPOOL_READ_CHUNK];
            let n = file
                .read(&mut buf)
                .await
                .map_err(|e| BlobError::Unavailable(format!("cannot read a spooled upload: {e}")))?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            Ok(Some((Bytes::from(buf), file)))
        }))
    }
}

/// A file part being received: in memory until the request's memory budget is spent,
/// then in a temporary file.
enum Receiving {
    Memory(Vec<u8>),
    Spooling(tempfile::NamedTempFile, tokio::fs::File, u64),
}

impl Receiving {
    fn len(&self) -> u64 {
        match self {
            Self::Memory(b) => b.len() as u64,
            Self::Spooling(_, _, n) => *n,
        }
    }

    /// Adds `chunk`, moving to a temporary file when `in_memory` (the request's bytes
    /// held in memory so far) plus it would pass `budget`.
    async fn push(&mut self, chunk: &[u8], in_memory: &mut u64, budget: u64) -> Result<(), ApiError> {
        if let Self::Memory(bytes) = self {
            if *in_memory + chunk.len() as u64 <= budget {
                bytes.extend_from_slice(chunk);
                *in_memory += chunk.len() as u64;
                return Ok(());
            }
            let temp = tempfile::NamedTempFile::new().map_err(spool_failed)?;
            let mut file = tokio::fs::File::from_std(temp.reopen().map_err(spool_failed)?);
            file.write_all(bytes).await.map_err(spool_failed)?;
            *in_memory -= bytes.len() as u64;
            let len = bytes.len() as u64;
            *self = Self::Spooling(temp, file, len);
        }
        if let Self::Spooling(_, file, n) = self {
            file.write_all(chunk).await.map_err(spool_failed)?;
            *n += chunk.len() as u64;
        }
        Ok(())
    }

    async fn finish(self) -> Result<UploadBody, ApiError> {
        match self {
            Self::Memory(b) => Ok(UploadBody::Memory(Bytes::from(b))),
            Self::Spooling(temp, mut file, size) => {
                file.flush().await.map_err(spool_failed)?;
                Ok(UploadBody::Spooled(Arc::new(Spool { file: temp, size })))
            }
        }
    }

    fn into_text(self) -> Vec<u8> {
        match self {
            Self::Memory(b) => b,
            // Text fields stay far below any budget; never spooled.
            Self::Spooling(..) => Vec::new(),
        }
    }
}

fn spool_failed(e: std::io::Error) -> ApiError {
    ApiError::from(application::AppError::Unavailable(format!(
        "cannot spool an upload to a temporary file: {e}"
    )))
}

fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

impl FromRequest for CommentForm {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        if is_multipart(req) {
            let cases = req.app_data::<web::Data<Cases>>();
            let limits = cases.map(|s| s.upload_limits).unwrap_or_default();
            let slot = match cases.map(|c| c.upload_slots.clone().try_acquire_owned()) {
                Some(Ok(permit)) => Some(permit),
                Some(Err(_)) => {
                    return Box::pin(async {
                        Err(ApiError::busy(
                            "too_many_uploads",
                            "the server is receiving as many uploads as it takes at once; retry shortly",
                            BUSY_RETRY_AFTER_SECS,
                        ))
                    });
                }
                None => None,
            };
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let multipart = Multipart::new(req.headers(), payload.take());
            Box::pin(async move {
                let mut form = read_form(multipart, limits, declared).await?;
                form.slot = slot;
                Ok(form)
            })
        } else {
            let parsed = read_and_parse(req, payload, parse_json_object::<AddCommentRequest>);
            Box::pin(async move {
                let r = parsed.await?;
                Ok(CommentForm {
                    body: Some(r.body),
                    visibility: r.visibility,
                    files: Vec::new(),
                    slot: None,
                })
            })
        }
    }
}

fn malformed(e: actix_multipart::MultipartError) -> ApiError {
    if let actix_multipart::MultipartError::Payload(p) = &e
        && crate::deadline::is_timeout(p)
    {
        return ApiError::body_timeout();
    }
    ApiError::bad_request("malformed_multipart", format!("the multipart body cannot be read: {e}"))
}

fn too_large(detail: String) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", detail)
}

async fn read_form(
    mut multipart: Multipart,
    limits: UploadLimits,
    declared: Option<u64>,
) -> Result<CommentForm, ApiError> {
    let request_too_large = || {
        too_large(format!(
            "the request is larger than the limit of {} bytes",
            limits.max_request_bytes
        ))
    };
    let give_up_at = limits.max_request_bytes.saturating_mul(DRAIN_FACTOR);
    if declared.is_some_and(|n| n > give_up_at) {
        return Err(request_too_large());
    }
    // Files plus a few text fields; a stream of empty parts must not run forever.
    let max_parts = limits.max_files as usize + 8;
    let mut parts = 0;
    let mut total: u64 = 0;
    let mut in_memory: u64 = 0;
    let mut failure: Option<ApiError> = None;
    let mut form = CommentForm::default();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        parts += 1;
        if parts > max_parts {
            return Err(ApiError::field(
                "files",
                format!(
                    "a form has at most {max_parts} parts (at most {} files)",
                    limits.max_files
                ),
            ));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let declared_type = field.content_type().map(|m| m.essence_str().to_owned());
        let limit = if file_name.is_some() {
            limits.max_file_bytes
        } else {
            TEXT_FIELD_MAX_BYTES
        };
        // Text fields count against no budget: they are small and never spooled.
        let budget = if file_name.is_some() {
            limits.spool_threshold_bytes
        } else {
            u64::MAX
        };
        let mut received = Receiving::Memory(Vec::new());
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            total += chunk.len() as u64;
            if total > give_up_at {
                return Err(failure.unwrap_or_else(request_too_large));
            }
            if failure.is_some() {
                continue;
            }
            if total > limits.max_request_bytes {
                failure = Some(request_too_large());
            } else if received.len() + chunk.len() as u64 > limit {
                failure = Some(match &file_name {
                    Some(f) => too_large(format!(
                        "`{}` is larger than the limit of {} bytes a file",
                        domain::FileName::sanitize(f),
                        limits.max_file_bytes
                    )),
                    None => ApiError::field(&name, format!("is longer than {TEXT_FIELD_MAX_BYTES} bytes")),
                });
            } else {
                received.push(&chunk, &mut in_memory, budget).await?;
            }
        }
        if failure.is_some() {
            continue;
        }
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(|_| ApiError::field(&name, "must be UTF-8 text"));
        // Errors below are kept, not returned, so the rest of the body is still drained.
        match (file_name, name.as_str()) {
            (Some(_), _) if form.files.len() >= limits.max_files as usize => {
                failure = Some(ApiError::field(
                    "files",
                    format!("at most {} files may come with one comment", limits.max_files),
                ));
            }
            (Some(file_name), _) => form.files.push(Upload {
                file_name,
                declared_type,
                body: received.finish().await?,
            }),
            (None, "body") => match text(received.into_text()) {
                Ok(t) => form.body = Some(t),
                Err(e) => failure = Some(e),
            },
            (None, "visibility") => match text(received.into_text()) {
                Ok(t) => form.visibility = Some(t),
                Err(e) => failure = Some(e),
            },
            (None, other) => {
                failure = Some(ApiError::field(
                    other,
                    "is not a field of this form (expected body, visibility and files)",
                ));
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(form),
    }
}
