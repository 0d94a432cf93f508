//! The optional comment beside a rating.

use std::fmt;

use crate::text::clean_text;
use crate::value_error::ValueError;

/// A survey comment: trimmed, 1 to [`SurveyComment::MAX_CHARS`] characters, line breaks and
/// tabs allowed, no other control characters. Blank input is no comment at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyComment(String);

impl SurveyComment {
    /// The longest comment accepted, in characters (not bytes).
    pub const MAX_CHARS: usize = 2_000;

    /// Trims and checks an optional comment: missing or blank gives `Ok(None)`; longer than
    /// [`Self::MAX_CHARS`] gives [`ValueError::TooLong`] naming the limit.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, ValueError> {
        match raw {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => clean_text(text, Self::MAX_CHARS, true).map(|t| Some(Self(t))),
        }
    }

    /// Wraps a comment as stored (already checked when it was recorded).
    pub fn restore(stored: String) -> Self {
        Self(stored)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SurveyComment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Option<String>, ValueError> {
        SurveyComment::parse(Some(raw)).map(|c| c.map(|c| c.as_str().to_owned()))
    }

    #[test]
    fn blank_or_missing_is_no_comment() {
        assert_eq!(SurveyComment::parse(None), Ok(None));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse(" \n\t "), Ok(None));
    }

    #[test]
    fn trimmed_and_multiline() {
        assert_eq!(
            parse("  thanks!\nquick fix \n"),
            Ok(Some("thanks!\nquick fix".to_owned()))
        );
        assert_eq!(parse("a\u{7}b"), Err(ValueError::ForbiddenCharacters));
    }

    #[test]
    fn exactly_two_thousand_characters_pass_and_one_more_is_refused_naming_the_limit() {
        let at_limit = "é".repeat(2_000); // 4,000 bytes: characters are counted, not bytes
        assert_eq!(parse(&at_limit), Ok(Some(at_limit.clone())));
        assert_eq!(
            parse(&format!("  {at_limit}  ")),
            Ok(Some(at_limit.clone())),
            "trimmed first"
        );
        let over = "x".repeat(2_001);
        assert_eq!(parse(&over), Err(ValueError::TooLong { max: 2_000 }));
        assert!(parse(&over).expect_err("too long").to_string().contains("2000"));
    }
}
