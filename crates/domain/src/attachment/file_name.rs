//! Sanitised file names.

use std::fmt;

/// A file name safe to show and to put in a `Content-Disposition` header: the last path
/// component of what the client sent, without control characters, reserved characters or
/// leading dots, at most [`FileName::MAX_BYTES`] bytes, never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileName(String);

impl FileName {
    /// The longest name kept, in bytes of UTF-8 (the common file-system limit).
    pub const MAX_BYTES: usize = 255;
    /// The name used when nothing usable is left.
    pub const FALLBACK: &'static str = "file";

    /// Makes any client-supplied name safe. Never fails: a name that is all path or all
    /// forbidden characters becomes [`FileName::FALLBACK`].
    pub fn sanitize(raw: &str) -> Self {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let cleaned: String = last
            .chars()
            .filter(|c| !is_format_character(*c))
            .map(|c| match c {
                '<' | '>' | ':' | '"' | '|' | '?' | '*' | ';' => '_',
                c if c.is_control() => '_',
                c => c,
            })
            .collect();
        // Leading dots hide files; trailing dots and spaces are dropped by Windows.
        let trimmed = cleaned
            .trim()
            .trim_start_matches('.')
            .trim_end_matches(['.', ' '])
            .trim();
        if trimmed.is_empty() || trimmed.chars().all(|c| c == '_') {
            return Self(Self::FALLBACK.to_owned());
        }
        Self(truncate_keeping_extension(trimmed, Self::MAX_BYTES))
    }

    /// Wraps a name read back from storage, sanitising it again so a bad row cannot
    /// produce an unsafe header.
    pub fn restore(stored: &str) -> Self {
        Self::sanitize(stored)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name with only ASCII letters, digits and `.-_ ` kept (others as `_`), for the
    /// plain `filename=` parameter; the exact name goes in `filename*`.
    pub fn ascii_fallback(&self) -> String {
        self.0
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

/// Invisible characters that reorder or hide text (bidirectional overrides such as
/// U+202E, zero-width characters, the soft hyphen, the byte-order mark): they let
/// `invoice\u{202e}fdp.exe` show as `invoiceexe.pdf`.
fn is_format_character(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if name.len() - dot <= 16 => name.split_at(dot),
        _ => (name, ""),
    };
    let mut end = max - ext.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ext}", &stem[..end])
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_components_are_dropped() {
        for (raw, want) in [
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
            ("/abs/path/report.pdf", "report.pdf"),
            ("..", "file"),
            ("", "file"),
            ("   ", "file"),
            (".htaccess", "htaccess"),
            ("a/b/", "file"),
            ("inv<o>ice\u{0}.pdf", "inv_o_ice_.pdf"),
            ("naïve résumé.txt", "naïve résumé.txt"),
            ("\"; rm -rf", "__ rm -rf"),
            ("invoice\u{202e}fdp.exe", "invoicefdp.exe"),
            ("zero\u{200b}width.txt", "zerowidth.txt"),
            ("trailing.txt. . ", "trailing.txt"),
            ("line\r\nbreak.txt", "line__break.txt"),
        ] {
            assert_eq!(FileName::sanitize(raw).as_str(), want, "{raw:?}");
        }
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let name = FileName::sanitize(&long);
        assert!(name.as_str().len() <= FileName::MAX_BYTES);
        assert!(name.as_str().ends_with(".pdf"));
    }

    #[test]
    fn the_ascii_fallback_is_header_safe() {
        assert_eq!(FileName::sanitize("naïve €.txt").ascii_fallback(), "na_ve _.txt");
    }
}
