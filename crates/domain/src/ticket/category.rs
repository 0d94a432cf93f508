//! Categories are defined by admins at run time and named by slugs.

use std::fmt;

use crate::text::check_slug;
use crate::value_error::ValueError;

/// The slug naming an admin-defined category, such as `billing` or `two-factor`.
///
/// Whether a category with this slug exists and is active is the application's concern;
/// this type only guarantees the shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategorySlug(String);

impl CategorySlug {
    /// The longest slug accepted.
    pub const MAX_LEN: usize = 64;

    /// Checks a slug.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        check_slug(raw, Self::MAX_LEN).map(|()| Self(raw.to_owned()))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategorySlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
