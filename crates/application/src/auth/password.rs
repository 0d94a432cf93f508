//! The password policy, applied to every password set anywhere: new accounts, sign-ups,
//! the bootstrap and `create-admin` admins, `/me/password`, password resets and
//! `user set-password`.

use std::collections::HashSet;
use std::sync::LazyLock;

use domain::Email;

/// The shortest password accepted, in characters.
pub const MIN_CHARS: usize = 12;
/// The longest password accepted, in characters.
pub const MAX_CHARS: usize = 256;

/// Common passwords of at least [`MIN_CHARS`] characters, lower-cased, one a line: the
/// entries of that length in the `passwords` frequency list (the 30,000 most common
/// passwords of a leaked-password corpus) that zxcvbn ships (MIT licence), taken from the
/// `zxcvbn` 4.5.0 package on PyPI. Shorter entries are left out: the length rule refuses
/// them anyway.
const COMMON: &str = include_str!("common_passwords.txt");

static COMMON_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| COMMON.lines().map(str::trim).filter(|l| !l.is_empty()).collect());

/// Why a new password was refused; [`PasswordRefusal::code`] names the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRefusal {
    /// Nothing but whitespace.
    #[error("must not be empty")]
    Empty,
    /// Fewer than [`MIN_CHARS`] characters.
    #[error("must be at least {min} characters long")]
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More than [`MAX_CHARS`] characters.
    #[error("must be at most {max} characters long")]
    TooLong {
        /// The maximum.
        max: usize,
    },
    /// The account's e-mail address, or the part of it before the `@`.
    #[error("must not be the account's e-mail address")]
    MatchesEmail,
    /// In the bundled list of common passwords.
    #[error("is one of the most common passwords; choose another")]
    TooCommon,
}

impl PasswordRefusal {
    /// The stable code of the rule, as the API's field error names it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::MatchesEmail => "matches_email",
            Self::TooCommon => "too_common",
        }
    }
}

/// Checks a new password against the policy: 12 to 256 characters, not only whitespace,
/// not the account's e-mail address nor its local part (compared without regard to case
/// or surrounding whitespace), and not in the bundled list of common passwords (compared
/// without regard to case). Length beats composition rules; see NIST SP 800-63B.
/// `email` is the account's address when it is known (it is for every caller).
pub fn check_password(password: &str, email: Option<&Email>) -> Result<(), PasswordRefusal> {
    if password.trim().is_empty() {
        return Err(PasswordRefusal::Empty);
    }
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordRefusal::TooShort { min: MIN_CHARS });
    }
    if chars > MAX_CHARS {
        return Err(PasswordRefusal::TooLong { max: MAX_CHARS });
    }
    let folded = password.trim().to_lowercase();
    if let Some(email) = email {
        let address = email.as_str().to_lowercase();
        let local = address.rsplit_once('@').map_or(address.as_str(), |(local, _)| local);
        if folded == address || folded == local {
            return Err(PasswordRefusal::MatchesEmail);
        }
    }
    if COMMON_SET.contains(folded.as_str()) {
        return Err(PasswordRefusal::TooCommon);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).expect("valid")
    }

    #[test]
    fn length_bounds() {
        assert_eq!(
            check_password("short", None),
            Err(PasswordRefusal::TooShort { min: 12 })
        );
        assert_eq!(
            check_password("elevenchars", None),
            Err(PasswordRefusal::TooShort { min: 12 })
        );
        assert!(check_password("twelve chars", None).is_ok());
        assert_eq!(check_password("            ", None), Err(PasswordRefusal::Empty));
        assert!(check_password(&"x".repeat(256), None).is_ok());
        assert_eq!(
            check_password(&"x".repeat(257), None),
            Err(PasswordRefusal::TooLong { max: 256 })
        );
        assert_eq!(check_password("short", None).map_err(|e| e.code()), Err("too_short"));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(
            check_password("ééééééééééé", None),
            Err(PasswordRefusal::TooShort { min: 12 }),
            "eleven characters, 22 bytes"
        );
        assert!(
            check_password(&"é".repeat(256), None).is_ok(),
            "256 characters, 512 bytes"
        );
    }

    #[test]
    fn the_email_address_and_its_local_part_are_refused_whatever_the_case() {
        let owner = email("grace.hopper.1906@example.com");
        for p in [
            "grace.hopper.1906@example.com",
            "Grace.Hopper.1906@Example.COM",
            "GRACE.HOPPER.1906",
        ] {
            assert_eq!(
                check_password(p, Some(&owner)),
                Err(PasswordRefusal::MatchesEmail),
                "{p}"
            );
        }
        assert_eq!(
            check_password("grace.hopper.1906", Some(&owner)).map_err(|e| e.code()),
            Err("matches_email")
        );
        assert!(
            check_password("grace.hopper.1906 and more", Some(&owner)).is_ok(),
            "containing the local part is allowed"
        );
        assert!(
            check_password("grace.hopper.1906", None).is_ok(),
            "no address to compare"
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case() {
        for p in ["qwerty123456", "QWERTY123456", "1qaz2wsx3edc", "Password1234"] {
            assert_eq!(check_password(p, None), Err(PasswordRefusal::TooCommon), "{p}");
        }
        assert_eq!(
            check_password("qwerty123456", None).map_err(|e| e.code()),
            Err("too_common")
        );
        assert!(check_password("qwerty123456 but longer", None).is_ok());
    }

    #[test]
    fn the_bundled_list_holds_only_what_the_other_rules_let_through() {
        assert!(COMMON_SET.len() > 200, "{}", COMMON_SET.len());
        for entry in COMMON_SET.iter() {
            assert!(entry.chars().count() >= MIN_CHARS, "{entry}");
            assert_eq!(*entry, entry.to_lowercase(), "stored case-folded");
        }
    }
}
