//! Checking uploaded files against the configured rules.

use std::sync::Arc;

use domain::attachment::{Sniffer, TypeRefusal};
use domain::{FileName, MediaType};
use futures_util::StreamExt as _;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::ports::{ByteStream, Bytes, single_chunk};

/// A file as received.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the client gave it (sanitised before use).
    pub file_name: String,
    /// The type the client declared, if any.
    pub declared_type: Option<String>,
    /// Its contents.
    pub body: UploadBody,
}

impl Upload {
    /// A file held in memory.
    pub fn in_memory(file_name: impl Into<String>, declared_type: Option<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            file_name: file_name.into(),
            declared_type,
            body: UploadBody::Memory(bytes.into()),
        }
    }
}

/// The bytes of an uploaded file: small ones in memory, large ones spooled to disk by
/// the edge, so that a large upload does not sit in memory while it is checked and stored.
#[derive(Clone)]
pub enum UploadBody {
    /// Held in memory.
    Memory(Bytes),
    /// Spooled to a temporary file, read from there as often as needed.
    Spooled(Arc<dyn SpooledFile>),
}

impl UploadBody {
    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        match self {
            Self::Memory(b) => b.len() as u64,
            Self::Spooled(f) => f.size(),
        }
    }

    /// Its bytes from the start.
    pub fn stream(&self) -> ByteStream {
        match self {
            Self::Memory(b) => single_chunk(b.clone()),
            Self::Spooled(f) => f.read(),
        }
    }
}

impl std::fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory(b) => write!(f, "Memory({} bytes)", b.len()),
            Self::Spooled(s) => write!(f, "Spooled({} bytes)", s.size()),
        }
    }
}

/// A file the edge spooled to temporary storage; it is removed when the last handle to
/// it is dropped.
pub trait SpooledFile: Send + Sync {
    /// Its size in bytes.
    fn size(&self) -> u64;
    /// Its bytes from the start, as a stream (a new one on each call).
    fn read(&self) -> ByteStream;
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
    pub size: u64,
    pub body: UploadBody,
}

/// Checks every file: count, size, type from the bytes; sanitises names. Each file is
/// read once, as a stream, for its type and digest.
pub(crate) async fn check_uploads(
    rules: &AttachmentRules,
    uploads: Vec<Upload>,
) -> Result<Vec<CheckedUpload>, AppError> {
    if uploads.len() > rules.max_files as usize {
        return Err(AppError::invalid(
            "files",
            format!("at most {} files may come with one comment", rules.max_files),
        ));
    }
    let mut checked = Vec::with_capacity(uploads.len());
    for u in uploads {
        let file_name = FileName::sanitize(&u.file_name);
        let size = u.body.size();
        if size > rules.max_file_bytes {
            return Err(AppError::PayloadTooLarge(format!(
                "`{file_name}` is larger than the limit of {} bytes a file",
                rules.max_file_bytes
            )));
        }
        if size == 0 {
            return Err(AppError::invalid("files", format!("`{file_name}` is empty")));
        }
        let mut sniffer = Sniffer::new();
        let mut digest = Sha256::new();
        let mut read: u64 = 0;
        let mut stream = u.body.stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| AppError::Unavailable(format!("reading an upload back failed: {e}")))?;
            read += chunk.len() as u64;
            sniffer.feed(&chunk);
            digest.update(&chunk);
        }
        if read != size {
            return Err(AppError::Internal(format!(
                "an upload of {size} bytes read back as {read} bytes"
            )));
        }
        // Only a hint: an unreadable declaration is no declaration.
        let declared = u.declared_type.as_deref().and_then(MediaType::parse);
        let media_type = sniffer.finish(declared.as_ref(), &rules.allowed_types).map_err(|e| {
            let TypeRefusal::NotAllowed { .. } = &e;
            let names: Vec<&str> = rules.allowed_types.iter().map(MediaType::as_str).collect();
            AppError::UnsupportedMediaType(format!("`{file_name}`: {e}; accepted: {}", names.join(", ")))
        })?;
        checked.push(CheckedUpload {
            file_name,
            media_type,
            sha256: hex(&digest.finalize()),
            size,
            body: u.body,
        });
    }
    Ok(checked)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
