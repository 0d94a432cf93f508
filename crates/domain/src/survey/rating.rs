//! The rating a customer gives: 1 to 5, and which ratings count as satisfied.

use std::fmt;
use std::ops::RangeInclusive;

use crate::value_error::ValueError;

/// The ratings that count as satisfied in CSAT: 4 and 5 (CSAT % is their share of the answers).
pub const CSAT_SATISFIED: RangeInclusive<u8> = 4..=5;

/// A satisfaction rating, a whole number from 1 (very unhappy) to 5 (very happy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rating(u8);

impl Rating {
    /// The lowest rating.
    pub const MIN: Rating = Rating(1);
    /// The highest rating.
    pub const MAX: Rating = Rating(5);
    /// Every rating, lowest first (the e-mail's one-click links).
    pub const ALL: [Rating; 5] = [Rating(1), Rating(2), Rating(3), Rating(4), Rating(5)];
    const NAMES: &'static [&'static str] = &["1", "2", "3", "4", "5"];

    /// Checks a raw integer (as it arrives in JSON or a form): 1 to 5, else
    /// [`ValueError::NotOneOf`] listing the accepted values.
    pub fn parse(raw: i64) -> Result<Self, ValueError> {
        Self::ALL
            .into_iter()
            .find(|r| i64::from(r.0) == raw)
            .ok_or(ValueError::NotOneOf { allowed: Self::NAMES })
    }

    /// The number, 1 to 5.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// True for the ratings in [`CSAT_SATISFIED`].
    pub fn is_satisfied(self) -> bool {
        CSAT_SATISFIED.contains(&self.0)
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_to_five_are_ratings_and_their_neighbours_are_not() {
        for raw in 1..=5 {
            assert_eq!(Rating::parse(raw).map(Rating::get), Ok(raw as u8));
        }
        for raw in [0, 6, -1, 256 + 3, i64::MIN, i64::MAX] {
            let err = Rating::parse(raw);
            assert!(
                matches!(err, Err(ValueError::NotOneOf { allowed }) if allowed == ["1", "2", "3", "4", "5"]),
                "{raw} should be refused naming 1 to 5"
            );
        }
        assert_eq!(
            Rating::parse(0).map_err(|e| e.to_string()),
            Err("must be one of: 1, 2, 3, 4, 5".to_owned())
        );
    }

    #[test]
    fn four_and_five_are_satisfied() {
        let satisfied: Vec<u8> = Rating::ALL
            .into_iter()
            .filter(|r| r.is_satisfied())
            .map(Rating::get)
            .collect();
        assert_eq!(satisfied, [4, 5]);
        assert!(Rating::MIN < Rating::MAX);
    }

    proptest! {
        #[test]
        fn parse_accepts_exactly_one_to_five(raw in any::<i64>()) {
            prop_assert_eq!(Rating::parse(raw).is_ok(), (1..=5).contains(&raw));
        }
    }
}
