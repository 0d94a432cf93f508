//! `sla`: per target kind, met, breached and compliance, optionally per group.

use std::collections::BTreeMap;

use domain::Actor;
use domain::report::{Compliance, ReportKind};
use domain::sla::TargetKind;

use crate::error::AppError;
use crate::ports::GroupKey;

use super::{Group, ReportParams, ReportScope, Reports};

/// One group's figures for one target kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaLine {
    /// The group (`all` without grouping).
    pub group: Group,
    /// The target.
    pub kind: TargetKind,
    /// Met and breached, and the compliance they make.
    pub compliance: Compliance,
}

/// The `sla` report: a line per group and target kind (all three kinds for every group
/// with a settled target; without grouping, always the three total lines).
#[derive(Debug, Clone)]
pub struct SlaReport {
    /// The period and grouping.
    pub scope: ReportScope,
    /// The lines, by group then kind.
    pub lines: Vec<SlaLine>,
}

fn kind_index(kind: TargetKind) -> usize {
    TargetKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl Reports {
    /// `GET /reports/sla`: targets settled in the period — met in time on the day they
    /// were met, breached on the day of the breach — per target kind.
    pub async fn sla(&self, actor: Actor, params: &ReportParams) -> Result<SlaReport, AppError> {
        let scope = self.scope(actor, ReportKind::Sla, params)?;
        let rows = self.store.sla_outcomes(&scope.window(), scope.group_by).await?;
        let mut groups: BTreeMap<GroupKey, [Compliance; 3]> = BTreeMap::new();
        if scope.group_by.is_none() {
            groups.insert(GroupKey::All, Default::default());
        }
        for row in rows {
            let slot = &mut groups.entry(row.group).or_default()[kind_index(row.kind)];
            slot.merge(Compliance::new(row.met, row.breached));
        }
        let lines = groups
            .iter()
            .flat_map(|(key, kinds)| {
                let group = Group::of(key, &scope);
                TargetKind::ALL
                    .into_iter()
                    .zip(*kinds)
                    .map(move |(kind, compliance)| SlaLine {
                        group: group.clone(),
                        kind,
                        compliance,
                    })
            })
            .collect();
        Ok(SlaReport { scope, lines })
    }
}
