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
        /// The type found in the bytes (refined by the declared type where the bytes
        /// allow it).
        detected: MediaType,
    },
}

impl fmt::Display for TypeRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAllowed { detected } => write!(f, "files of type {detected} are not accepted"),
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
    (0, b"\x7fELF", "application/x-executable"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
];

/// Names clients use for CSV (Windows browsers say `application/vnd.ms-excel`).
const CSV_ALIASES: &[&str] = &[
    "text/x-csv",
    "application/csv",
    "application/vnd.ms-excel",
    "text/comma-separated-values",
];

/// Formats that are ZIP containers: a ZIP's bytes may be declared as one of these.
const ZIP_BASED: &[&str] = &[
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// Decides a file's type from its bytes, with the type the client declared as a hint
/// only, then checks it against `allowed`.
///
/// The bytes decide: a known signature (PNG, JPEG, GIF, WebP, PDF, ZIP, executables, ...)
/// gives its type; markup (HTML, SVG, XML) anywhere near the start is `text/html`; text
/// (UTF-8, or a legacy 8-bit encoding, without control characters other than tab, form
/// feed and line breaks) is `text/plain`; anything else is `application/octet-stream`.
/// The declared type only refines what the bytes allow: a ZIP may be a declared office
/// document, text a declared `text/csv` (or one of the names browsers use for CSV) or other
/// text type. A declared type the bytes contradict is ignored, never believed.
pub fn sniff(bytes: &[u8], declared: Option<&MediaType>, allowed: &[MediaType]) -> Result<MediaType, TypeRefusal> {
    let mut sniffer = Sniffer::new();
    sniffer.feed(bytes);
    sniffer.finish(declared, allowed)
}

/// How much of the start of a file decides its signature and whether it is markup.
const HEAD_BYTES: usize = 8 * 1024;

/// [`sniff`] for a file that arrives in pieces: feed every piece in order, then
/// [`Sniffer::finish`]. It keeps the first 8 KiB and a few bytes of state, never the
/// whole file, and decides exactly as [`sniff`] does on the bytes put together.
#[derive(Debug, Clone, Default)]
pub struct Sniffer {
    head: Vec<u8>,
    /// The end of an unfinished UTF-8 sequence carried to the next piece.
    carry: Vec<u8>,
    /// Every piece so far is UTF-8 (up to the carry).
    utf8: bool,
    /// The UTF-8 text so far has no control character other than tab, line breaks and
    /// form feed.
    utf8_clean: bool,
    /// Every byte so far is printable in a legacy 8-bit encoding, or an allowed control.
    legacy_clean: bool,
}

impl Sniffer {
    /// A sniffer that has seen nothing yet.
    pub fn new() -> Self {
        Self {
            head: Vec::new(),
            carry: Vec::new(),
            utf8: true,
            utf8_clean: true,
            legacy_clean: true,
        }
    }

    /// Takes the next piece of the file.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        let allowed_control = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x0c);
        if self.legacy_clean {
            self.legacy_clean = bytes.iter().all(|&b| (b >= 0x20 && b != 0x7f) || allowed_control(b));
        }
        if self.utf8 {
            self.scan_utf8(bytes);
        }
    }

    fn scan_utf8(&mut self, bytes: &[u8]) {
        let joined;
        let piece: &[u8] = if self.carry.is_empty() {
            bytes
        } else {
            let mut j = std::mem::take(&mut self.carry);
            j.extend_from_slice(bytes);
            joined = j;
            &joined
        };
        let (text, rest) = match std::str::from_utf8(piece) {
            Ok(text) => (text, &[][..]),
            Err(e) if e.error_len().is_none() => {
                let (valid, rest) = piece.split_at(e.valid_up_to());
                // Checked valid up to there just now.
                (std::str::from_utf8(valid).unwrap_or_default(), rest)
            }
            Err(_) => {
                self.utf8 = false;
                return;
            }
        };
        if self.utf8_clean {
            self.utf8_clean = text
                .chars()
                .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'));
        }
        self.carry = rest.to_vec();
    }

    /// The file's type, decided from everything fed, checked against `allowed`.
    pub fn finish(self, declared: Option<&MediaType>, allowed: &[MediaType]) -> Result<MediaType, TypeRefusal> {
        let text = self.is_text();
        let detected = detect(&self.head, text);
        let chosen = match declared.map(MediaType::as_str) {
            Some(d) if detected.as_str() == "application/zip" && ZIP_BASED.contains(&d) => MediaType(d.to_owned()),
            Some(d) if detected.as_str() == "text/plain" && CSV_ALIASES.contains(&d) => {
                MediaType::from_static("text/csv")
            }
            Some(d) if detected.as_str() == "text/plain" && d.starts_with("text/") && !is_markup_type(d) => {
                MediaType(d.to_owned())
            }
            _ => detected,
        };
        if allowed.contains(&chosen) {
            Ok(chosen)
        } else {
            Err(TypeRefusal::NotAllowed { detected: chosen })
        }
    }

    /// UTF-8 (or UTF-16 with its byte-order mark, or a legacy 8-bit encoding such as
    /// Windows-1252) without control characters other than tab, line breaks and form feed.
    fn is_text(&self) -> bool {
        if self.head.starts_with(&[0xff, 0xfe]) || self.head.starts_with(&[0xfe, 0xff]) {
            return true;
        }
        if self.utf8 && self.carry.is_empty() {
            self.utf8_clean
        } else {
            self.legacy_clean
        }
    }
}

fn is_markup_type(t: &str) -> bool {
    matches!(t, "text/html" | "text/xml" | "text/javascript" | "text/ecmascript") || t.ends_with("+xml")
}

/// The type of a file from its first [`HEAD_BYTES`] and whether the whole of it is text.
fn detect(bytes: &[u8], text: bool) -> MediaType {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return MediaType::from_static("image/webp");
    }
    // A DOS/Windows executable: "MZ" and a header with NUL bytes (text starting with
    // "MZ" is still text).
    if bytes.starts_with(b"MZ") && bytes[..bytes.len().min(64)].contains(&0) {
        return MediaType::from_static("application/x-msdownload");
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
    if text {
        MediaType::from_static("text/plain")
    } else {
        MediaType::from_static("application/octet-stream")
    }
}

/// Tags and prefixes that make a browser, mail client or previewer treat text as markup.
const MARKUP: &[&str] = &[
    "<!doctype",
    "<html",
    "<script",
    "<svg",
    "<?xml",
    "<head",
    "<body",
    "<iframe",
    "<object",
    "<embed",
    "<meta",
    "<style",
    "<img",
    "<link",
    "<form",
    "<base",
    "<!--",
    "<a ",
    "<div",
    "<math",
    "<xsl",
];

/// HTML, SVG and XML are text, but a browser runs their scripts; they are told apart so
/// that an allow-list with `text/plain` does not let them in. The first 8 KiB are searched,
/// not only the start, since browsers sniff past leading text.
fn looks_like_markup(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    MARKUP.iter().any(|p| head.contains(p))
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
        assert_eq!(sniff(b"MZ is a town in text", None, &allowed()), Ok(t("text/plain")));
    }

    #[test]
    fn browser_names_and_legacy_encodings_are_understood() {
        for declared in ["application/vnd.ms-excel", "text/x-csv", "application/csv"] {
            assert_eq!(
                sniff(b"a;b\n1;2\n", Some(&t(declared)), &allowed()),
                Ok(t("text/csv")),
                "{declared}"
            );
        }
        // Windows-1252 "café" and UTF-16 with a byte-order mark are text.
        assert_eq!(
            sniff(b"caf\xe9;1\n", Some(&t("text/csv")), &allowed()),
            Ok(t("text/csv"))
        );
        assert_eq!(sniff(b"\xff\xfeh\0i\0", None, &allowed()), Ok(t("text/plain")));
        // A wrong or generic declaration is ignored: the bytes are a PNG.
        assert_eq!(sniff(PNG, Some(&t("image/jpg")), &allowed()), Ok(t("image/png")));
    }

    #[test]
    fn a_declared_type_the_bytes_contradict_is_not_believed() {
        assert_eq!(
            sniff(b"MZ\x90\0\x03\0 windows program", Some(&t("image/png")), &allowed()),
            Err(TypeRefusal::NotAllowed {
                detected: t("application/x-msdownload")
            })
        );
        assert_eq!(
            sniff(b"just text", Some(&t("application/pdf")), &allowed()),
            Ok(t("text/plain")),
            "stored as what it is"
        );
        assert!(
            sniff(b"<html>", Some(&t("text/plain")), &allowed()).is_err(),
            "markup stays markup"
        );
        assert!(sniff(b"a,b\n<img src=x onerror=alert(1)>", Some(&t("text/csv")), &allowed()).is_err());
        assert!(sniff(b"notes\n\n<!-- hidden --><script>x</script>", None, &allowed()).is_err());
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
    }

    proptest::proptest! {
        /// Fed in pieces, the sniffer decides as `sniff` does on the whole file: a UTF-8
        /// character or the 8 KiB head cut between pieces changes nothing.
        #[test]
        fn pieces_decide_as_the_whole(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            text in "[a-zé€😀<> \n\t\u{1}\u{85}]{0,40}",
            pad in 0usize..9000,
            cuts in proptest::collection::vec(0usize..10_000, 0..6),
            as_text in proptest::prelude::any::<bool>(),
        ) {
            let mut bytes = vec![b'x'; pad];
            if as_text { bytes.extend_from_slice(text.as_bytes()) } else { bytes.extend_from_slice(&body) }
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut sniffer = Sniffer::new();
            let mut from = 0;
            for c in cuts.into_iter().chain([bytes.len()]) {
                sniffer.feed(&bytes[from..c]);
                from = c;
            }
            let everything: Vec<MediaType> = ["text/plain", "text/html", "application/octet-stream"].into_iter().map(t).collect();
            proptest::prop_assert_eq!(sniffer.finish(None, &everything), sniff(&bytes, None, &everything));
            proptest::prop_assert_eq!(sniff(&bytes, None, &everything).unwrap_or_else(|TypeRefusal::NotAllowed { detected }| detected), detect(&bytes, whole_is_text(&bytes)));
        }
    }

    /// The text check as it was before files were sniffed in pieces: over the whole file.
    fn whole_is_text(bytes: &[u8]) -> bool {
        if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
            return true;
        }
        let allowed_control = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x0c);
        match std::str::from_utf8(bytes) {
            Ok(text) => text
                .chars()
                .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}')),
            Err(_) => bytes.iter().all(|&b| (b >= 0x20 && b != 0x7f) || allowed_control(b)),
        }
    }

    #[test]
    fn a_text_file_with_a_control_character_past_the_head_is_not_text() {
        let mut sniffer = Sniffer::new();
        sniffer.feed(&vec![b'a'; 20_000]);
        sniffer.feed(b"\0");
        sniffer.feed(b"more text");
        assert_eq!(
            sniffer.finish(None, &allowed()),
            Err(TypeRefusal::NotAllowed {
                detected: t("application/octet-stream")
            })
        );
    }
}
