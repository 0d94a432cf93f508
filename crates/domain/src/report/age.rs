//! The backlog by age: how long open tickets have been open at the end of a day.

use crate::time::Timestamp;

const DAY: i64 = 86_400;

/// How long a ticket has been open, in elapsed time (24-hour days, not local calendar
/// days). Lower bounds are inclusive: a ticket open exactly 3 days is in `3d_7d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBucket {
    /// Less than 1 day.
    UnderOneDay,
    /// 1 day to less than 3.
    OneToThreeDays,
    /// 3 days to less than 7.
    ThreeToSevenDays,
    /// 7 days to less than 30.
    SevenToThirtyDays,
    /// 30 days or more.
    ThirtyDaysOrMore,
}

impl AgeBucket {
    /// Youngest first: the order of the CSV columns.
    pub const ALL: [AgeBucket; 5] = [
        AgeBucket::UnderOneDay,
        AgeBucket::OneToThreeDays,
        AgeBucket::ThreeToSevenDays,
        AgeBucket::SevenToThirtyDays,
        AgeBucket::ThirtyDaysOrMore,
    ];

    /// The stable name, usable as a JSON key and a CSV column: `lt_1d`, `1d_3d`, `3d_7d`,
    /// `7d_30d`, `ge_30d`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AgeBucket::UnderOneDay => "lt_1d",
            AgeBucket::OneToThreeDays => "1d_3d",
            AgeBucket::ThreeToSevenDays => "3d_7d",
            AgeBucket::SevenToThirtyDays => "7d_30d",
            AgeBucket::ThirtyDaysOrMore => "ge_30d",
        }
    }

    /// The youngest age in the bucket, in seconds (for a store's `CASE` on age).
    pub const fn min_age_seconds(self) -> i64 {
        match self {
            AgeBucket::UnderOneDay => 0,
            AgeBucket::OneToThreeDays => DAY,
            AgeBucket::ThreeToSevenDays => 3 * DAY,
            AgeBucket::SevenToThirtyDays => 7 * DAY,
            AgeBucket::ThirtyDaysOrMore => 30 * DAY,
        }
    }

    /// The bucket of a ticket opened at `opened`, as of `at` (the end of a day). An
    /// `opened` after `at` counts as age 0.
    pub fn bucket_of(opened: Timestamp, at: Timestamp) -> AgeBucket {
        let age = at.unix_micros().saturating_sub(opened.unix_micros()).max(0) / 1_000_000;
        Self::ALL
            .into_iter()
            .rev()
            .find(|b| age >= b.min_age_seconds())
            .unwrap_or(AgeBucket::UnderOneDay)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Open tickets counted per [`AgeBucket`] at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BacklogAges {
    counts: [u64; 5],
}

impl BacklogAges {
    /// Counts one ticket opened at `opened` as of `at`.
    pub fn count(&mut self, opened: Timestamp, at: Timestamp) {
        self.add(AgeBucket::bucket_of(opened, at), 1);
    }

    /// Adds `n` tickets (already bucketed, for example by SQL) to `bucket`.
    pub fn add(&mut self, bucket: AgeBucket, n: u64) {
        let slot = &mut self.counts[bucket.index()];
        *slot = slot.saturating_add(n);
    }

    /// The tickets in `bucket`.
    pub fn get(&self, bucket: AgeBucket) -> u64 {
        self.counts[bucket.index()]
    }

    /// Every bucket with its count, youngest first.
    pub fn iter(&self) -> impl Iterator<Item = (AgeBucket, u64)> + '_ {
        AgeBucket::ALL.into_iter().map(|b| (b, self.get(b)))
    }

    /// All tickets counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().fold(0u64, |sum, c| sum.saturating_add(*c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgeBucket::*;

    #[test]
    fn buckets_have_inclusive_lower_bounds() {
        let at = Timestamp::from_unix_seconds(100 * DAY);
        let opened = |ago: i64| at.plus_seconds(-ago);
        let cases = [
            (0, UnderOneDay),
            (DAY - 1, UnderOneDay),
            (DAY, OneToThreeDays),
            (3 * DAY - 1, OneToThreeDays),
            (3 * DAY, ThreeToSevenDays),
            (7 * DAY - 1, ThreeToSevenDays),
            (7 * DAY, SevenToThirtyDays),
            (30 * DAY - 1, SevenToThirtyDays),
            (30 * DAY, ThirtyDaysOrMore),
            (99 * DAY, ThirtyDaysOrMore),
            (-5, UnderOneDay),
        ];
        for (ago, bucket) in cases {
            assert_eq!(AgeBucket::bucket_of(opened(ago), at), bucket, "{ago} s");
        }
        // A microsecond short of a day is still under a day.
        assert_eq!(
            AgeBucket::bucket_of(at.plus_micros(-(DAY * 1_000_000 - 1)), at),
            UnderOneDay
        );
    }

    #[test]
    fn names_are_stable_csv_columns_and_counts_add_up() {
        let names: Vec<_> = AgeBucket::ALL.map(AgeBucket::as_str).to_vec();
        assert_eq!(names, ["lt_1d", "1d_3d", "3d_7d", "7d_30d", "ge_30d"]);
        let at = Timestamp::from_unix_seconds(40 * DAY);
        let mut b = BacklogAges::default();
        for days_ago in [0, 2, 2, 10, 35] {
            b.count(at.plus_seconds(-days_ago * DAY), at);
        }
        b.add(ThirtyDaysOrMore, 3);
        let got: Vec<_> = b.iter().map(|(_, n)| n).collect();
        assert_eq!(got, [1, 2, 0, 1, 4]);
        assert_eq!(b.total(), 8);
    }
}
