//! Why a value was refused.

use std::fmt;

/// Why a raw input could not become a domain value. The caller names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// The value is empty (after trimming, for text).
    Empty,
    /// The value is longer than allowed.
    TooLong {
        /// The largest accepted length, in the unit the value counts (characters or bytes).
        max: usize,
    },
    /// The value is shorter than allowed.
    TooShort {
        /// The smallest accepted length.
        min: usize,
    },
    /// The value contains characters the field does not accept.
    ForbiddenCharacters,
    /// The value is not in the expected format.
    Malformed {
        /// A short description of the expected format.
        expected: &'static str,
    },
    /// A collection holds more items than allowed.
    TooMany {
        /// The largest accepted number of items.
        max: usize,
    },
    /// The value is not one of a fixed set.
    NotOneOf {
        /// The accepted values.
        allowed: &'static [&'static str],
    },
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "must not be empty"),
            Self::TooLong { max } => write!(f, "must be at most {max} long"),
            Self::TooShort { min } => write!(f, "must be at least {min} long"),
            Self::ForbiddenCharacters => write!(f, "contains characters that are not allowed"),
            Self::Malformed { expected } => write!(f, "must be {expected}"),
            Self::TooMany { max } => write!(f, "must have at most {max} items"),
            Self::NotOneOf { allowed } => write!(f, "must be one of: {}", allowed.join(", ")),
        }
    }
}

impl std::error::Error for ValueError {}
