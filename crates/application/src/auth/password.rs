//! The password policy.

use domain::ValueError;

/// The shortest password accepted, in characters.
pub const MIN_CHARS: usize = 10;
/// The longest password accepted, in characters.
pub const MAX_CHARS: usize = 256;

/// Checks a new password against the policy: 10 to 256 characters, not only whitespace.
/// (Length beats composition rules; see NIST SP 800-63B.)
pub fn check_password(password: &str) -> Result<(), ValueError> {
    let chars = password.chars().count();
    if password.trim().is_empty() {
        return Err(ValueError::Empty);
    }
    if chars < MIN_CHARS {
        return Err(ValueError::TooShort { min: MIN_CHARS });
    }
    if chars > MAX_CHARS {
        return Err(ValueError::TooLong { max: MAX_CHARS });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert_eq!(check_password("short"), Err(ValueError::TooShort { min: 10 }));
        assert_eq!(check_password("          "), Err(ValueError::Empty));
        assert!(check_password("correct horse").is_ok());
        assert!(check_password(&"x".repeat(257)).is_err());
    }
}
