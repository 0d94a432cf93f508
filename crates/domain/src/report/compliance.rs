//! SLA compliance: targets met against targets breached.

use crate::sla::TargetStatus;

use super::percent::Percent;

/// Met and breached SLA targets and the compliance they make.
///
/// Only settled targets count: `met` (met in time) and `breached` (the due instant
/// passed, whether or not the target was met late). Targets still running (active, at
/// risk) or paused are excluded — their outcome is not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compliance {
    /// Targets met in time.
    pub met: u64,
    /// Targets breached.
    pub breached: u64,
}

impl Compliance {
    /// Counts already aggregated (for example by SQL).
    pub const fn new(met: u64, breached: u64) -> Self {
        Self { met, breached }
    }

    /// Counts one target by its status; running and paused ones change nothing.
    pub fn count(&mut self, status: TargetStatus) {
        match status {
            TargetStatus::Met => self.met = self.met.saturating_add(1),
            TargetStatus::Breached => self.breached = self.breached.saturating_add(1),
            TargetStatus::Active | TargetStatus::AtRisk | TargetStatus::Paused => {}
        }
    }

    /// Adds another group's counts (for a total row).
    pub fn merge(&mut self, other: Compliance) {
        self.met = self.met.saturating_add(other.met);
        self.breached = self.breached.saturating_add(other.breached);
    }

    /// Targets counted: met plus breached.
    pub const fn settled(self) -> u64 {
        self.met.saturating_add(self.breached)
    }

    /// met / (met + breached) × 100, one decimal, rounded down; `None` when nothing was
    /// counted.
    pub fn percent(self) -> Option<Percent> {
        Percent::of(self.met, self.settled())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compliance_counts_settled_targets_only() {
        let mut c = Compliance::default();
        assert_eq!(c.percent(), None, "nothing counted");
        for s in [
            TargetStatus::Met,
            TargetStatus::Met,
            TargetStatus::Breached,
            TargetStatus::Active,
            TargetStatus::AtRisk,
            TargetStatus::Paused,
        ] {
            c.count(s);
        }
        assert_eq!(c, Compliance::new(2, 1));
        assert_eq!(c.percent().map(|p| p.to_string()).as_deref(), Some("66.6"));
        c.merge(Compliance::new(37, 0));
        assert_eq!(c.settled(), 40);
        assert_eq!(c.percent().map(|p| p.to_string()).as_deref(), Some("97.5"));
        assert_eq!(Compliance::new(0, 4).percent().map(|p| p.tenths()), Some(0));
        assert_eq!(Compliance::new(5, 0).percent().map(|p| p.tenths()), Some(1000));
    }
}
