//! The text of a comment.

use std::fmt;

use crate::text::clean_long_text;
use crate::value_error::ValueError;

/// A comment's text: non-empty, at most 64 KiB of UTF-8, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommentBody(String);

impl CommentBody {
    /// The largest body accepted, in bytes of UTF-8.
    pub const MAX_BYTES: usize = 64 * 1024;

    /// Trims and checks a body.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        clean_long_text(raw, Self::MAX_BYTES).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommentBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_bounded_and_multiline() {
        assert_eq!(
            CommentBody::parse("  thanks\nbye  ").map(|b| b.0),
            Ok("thanks\nbye".to_owned())
        );
        assert_eq!(CommentBody::parse(" "), Err(ValueError::Empty));
        assert!(CommentBody::parse(&"x".repeat(64 * 1024 + 1)).is_err());
        assert_eq!(CommentBody::parse("a\u{0}b"), Err(ValueError::ForbiddenCharacters));
    }
}
