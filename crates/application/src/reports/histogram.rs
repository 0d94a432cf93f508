//! Percentiles from a histogram of whole minutes, as the store counts them.

use std::collections::BTreeMap;

use domain::report::Quantile;

/// Durations counted per whole minute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: BTreeMap<u64, u64>,
}

impl Histogram {
    /// Adds `count` durations of `minutes`.
    pub fn add(&mut self, minutes: u64, count: u64) {
        let slot = self.counts.entry(minutes).or_insert(0);
        *slot = slot.saturating_add(count);
    }

    /// How many durations.
    pub fn count(&self) -> u64 {
        self.counts.values().fold(0u64, |s, c| s.saturating_add(*c))
    }

    /// The value at 0-based `rank` in ascending order.
    fn at(&self, rank: u64) -> Option<u64> {
        let mut seen = 0u64;
        for (minutes, count) in &self.counts {
            seen = seen.saturating_add(*count);
            if rank < seen {
                return Some(*minutes);
            }
        }
        None
    }

    /// The quantile by `domain::report::Quantile`'s method; `None` when empty.
    pub fn quantile(&self, q: Quantile) -> Option<u64> {
        let n = self.count();
        let (lower, upper) = q.ranks(n)?;
        q.between(n, self.at(lower)?, self.at(upper)?)
    }
}

/// A duration's figures: how many, median and p90 in whole minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Durations {
    /// How many were measured.
    pub count: u64,
    /// Their median; `None` without any.
    pub median: Option<u64>,
    /// Their 90th percentile; `None` without any.
    pub p90: Option<u64>,
}

impl From<&Histogram> for Durations {
    fn from(h: &Histogram) -> Self {
        Self {
            count: h.count(),
            median: h.quantile(Quantile::Median),
            p90: h.quantile(Quantile::P90),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::report::{median, p90};

    #[test]
    fn histogram_quantiles_agree_with_the_domain_on_the_raw_values() {
        let values = [5u64, 5, 7, 30, 30, 30, 61, 200, 1, 9, 9];
        let mut h = Histogram::default();
        for v in values {
            h.add(v, 1);
        }
        assert_eq!(h.count(), 11);
        assert_eq!(h.quantile(Quantile::Median), median(&values));
        assert_eq!(h.quantile(Quantile::P90), p90(&values));
        // sorted: 1 5 5 7 9 9 30 30 30 61 200 → median 9; p90 at h = 9: 61.
        assert_eq!(
            Durations::from(&h),
            Durations {
                count: 11,
                median: Some(9),
                p90: Some(61)
            }
        );
        assert_eq!(Durations::from(&Histogram::default()), Durations::default());
        let mut pair = Histogram::default();
        pair.add(10, 1);
        pair.add(15, 1);
        assert_eq!(
            (pair.quantile(Quantile::Median), pair.quantile(Quantile::P90)),
            (Some(12), Some(14))
        );
    }
}
