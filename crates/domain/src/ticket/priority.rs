//! How urgent a ticket is.

use std::fmt;

use crate::value_error::ValueError;

/// How urgent a ticket is, from `Low` to `Urgent`. Ordered: `Urgent` is the greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// Whenever there is time.
    Low,
    /// The default.
    Normal,
    /// Soon.
    High,
    /// Now: something important is broken.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];
    const NAMES: &'static [&'static str] = &["low", "normal", "high", "urgent"];

    /// The stable lowercase name used in the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// Parses a stable name.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or(ValueError::NotOneOf { allowed: Self::NAMES })
    }

    /// A small integer that sorts like the priority (1 = low ... 4 = urgent), as stored.
    pub const fn rank(self) -> i16 {
        match self {
            Priority::Low => 1,
            Priority::Normal => 2,
            Priority::High => 3,
            Priority::Urgent => 4,
        }
    }

    /// The priority with the given [`rank`](Self::rank).
    pub fn from_rank(rank: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.rank() == rank)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_and_name_round_trip_and_order_matches() {
        for p in Priority::ALL {
            assert_eq!(Priority::from_rank(p.rank()), Some(p));
            assert_eq!(Priority::parse(p.as_str()), Ok(p));
        }
        assert!(Priority::Urgent > Priority::High && Priority::Low < Priority::Normal);
        assert!(Priority::parse("critical").is_err());
        assert_eq!(Priority::from_rank(0), None);
    }
}
