//! Customer satisfaction: responses, CSAT % and the average rating.

use std::fmt;

use super::error::ReportError;
use super::percent::Percent;

/// The lowest rating a customer can give.
pub const MIN_RATING: u8 = 1;
/// The highest rating a customer can give.
pub const MAX_RATING: u8 = 5;

/// The ratings of a group of survey answers, counted per rating 1–5.
///
/// CSAT is the share of satisfied answers (ratings 4 and 5) among all answers; the
/// average is the mean rating. Both are `None` without answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Csat {
    /// `counts[r - 1]`: answers rating `r`.
    counts: [u64; 5],
}

impl Csat {
    /// Counts already aggregated per rating (for example by SQL's `GROUP BY rating`):
    /// `counts[0]` answers rated 1 ... `counts[4]` answers rated 5.
    pub const fn from_counts(counts: [u64; 5]) -> Self {
        Self { counts }
    }

    /// Counts each rating; refused if one is outside 1–5.
    pub fn from_ratings(ratings: impl IntoIterator<Item = u8>) -> Result<Self, ReportError> {
        let mut csat = Self::default();
        for rating in ratings {
            csat.record(rating)?;
        }
        Ok(csat)
    }

    /// Counts one rating; refused (and nothing counted) if outside 1–5.
    pub fn record(&mut self, rating: u8) -> Result<(), ReportError> {
        let slot = rating
            .checked_sub(MIN_RATING)
            .and_then(|i| self.counts.get_mut(usize::from(i)))
            .ok_or(ReportError::RatingOutOfRange { rating })?;
        *slot = slot.saturating_add(1);
        Ok(())
    }

    /// Adds another group's answers (for a total row).
    pub fn merge(&mut self, other: Csat) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine = mine.saturating_add(theirs);
        }
    }

    /// The answers rating `rating` (0 outside 1–5).
    pub fn count(self, rating: u8) -> u64 {
        rating
            .checked_sub(MIN_RATING)
            .and_then(|i| self.counts.get(usize::from(i)).copied())
            .unwrap_or(0)
    }

    /// All answers.
    pub fn responses(self) -> u64 {
        self.counts.iter().fold(0u64, |sum, c| sum.saturating_add(*c))
    }

    /// Answers rating 4 or 5.
    pub fn satisfied(self) -> u64 {
        self.count(4).saturating_add(self.count(5))
    }

    /// CSAT: satisfied / responses × 100, one decimal, rounded down; `None` without answers.
    pub fn percent(self) -> Option<Percent> {
        Percent::of(self.satisfied(), self.responses())
    }

    /// The mean rating, two decimals, rounded down; `None` without answers.
    pub fn average(self) -> Option<AverageRating> {
        let responses = u128::from(self.responses());
        if responses == 0 {
            return None;
        }
        let sum: u128 = (1u128..).zip(self.counts).map(|(r, c)| r * u128::from(c)).sum();
        let hundredths = u16::try_from(sum * 100 / responses).unwrap_or(500);
        Some(AverageRating { hundredths })
    }
}

/// A mean rating with two decimals (`1.00` to `5.00`), rounded down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AverageRating {
    hundredths: u16,
}

impl AverageRating {
    /// Hundredths of a rating point, `100` to `500` (`425` is 4.25).
    pub const fn hundredths(self) -> u16 {
        self.hundredths
    }

    /// The value as a number, for JSON (`4.25`).
    pub fn as_f64(self) -> f64 {
        f64::from(self.hundredths) / 100.0
    }
}

impl fmt::Display for AverageRating {
    /// Two decimals: `4.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.hundredths / 100, self.hundredths % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csat_is_the_share_of_fours_and_fives_and_the_average_two_decimals() {
        assert_eq!(Csat::default().percent(), None);
        assert_eq!(Csat::default().average(), None);
        // 5, 4, 4, 3, 1, 2: 3 of 6 satisfied = 50.0; sum 19 / 6 = 3.1666 → 3.16.
        let c = Csat::from_ratings([5, 4, 4, 3, 1, 2]).expect("valid");
        assert_eq!(c.responses(), 6);
        assert_eq!(c.satisfied(), 3);
        assert_eq!(c.percent().map(|p| p.to_string()).as_deref(), Some("50.0"));
        assert_eq!(c.average().map(|a| a.to_string()).as_deref(), Some("3.16"));
        // Pre-aggregated: one 3, two 5s: 2 of 3 = 66.6; 13 / 3 = 4.333 → 4.33.
        let agg = Csat::from_counts([0, 0, 1, 0, 2]);
        assert_eq!(agg.percent().map(Percent::tenths), Some(666));
        assert_eq!(agg.average().map(AverageRating::hundredths), Some(433));
        assert_eq!(agg.average().map(AverageRating::as_f64), Some(4.33));
        let mut total = c;
        total.merge(agg);
        assert_eq!((total.responses(), total.satisfied(), total.count(5)), (9, 5, 3));
        assert_eq!(
            Csat::from_ratings([1]).map(|c| c.average().map(|a| a.to_string())),
            Ok(Some("1.00".into()))
        );
        assert_eq!(
            Csat::from_ratings([5, 5]).map(|c| c.percent().map(Percent::tenths)),
            Ok(Some(1000))
        );
    }

    #[test]
    fn ratings_outside_one_to_five_are_refused() {
        for bad in [0, 6, 255] {
            assert_eq!(
                Csat::from_ratings([4, bad]),
                Err(ReportError::RatingOutOfRange { rating: bad })
            );
        }
        let mut c = Csat::from_counts([1, 0, 0, 0, 0]);
        assert!(c.record(0).is_err());
        assert_eq!(c.responses(), 1, "a refused rating counts nothing");
        assert_eq!((c.count(0), c.count(6)), (0, 0));
        assert_eq!(ReportError::RatingOutOfRange { rating: 6 }.field(), "rating");
    }
}
