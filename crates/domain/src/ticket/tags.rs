//! Free-form labels on a ticket.

use std::collections::BTreeSet;
use std::fmt;

use crate::value_error::ValueError;

/// One label: 1 to 40 characters of `a-z`, `0-9`, `-`, `_`, `.`, `:`; lowercased on parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// The longest tag accepted.
    pub const MAX_LEN: usize = 40;

    /// Trims, lowercases and checks a tag.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let value = raw.trim().to_ascii_lowercase();
        if value.is_empty() {
            return Err(ValueError::Empty);
        }
        if value.len() > Self::MAX_LEN {
            return Err(ValueError::TooLong { max: Self::MAX_LEN });
        }
        let ok = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b':'));
        if !ok {
            return Err(ValueError::Malformed {
                expected: "letters, digits, `-`, `_`, `.` or `:`",
            });
        }
        Ok(Self(value))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ticket's set of tags: no duplicates, sorted, at most 20.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Tags(BTreeSet<Tag>);

impl Tags {
    /// The most tags one ticket may carry.
    pub const MAX: usize = 20;

    /// Builds a set, dropping duplicates.
    pub fn new(tags: impl IntoIterator<Item = Tag>) -> Result<Self, ValueError> {
        let set: BTreeSet<Tag> = tags.into_iter().collect();
        if set.len() > Self::MAX {
            return Err(ValueError::TooMany { max: Self::MAX });
        }
        Ok(Self(set))
    }

    /// Parses raw strings into a set.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, ValueError> {
        let tags = raw
            .iter()
            .map(|s| Tag::parse(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(tags)
    }

    /// The tags in order.
    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.0.iter()
    }

    /// True when there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The tags as strings, in order.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|t| t.0.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised_deduplicated_and_bounded() {
        let tags = Tags::parse(&["VIP", "vip", " refund "]).map(|t| t.to_strings());
        assert_eq!(tags, Ok(vec!["refund".to_owned(), "vip".to_owned()]));
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(Tags::parse(&many), Err(ValueError::TooMany { max: 20 }));
        assert!(Tags::parse(&["has space"]).is_err());
        assert!(Tags::parse(&[""]).is_err());
    }
}
