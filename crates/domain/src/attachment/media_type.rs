//! A file's type, established from its bytes rather than believed from the client.

use std::fmt;

/// A media type such as `image/png`: lowercase `type/subtype`, no parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaType(String);

impl MediaType {
    /// Parses `type/subtype` (parameters such as `; charset=utf-8` are dropped),
    /// lowercased. `None` when it is not of that shape.
    pub fn parse(raw: &str) -> Option<Self> {
        let essence = raw.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let (kind, sub) = essence.split_once('/')?;
        let token = |s: &str| {
            !s.is_empty()
                && s.len() <= 127
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
        };
        (token(kind) && token(sub)).then_some(Self(essence))
    }

    /// The type, e.g. `image/png`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn from_static(s: &'static str) -> Self {
        Self(s.to_owned())
    }

    fn is_text(&self) -> bool {
        self.0.starts_with("text/")
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a file's type is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRefusal {
    /// The bytes are of a type the help desk does not accept.
    NotAllowed {
        /// The type found in the bytes.
        detected: MediaType,
    },
    /// The client declared a type the bytes are not.
    Mismatch {
        /// What the client said.
        declared: MediaType,
        /// What the bytes are.
        detected: MediaType,
    },
}

impl fmt::Display for TypeRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAllowed { detected } => write!(f, "files of type {detected} are not accepted"),
            Self::Mismatch { declared, detected } => {
                write!(f, "the file was declared as {declared} but its content is {detected}")
            }
        }
    }
}

impl std::error::Error for TypeRefusal {}

/// Signatures of binary formats: (offset, magic bytes, type).
const SIGNATURES: &[(usize, &[u8], &str)] = &[
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"PK\x05\x06", "application/zip"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"MZ", "application/x-msdownload"),
    (0, b"\x7fELF", "application/x-executable"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
];

/// Formats that are ZIP containers: a ZIP's bytes may be declared as one of these.
const ZIP_BASED: &[&str] = &[
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// Decides a file's type from its bytes and the type the client declared, then checks it
/// against `allowed`.
///
/// The bytes decide: a known signature (PNG, JPEG, GIF, WebP, PDF, ZIP, ...) gives its
/// type; otherwise valid UTF-8 without control characters (other than tab and line
/// breaks) is text; anything else is `application/octet-stream`. The declared type only
/// refines within what the bytes allow: a ZIP may be a declared office document, text may
/// be a declared `text/csv`. A declared type the bytes contradict is a
/// [`TypeRefusal::Mismatch`]; `application/octet-stream` declares nothing.
pub fn sniff(bytes: &[u8], declared: Option<&MediaType>, allowed: &[MediaType]) -> Result<MediaType, TypeRefusal> {
    let detected = detect(bytes);
    let declared = declared.filter(|d| d.as_str() != "application/octet-stream");
    let chosen = match declared {
        None => detected,
        Some(d) if *d == detected => detected,
        Some(d) if detected.as_str() == "application/zip" && ZIP_BASED.contains(&d.as_str()) => d.clone(),
        Some(d) if detected.as_str() == "text/plain" && d.is_text() && d.as_str() != "text/html" => d.clone(),
        Some(d) => {
            return Err(TypeRefusal::Mismatch {
                declared: d.clone(),
                detected,
            });
        }
    };
    if allowed.contains(&chosen) {
        Ok(chosen)
    } else {
        Err(TypeRefusal::NotAllowed { detected: chosen })
    }
}

fn detect(bytes: &[u8]) -> MediaType {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return MediaType::from_static("image/webp");
    }
    if let Some((_, _, t)) = SIGNATURES
        .iter()
        .find(|(at, magic, _)| bytes.get(*at..).is_some_and(|b| b.starts_with(magic)))
    {
        return MediaType::from_static(t);
    }
    if looks_like_markup(bytes) {
        return MediaType::from_static("text/html");
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if text.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')) => {
            MediaType::from_static("text/plain")
        }
        _ => MediaType::from_static("application/octet-stream"),
    }
}

/// HTML and SVG are text, but a browser runs their scripts; they are told apart so that
/// an allow-list with `text/plain` does not let them in.
fn looks_like_markup(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let head = String::from_utf8_lossy(head)
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    [
        "<!doctype html",
        "<html",
        "<script",
        "<svg",
        "<?xml",
        "<head",
        "<body",
        "<iframe",
    ]
    .iter()
    .any(|p| head.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> MediaType {
        MediaType::parse(s).expect("valid media type")
    }

    fn allowed() -> Vec<MediaType> {
        ["image/png", "application/pdf", "text/plain", "text/csv", ZIP_BASED[0]]
            .into_iter()
            .map(t)
            .collect()
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn parsing_lowercases_and_drops_parameters() {
        assert_eq!(t("Text/Plain; charset=UTF-8").as_str(), "text/plain");
        assert_eq!(MediaType::parse("nonsense"), None);
        assert_eq!(MediaType::parse("a/b/c"), None);
        assert_eq!(MediaType::parse("image/"), None);
    }

    #[test]
    fn the_bytes_decide_the_type() {
        assert_eq!(sniff(PNG, None, &allowed()), Ok(t("image/png")));
        assert_eq!(sniff(PNG, Some(&t("image/png")), &allowed()), Ok(t("image/png")));
        assert_eq!(
            sniff(b"%PDF-1.7\n...", Some(&t("application/octet-stream")), &allowed()),
            Ok(t("application/pdf"))
        );
        assert_eq!(sniff(b"hello\r\nworld\t!", None, &allowed()), Ok(t("text/plain")));
        assert_eq!(
            sniff(b"a,b\n1,2\n", Some(&t("text/csv")), &allowed()),
            Ok(t("text/csv"))
        );
        assert_eq!(
            sniff(b"PK\x03\x04rest", Some(&t(ZIP_BASED[0])), &allowed()),
            Ok(t(ZIP_BASED[0]))
        );
    }

    #[test]
    fn a_declared_type_the_bytes_contradict_is_refused() {
        assert_eq!(
            sniff(b"MZ\x90\0 windows program", Some(&t("image/png")), &allowed()),
            Err(TypeRefusal::Mismatch {
                declared: t("image/png"),
                detected: t("application/x-msdownload")
            })
        );
        assert!(matches!(
            sniff(b"just text", Some(&t("application/pdf")), &allowed()),
            Err(TypeRefusal::Mismatch { .. })
        ));
    }

    #[test]
    fn types_outside_the_allow_list_are_refused() {
        for (bytes, detected) in [
            (&b"\x7fELF\x02\x01"[..], "application/x-executable"),
            (b"<!DOCTYPE html><script>alert(1)</script>", "text/html"),
            (b"  <svg xmlns='http://www.w3.org/2000/svg'/>", "text/html"),
            (b"\0\x01\x02binary", "application/octet-stream"),
            (b"GIF89a....", "image/gif"),
        ] {
            assert_eq!(
                sniff(bytes, None, &allowed()),
                Err(TypeRefusal::NotAllowed { detected: t(detected) }),
                "{detected}"
            );
        }
        assert!(
            sniff(b"<html>", Some(&t("text/plain")), &allowed()).is_err(),
            "markup declared as text is still markup"
        );
    }
}
