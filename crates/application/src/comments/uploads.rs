//! Checking uploaded files against the configured rules.

use domain::attachment::{TypeRefusal, sniff};
use domain::{FileName, MediaType};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// A file as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The name the client gave it (sanitised before use).
    pub file_name: String,
    /// The type the client declared, if any.
    pub declared_type: Option<String>,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// What files are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRules {
    /// The largest file, in bytes.
    pub max_file_bytes: u64,
    /// The most files on one comment.
    pub max_files: u32,
    /// The accepted types, as established from the bytes.
    pub allowed_types: Vec<MediaType>,
}

impl Default for AttachmentRules {
    fn default() -> Self {
        Self {
            max_file_bytes: 10 * 1024 * 1024,
            max_files: 10,
            allowed_types: Self::DEFAULT_TYPES.iter().filter_map(|t| MediaType::parse(t)).collect(),
        }
    }
}

impl AttachmentRules {
    /// The default allow-list: images, PDF, plain text and CSV, ZIP and office documents.
    /// HTML and SVG are left out on purpose: a browser would run their scripts.
    pub const DEFAULT_TYPES: &'static [&'static str] = &[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    ];
}

/// A file that passed the rules.
#[derive(Debug, Clone)]
pub(crate) struct CheckedUpload {
    pub file_name: FileName,
    pub media_type: MediaType,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Checks every file: count, size, type from the bytes; sanitises names.
pub(crate) fn check_uploads(rules: &AttachmentRules, uploads: Vec<Upload>) -> Result<Vec<CheckedUpload>, AppError> {
    if uploads.len() > rules.max_files as usize {
        return Err(AppError::invalid(
            "files",
            format!("at most {} files may come with one comment", rules.max_files),
        ));
    }
    uploads
        .into_iter()
        .map(|u| {
            let file_name = FileName::sanitize(&u.file_name);
            if u.bytes.len() as u64 > rules.max_file_bytes {
                return Err(AppError::PayloadTooLarge(format!(
                    "`{file_name}` is larger than the limit of {} bytes a file",
                    rules.max_file_bytes
                )));
            }
            if u.bytes.is_empty() {
                return Err(AppError::invalid("files", format!("`{file_name}` is empty")));
            }
            // Only a hint: an unreadable declaration is no declaration.
            let declared = u.declared_type.as_deref().and_then(MediaType::parse);
            let media_type = sniff(&u.bytes, declared.as_ref(), &rules.allowed_types).map_err(|e| {
                let TypeRefusal::NotAllowed { .. } = &e;
                let names: Vec<&str> = rules.allowed_types.iter().map(MediaType::as_str).collect();
                AppError::UnsupportedMediaType(format!("`{file_name}`: {e}; accepted: {}", names.join(", ")))
            })?;
            let sha256 = hex(&Sha256::digest(&u.bytes));
            Ok(CheckedUpload {
                file_name,
                media_type,
                sha256,
                bytes: u.bytes,
            })
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
