//! Reading a comment from a JSON body or a `multipart/form-data` upload, within the
//! configured limits.
//!
//! Limits are enforced while the body streams in, so an oversized upload is never
//! buffered whole. After a limit is crossed the rest of the body is read and dropped (up
//! to [`DRAIN_FACTOR`] times the request limit) so the client receives the 413 on a
//! healthy connection instead of a reset.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use application::comments::Upload;
use futures_util::StreamExt as _;

use super::Cases;
use super::dto::AddCommentRequest;
use crate::problem::{ApiError, parse_json_object, read_and_parse};

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
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 10 * 1024 * 1024,
            max_request_bytes: 25 * 1024 * 1024,
            max_files: 10,
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
            let limits = req
                .app_data::<web::Data<Cases>>()
                .map(|s| s.upload_limits)
                .unwrap_or_default();
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let multipart = Multipart::new(req.headers(), payload.take());
            Box::pin(read_form(multipart, limits, declared))
        } else {
            let parsed = read_and_parse(req, payload, parse_json_object::<AddCommentRequest>);
            Box::pin(async move {
                let r = parsed.await?;
                Ok(CommentForm {
                    body: Some(r.body),
                    visibility: r.visibility,
                    files: Vec::new(),
                })
            })
        }
    }
}

fn malformed(e: impl std::fmt::Display) -> ApiError {
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
        let mut bytes = Vec::new();
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
            } else if (bytes.len() + chunk.len()) as u64 > limit {
                failure = Some(match &file_name {
                    Some(f) => too_large(format!(
                        "`{}` is larger than the limit of {} bytes a file",
                        domain::FileName::sanitize(f),
                        limits.max_file_bytes
                    )),
                    None => ApiError::field(&name, format!("is longer than {TEXT_FIELD_MAX_BYTES} bytes")),
                });
            } else {
                bytes.extend_from_slice(&chunk);
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
                bytes,
            }),
            (None, "body") => match text(bytes) {
                Ok(t) => form.body = Some(t),
                Err(e) => failure = Some(e),
            },
            (None, "visibility") => match text(bytes) {
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
