//! A percentage with one decimal, rounded down.

use std::fmt;

/// A share in percent with one decimal (`0.0` to `100.0`), rounded down so that `100.0`
/// only ever means "all of them".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent {
    tenths: u16,
}

impl Percent {
    /// `part` of `whole` in percent; `None` when `whole` is 0. A `part` above `whole`
    /// counts as the whole.
    pub fn of(part: u64, whole: u64) -> Option<Self> {
        if whole == 0 {
            return None;
        }
        let part = u128::from(part.min(whole));
        let tenths = part * 1000 / u128::from(whole);
        Some(Self {
            tenths: u16::try_from(tenths).unwrap_or(1000),
        })
    }

    /// Tenths of a percent, `0` to `1000` (`975` is 97.5 %).
    pub const fn tenths(self) -> u16 {
        self.tenths
    }

    /// The value as a number, for JSON (`97.5`).
    pub fn as_f64(self) -> f64 {
        f64::from(self.tenths) / 10.0
    }
}

impl fmt::Display for Percent {
    /// One decimal, no sign: `97.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.tenths / 10, self.tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_down_to_one_decimal() {
        let p = |a, b| Percent::of(a, b).map(|p| p.to_string());
        assert_eq!(p(1, 3).as_deref(), Some("33.3"));
        assert_eq!(p(2, 3).as_deref(), Some("66.6"), "rounded down, not 66.7");
        assert_eq!(
            p(9_999, 10_000).as_deref(),
            Some("99.9"),
            "never 100.0 with one missing"
        );
        assert_eq!(p(3, 3).as_deref(), Some("100.0"));
        assert_eq!(p(0, 7).as_deref(), Some("0.0"));
        assert_eq!(p(0, 0), None);
        assert_eq!(p(5, 4).as_deref(), Some("100.0"), "capped at the whole");
        assert_eq!(Percent::of(39, 40).map(Percent::as_f64), Some(97.5));
        assert_eq!(Percent::of(u64::MAX, u64::MAX).map(Percent::tenths), Some(1000));
    }
}
