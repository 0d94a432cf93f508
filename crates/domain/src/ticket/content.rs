//! A ticket's subject and description.

use std::fmt;

use crate::text::{clean_long_text, clean_text};
use crate::value_error::ValueError;

/// A ticket's one-line subject: 1 to 200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    /// The longest subject accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Trims and checks a subject.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        clean_text(raw, Self::MAX_CHARS, false).map(Self)
    }

    /// The subject.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ticket's description: non-empty, at most 64 KiB of UTF-8, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Description(String);

impl Description {
    /// The largest description accepted, in bytes of UTF-8.
    pub const MAX_BYTES: usize = 64 * 1024;

    /// Trims and checks a description.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        clean_long_text(raw, Self::MAX_BYTES).map(Self)
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_limits() {
        assert!(Subject::parse(&"x".repeat(200)).is_ok());
        assert_eq!(Subject::parse(&"x".repeat(201)), Err(ValueError::TooLong { max: 200 }));
        assert_eq!(Subject::parse(" \t "), Err(ValueError::Empty));
        assert_eq!(Subject::parse("two\nlines"), Err(ValueError::ForbiddenCharacters));
    }

    #[test]
    fn description_limit_counts_bytes() {
        assert!(Description::parse(&"x".repeat(64 * 1024)).is_ok());
        assert!(Description::parse(&"x".repeat(64 * 1024 + 1)).is_err());
        assert!(Description::parse(&"ü".repeat(40 * 1024)).is_err(), "80 KiB of UTF-8");
        assert!(Description::parse("line one\nline two").is_ok());
    }
}
