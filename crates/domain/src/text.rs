//! Checks shared by the free-text values (subjects, descriptions, names).

use crate::value_error::ValueError;

/// Trims `raw` and checks it is non-empty, at most `max_chars` characters long and free of
/// control characters (line breaks and tabs allowed only when `multiline`).
pub fn clean_text(raw: &str, max_chars: usize, multiline: bool) -> Result<String, ValueError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValueError::Empty);
    }
    if trimmed.chars().count() > max_chars {
        return Err(ValueError::TooLong { max: max_chars });
    }
    let allowed_control = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if trimmed.chars().any(|c| c.is_control() && !allowed_control(c)) {
        return Err(ValueError::ForbiddenCharacters);
    }
    Ok(trimmed.to_owned())
}

/// Trims multi-line text and checks it is non-empty, at most `max_bytes` bytes of UTF-8
/// and free of control characters other than line breaks and tabs.
pub fn clean_long_text(raw: &str, max_bytes: usize) -> Result<String, ValueError> {
    let text = clean_text(raw, usize::MAX, true)?;
    if text.len() > max_bytes {
        return Err(ValueError::TooLong { max: max_bytes });
    }
    Ok(text)
}

/// Checks `raw` is a slug: 1 to `max` characters of `a-z`, `0-9` and single inner hyphens.
pub fn check_slug(raw: &str, max: usize) -> Result<(), ValueError> {
    const EXPECTED: &str = "lowercase letters, digits and single hyphens (for example `billing` or `two-factor`)";
    if raw.is_empty() {
        return Err(ValueError::Empty);
    }
    if raw.len() > max {
        return Err(ValueError::TooLong { max });
    }
    let valid_chars = raw
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid_chars || raw.starts_with('-') || raw.ends_with('-') || raw.contains("--") {
        return Err(ValueError::Malformed { expected: EXPECTED });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(clean_text("  hi ", 5, false), Ok("hi".to_owned()));
        assert_eq!(clean_text("   ", 5, false), Err(ValueError::Empty));
        assert_eq!(clean_text("abcdef", 5, false), Err(ValueError::TooLong { max: 5 }));
        assert_eq!(
            clean_text("äöü", 3, false),
            Ok("äöü".to_owned()),
            "counts characters, not bytes"
        );
    }

    #[test]
    fn control_characters_are_refused_except_line_breaks_in_multiline_text() {
        assert_eq!(clean_text("a\u{0}b", 9, true), Err(ValueError::ForbiddenCharacters));
        assert_eq!(clean_text("a\nb", 9, false), Err(ValueError::ForbiddenCharacters));
        assert_eq!(clean_text("a\r\n\tb", 9, true), Ok("a\r\n\tb".to_owned()));
    }

    #[test]
    fn slugs() {
        assert!(check_slug("billing", 64).is_ok());
        assert!(check_slug("two-factor-2", 64).is_ok());
        for bad in ["", "Billing", "-a", "a-", "a--b", "a b", "ä", "a_b"] {
            assert!(check_slug(bad, 64).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(check_slug("abc", 2), Err(ValueError::TooLong { max: 2 }));
    }
}
