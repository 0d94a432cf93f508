//! `response-times`: first response and resolution, median and p90, wall-clock and
//! business minutes, optionally per group.

use std::collections::BTreeMap;

use domain::Actor;
use domain::report::ReportKind;

use crate::error::AppError;
use crate::ports::{GroupKey, Measure};

use super::{Durations, Group, Histogram, ReportParams, ReportScope, Reports};

/// One group's response times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseTimesLine {
    /// The group (`all` without grouping).
    pub group: Group,
    /// First responses, wall-clock minutes from creation.
    pub first_response_wall: Durations,
    /// First responses, business minutes on the ticket's calendar (tickets with a
    /// first-response target only).
    pub first_response_business: Durations,
    /// Resolutions, wall-clock minutes from creation.
    pub resolution_wall: Durations,
    /// Resolutions, business minutes (tickets with a resolution target only).
    pub resolution_business: Durations,
}

/// The `response-times` report.
#[derive(Debug, Clone)]
pub struct ResponseTimesReport {
    /// The period and grouping.
    pub scope: ReportScope,
    /// A line per group with any measure (without grouping, always one line).
    pub lines: Vec<ResponseTimesLine>,
}

/// The four histograms of a group.
#[derive(Default)]
pub(super) struct Measures([Histogram; 4]);

impl Measures {
    pub(super) fn add(&mut self, measure: Measure, minutes: u64, count: u64) {
        let i = match measure {
            Measure::FirstResponseWall => 0,
            Measure::FirstResponseBusiness => 1,
            Measure::ResolutionWall => 2,
            Measure::ResolutionBusiness => 3,
        };
        self.0[i].add(minutes, count);
    }

    pub(super) fn get(&self, measure: Measure) -> Durations {
        let i = match measure {
            Measure::FirstResponseWall => 0,
            Measure::FirstResponseBusiness => 1,
            Measure::ResolutionWall => 2,
            Measure::ResolutionBusiness => 3,
        };
        Durations::from(&self.0[i])
    }
}

impl Reports {
    /// `GET /reports/response-times`: a first response counts on the day it was given,
    /// a resolution on the day of the ticket's last move into `resolved` (or `closed`,
    /// for a ticket closed without being resolved).
    pub async fn response_times(&self, actor: Actor, params: &ReportParams) -> Result<ResponseTimesReport, AppError> {
        let scope = self.scope(actor, ReportKind::ResponseTimes, params)?;
        let rows = self.store.response_minutes(&scope.window(), scope.group_by).await?;
        let mut groups: BTreeMap<GroupKey, Measures> = BTreeMap::new();
        if scope.group_by.is_none() {
            groups.insert(GroupKey::All, Measures::default());
        }
        for row in rows {
            groups
                .entry(row.group)
                .or_default()
                .add(row.measure, row.minutes, row.count);
        }
        let lines = groups
            .iter()
            .map(|(key, m)| ResponseTimesLine {
                group: Group::of(key, &scope),
                first_response_wall: m.get(Measure::FirstResponseWall),
                first_response_business: m.get(Measure::FirstResponseBusiness),
                resolution_wall: m.get(Measure::ResolutionWall),
                resolution_business: m.get(Measure::ResolutionBusiness),
            })
            .collect();
        Ok(ResponseTimesReport { scope, lines })
    }
}
