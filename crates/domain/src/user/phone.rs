//! A phone number text messages can reach.

use std::fmt;

use crate::value_error::ValueError;

/// A phone number in E.164 form: `+`, a country code that does not start with 0, and 7 to
/// 15 digits in all. Spaces, dashes, dots and parentheses people type are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Checks and normalises a number (`+49 30 1234-5678` → `+493012345678`).
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValueError::Empty);
        }
        let malformed = ValueError::Malformed {
            expected: "an international number such as +4930123456",
        };
        let Some(rest) = trimmed.strip_prefix('+') else {
            return Err(malformed);
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(malformed),
            }
        }
        if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(malformed);
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The number, `+` and digits only.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_to_e164_or_refused() {
        assert_eq!(
            PhoneNumber::parse(" +49 30 1234-5678 ").map(|p| p.0),
            Ok("+493012345678".into())
        );
        assert_eq!(
            PhoneNumber::parse("+1 (415) 555.0100").map(|p| p.0),
            Ok("+14155550100".into())
        );
        assert_eq!(PhoneNumber::parse(""), Err(ValueError::Empty));
        for bad in [
            "030 1234567",
            "+0301234567",
            "+12345",
            "+1234567890123456",
            "+49 30 12a45678",
            "++4930123",
        ] {
            assert!(
                matches!(PhoneNumber::parse(bad), Err(ValueError::Malformed { .. })),
                "{bad}"
            );
        }
    }
}
