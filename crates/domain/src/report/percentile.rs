//! Percentiles of durations in whole minutes.
//!
//! The method is linear interpolation between closest ranks (Hyndman & Fan type 7, what
//! PostgreSQL's `percentile_cont` computes): over `n` values sorted ascending, the
//! quantile `q` sits at the 0-based position `h = (n - 1) × q`; the result is
//! `x[⌊h⌋] + (h - ⌊h⌋) × (x[⌈h⌉] - x[⌊h⌋])`, rounded down to a whole minute. So the median of
//! an even count is the mean of the two middle values (rounded down), as the workload
//! report already computes it, and `p90` of ten values lies a tenth of the way from the
//! ninth to the tenth. The arithmetic is exact (integers only).

/// A quantile a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantile {
    /// The 50th percentile.
    Median,
    /// The 90th percentile.
    P90,
}

impl Quantile {
    /// The quantile as a fraction (numerator, denominator).
    const fn fraction(self) -> (u128, u128) {
        match self {
            Quantile::Median => (1, 2),
            Quantile::P90 => (9, 10),
        }
    }

    /// The 0-based positions, in ascending order of `count` values, of the two values the
    /// quantile is interpolated between (the same position twice when it falls on one);
    /// `None` for no values. A store reads just these rows and calls [`Self::between`].
    pub fn ranks(self, count: u64) -> Option<(u64, u64)> {
        let (num, den) = self.fraction();
        let h = u128::from(count.checked_sub(1)?) * num;
        let lower = u64::try_from(h / den).ok()?;
        let upper = if h % den == 0 { lower } else { lower + 1 };
        Some((lower, upper))
    }

    /// The quantile of `count` values, given the values at [`Self::ranks`]`(count)`
    /// (`lower` ≤ `upper`; swapped if not); `None` for no values.
    pub fn between(self, count: u64, lower: u64, upper: u64) -> Option<u64> {
        let (num, den) = self.fraction();
        let h = u128::from(count.checked_sub(1)?) * num;
        let (lo, hi) = (lower.min(upper), lower.max(upper));
        let step = u128::from(hi - lo) * (h % den) / den;
        // step ≤ hi - lo, so the sum never exceeds hi.
        Some(lo + u64::try_from(step).unwrap_or(hi - lo))
    }

    /// The quantile of `minutes` in any order; `None` when empty.
    pub fn of(self, minutes: &[u64]) -> Option<u64> {
        let mut sorted = minutes.to_vec();
        sorted.sort_unstable();
        let count = u64::try_from(sorted.len()).ok()?;
        let (lower, upper) = self.ranks(count)?;
        let at = |rank: u64| usize::try_from(rank).ok().and_then(|i| sorted.get(i).copied());
        self.between(count, at(lower)?, at(upper)?)
    }
}

/// The median of `minutes` (any order), by [`Quantile`]'s method; `None` when empty.
pub fn median(minutes: &[u64]) -> Option<u64> {
    Quantile::Median.of(minutes)
}

/// The 90th percentile of `minutes` (any order), by [`Quantile`]'s method; `None` when
/// empty.
pub fn p90(minutes: &[u64]) -> Option<u64> {
    Quantile::P90.of(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_medians_and_p90s() {
        assert_eq!((median(&[]), p90(&[])), (None, None));
        assert_eq!((median(&[42]), p90(&[42])), (Some(42), Some(42)));
        // Two values: h = 0.5 → 12.5 → 12; h = 0.9 → 10 + 0.9 × 5 = 14.5 → 14.
        assert_eq!((median(&[15, 10]), p90(&[15, 10])), (Some(12), Some(14)));
        // Ten values 10..=100: median (50 + 60) / 2 = 55; p90 at h = 8.1: 90 + 0.1 × 10 = 91.
        let ten = [100, 30, 10, 80, 50, 20, 90, 40, 70, 60];
        assert_eq!((median(&ten), p90(&ten)), (Some(55), Some(91)));
        // Eleven values 10..=110: median at h = 5 → 60; p90 at h = 9 → 100.
        let eleven = [110, 10, 100, 20, 90, 30, 80, 40, 70, 50, 60];
        assert_eq!((median(&eleven), p90(&eleven)), (Some(60), Some(100)));
        // Unsorted with duplicates and an outlier: sorted 1 2 2 3 1000, median 2,
        // p90 at h = 3.6: 3 + 0.6 × 997 = 601.2 → 601.
        let skewed = [1000, 2, 3, 1, 2];
        assert_eq!((median(&skewed), p90(&skewed)), (Some(2), Some(601)));
    }

    #[test]
    fn ranks_name_the_rows_a_store_must_read() {
        assert_eq!(Quantile::Median.ranks(0), None);
        assert_eq!(Quantile::Median.ranks(1), Some((0, 0)));
        assert_eq!(Quantile::Median.ranks(10), Some((4, 5)));
        assert_eq!(Quantile::Median.ranks(11), Some((5, 5)));
        assert_eq!(Quantile::P90.ranks(10), Some((8, 9)));
        assert_eq!(Quantile::P90.ranks(11), Some((9, 9)));
        assert_eq!(Quantile::P90.between(10, 90, 100), Some(91));
        assert_eq!(
            Quantile::P90.between(10, 100, 90),
            Some(91),
            "order of the pair does not matter"
        );
        assert_eq!(Quantile::Median.between(0, 1, 2), None);
        let huge = Quantile::Median.ranks(u64::MAX);
        assert_eq!(huge, Some((u64::MAX / 2, u64::MAX / 2)), "no overflow at the extreme");
    }
}
