//! `csat`: survey responses, CSAT % and the average rating, optionally per group, and the
//! comments of ratings 1–2.

use std::collections::BTreeMap;

use domain::Actor;
use domain::report::{Csat, ReportKind};

use crate::error::AppError;
use crate::ports::{GroupKey, LowRating};

use super::{Group, ReportParams, ReportScope, Reports};

/// The most low ratings a report lists (oldest first).
pub const MAX_LOW_RATINGS: u32 = 500;

/// One group's satisfaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsatLine {
    /// The group (`all` without grouping).
    pub group: Group,
    /// The ratings counted.
    pub csat: Csat,
}

/// The `csat` report.
#[derive(Debug, Clone)]
pub struct CsatReport {
    /// The period and grouping.
    pub scope: ReportScope,
    /// A line per group with answers (without grouping, always one line).
    pub lines: Vec<CsatLine>,
    /// Ratings of 1 or 2 in the period with their comments, oldest first, at most
    /// [`MAX_LOW_RATINGS`].
    pub low_ratings: Vec<LowRating>,
}

impl Reports {
    /// `GET /reports/csat`: an answer counts on the day it was first given, with its
    /// current rating; `agent` is the assignee when the survey was sent.
    pub async fn csat(&self, actor: Actor, params: &ReportParams) -> Result<CsatReport, AppError> {
        let scope = self.scope(actor, ReportKind::Csat, params)?;
        let window = scope.window();
        let (rows, low_ratings) = futures_util::future::try_join(
            self.store.ratings(&window, scope.group_by),
            self.store.low_ratings(&window, MAX_LOW_RATINGS),
        )
        .await?;
        let mut groups: BTreeMap<GroupKey, Csat> = BTreeMap::new();
        if scope.group_by.is_none() {
            groups.insert(GroupKey::All, Csat::default());
        }
        for row in rows {
            let mut counts = [0u64; 5];
            if let Some(slot) = usize::from(row.rating).checked_sub(1).and_then(|i| counts.get_mut(i)) {
                *slot = row.count;
            }
            groups.entry(row.group).or_default().merge(Csat::from_counts(counts));
        }
        let lines = groups
            .iter()
            .map(|(key, csat)| CsatLine {
                group: Group::of(key, &scope),
                csat: *csat,
            })
            .collect();
        Ok(CsatReport {
            scope,
            lines,
            low_ratings,
        })
    }
}
