//! Who may read a comment.

use std::fmt;

use crate::value_error::ValueError;

/// Who may read a comment. Internal notes are for staff only: a customer never sees
/// one, nor any trace of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// The customer and staff.
    Public,
    /// Staff only.
    Internal,
}

impl Visibility {
    const NAMES: &'static [&'static str] = &["public", "internal"];

    /// The stable lowercase name used in storage and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
        }
    }

    /// Parses a stable name.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw {
            "public" => Ok(Visibility::Public),
            "internal" => Ok(Visibility::Internal),
            _ => Err(ValueError::NotOneOf { allowed: Self::NAMES }),
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
