//! `agents`: one line per agent.

use std::collections::BTreeMap;

use domain::report::{Csat, GroupBy, ReopenRate, ReportKind};
use domain::{Actor, report::GroupBy::Agent};

use crate::error::AppError;
use crate::ports::{GroupKey, Measure};

use super::response_times::Measures;
use super::{Durations, ReportParams, ReportScope, Reports};

/// One agent's figures for the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentReportLine {
    /// Their user id.
    pub agent_id: i64,
    /// Their display name.
    pub name: String,
    /// Distinct tickets they had when the ticket entered `resolved` or `closed`, and of
    /// those the ones reopened in the period.
    pub reopen: ReopenRate,
    /// First responses on their tickets, wall-clock minutes.
    pub first_response: Durations,
    /// Resolutions of their tickets, wall-clock minutes.
    pub resolution: Durations,
    /// First responses in business minutes.
    pub first_response_business: Durations,
    /// Resolutions in business minutes.
    pub resolution_business: Durations,
    /// The surveys sent for them and answered in the period.
    pub csat: Csat,
    /// Their open tickets now.
    pub load: u64,
}

/// The `agents` report: every active staff member, and anyone else with figures in the
/// period, by user id.
#[derive(Debug, Clone)]
pub struct AgentsReport {
    /// The period.
    pub scope: ReportScope,
    /// The lines.
    pub lines: Vec<AgentReportLine>,
}

impl Reports {
    /// `GET /reports/agents`: handled tickets count on the day they were resolved or
    /// closed, responses and answers as in `response-times` and `csat`; the load is now.
    pub async fn agents(&self, actor: Actor, params: &ReportParams) -> Result<AgentsReport, AppError> {
        let scope = self.scope(actor, ReportKind::Agents, params)?;
        let window = scope.window();
        let by_agent: Option<GroupBy> = Some(Agent);
        // Independent reads, side by side (each on its own connection in the databases).
        let (staff, handled, minutes, ratings) = futures_util::future::try_join4(
            self.store.agent_lines(),
            self.store.handled(&window),
            self.store.response_minutes(&window, by_agent),
            self.store.ratings(&window, by_agent),
        )
        .await?;

        let mut lines: BTreeMap<i64, AgentReportLine> = BTreeMap::new();
        for s in staff {
            let mut line = blank(s.agent_id, s.name);
            line.load = s.load;
            lines.insert(s.agent_id, line);
        }
        let mut names: BTreeMap<i64, String> = BTreeMap::new();
        let mut measures: BTreeMap<i64, Measures> = BTreeMap::new();
        for row in minutes {
            if let GroupKey::Agent { id: Some(id), name } = row.group {
                if let Some(name) = name {
                    names.insert(id, name);
                }
                measures.entry(id).or_default().add(row.measure, row.minutes, row.count);
            }
        }
        let mut csats: BTreeMap<i64, Csat> = BTreeMap::new();
        for row in ratings {
            if let GroupKey::Agent { id: Some(id), name } = row.group {
                if let Some(name) = name {
                    names.insert(id, name);
                }
                let mut counts = [0u64; 5];
                if let Some(slot) = usize::from(row.rating).checked_sub(1).and_then(|i| counts.get_mut(i)) {
                    *slot = row.count;
                }
                csats.entry(id).or_default().merge(Csat::from_counts(counts));
            }
        }
        for h in handled {
            line_of(&mut lines, &names, h.agent_id).reopen =
                ReopenRate::new(h.reopened, h.handled).map_err(|e| AppError::Internal(e.to_string()))?;
        }
        for (id, m) in &measures {
            let line = line_of(&mut lines, &names, *id);
            line.first_response = m.get(Measure::FirstResponseWall);
            line.first_response_business = m.get(Measure::FirstResponseBusiness);
            line.resolution = m.get(Measure::ResolutionWall);
            line.resolution_business = m.get(Measure::ResolutionBusiness);
        }
        for (id, c) in csats {
            line_of(&mut lines, &names, id).csat = c;
        }
        Ok(AgentsReport {
            scope,
            lines: lines.into_values().collect(),
        })
    }
}

fn blank(agent_id: i64, name: String) -> AgentReportLine {
    AgentReportLine {
        agent_id,
        name,
        reopen: ReopenRate::default(),
        first_response: Durations::default(),
        resolution: Durations::default(),
        first_response_business: Durations::default(),
        resolution_business: Durations::default(),
        csat: Csat::default(),
        load: 0,
    }
}

/// The line of agent `id`, started (named from the figures) if new.
fn line_of<'a>(
    lines: &'a mut BTreeMap<i64, AgentReportLine>,
    names: &BTreeMap<i64, String>,
    id: i64,
) -> &'a mut AgentReportLine {
    lines
        .entry(id)
        .or_insert_with(|| blank(id, names.get(&id).cloned().unwrap_or_else(|| id.to_string())))
}
