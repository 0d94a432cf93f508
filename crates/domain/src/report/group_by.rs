//! The reports and the `group_by` values each accepts.

use super::error::ReportError;

/// One of the reports under `/api/v1/reports/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// `sla`: met, breached and compliance per target kind.
    Sla,
    /// `response-times`: first response and resolution, median and p90.
    ResponseTimes,
    /// `volume`: created, resolved, closed, reopened and the backlog per local day.
    Volume,
    /// `csat`: responses, CSAT % and average rating.
    Csat,
    /// `agents`: one row per agent.
    Agents,
}

impl ReportKind {
    /// Every report.
    pub const ALL: [ReportKind; 5] = [
        ReportKind::Sla,
        ReportKind::ResponseTimes,
        ReportKind::Volume,
        ReportKind::Csat,
        ReportKind::Agents,
    ];

    /// The path segment: `sla`, `response-times`, `volume`, `csat`, `agents`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReportKind::Sla => "sla",
            ReportKind::ResponseTimes => "response-times",
            ReportKind::Volume => "volume",
            ReportKind::Csat => "csat",
            ReportKind::Agents => "agents",
        }
    }

    /// Parses a path segment.
    pub fn parse(raw: &str) -> Result<Self, ReportError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| ReportError::UnknownReport { given: raw.to_owned() })
    }

    /// The `group_by` values the report accepts; empty for `volume` (always per local
    /// day) and `agents` (always per agent).
    pub const fn group_by_values(self) -> &'static [GroupBy] {
        use GroupBy::*;
        match self {
            ReportKind::Sla => &[Policy, Category, Priority, Agent],
            ReportKind::ResponseTimes => &[Category, Agent, Priority],
            ReportKind::Csat => &[Agent, Category, Period],
            ReportKind::Volume | ReportKind::Agents => &[],
        }
    }

    /// Parses the query's `group_by` for this report: absent (or empty) means no grouping,
    /// one total row; a value the report does not accept is an error naming the ones it
    /// does.
    pub fn parse_group_by(self, raw: Option<&str>) -> Result<Option<GroupBy>, ReportError> {
        let Some(raw) = raw.filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let allowed = self.group_by_values();
        if allowed.is_empty() {
            return Err(ReportError::GroupByNotAccepted { report: self });
        }
        allowed
            .iter()
            .copied()
            .find(|g| g.as_str() == raw)
            .map(Some)
            .ok_or_else(|| ReportError::UnknownGroupBy {
                report: self,
                given: raw.to_owned(),
            })
    }
}

/// What a report's rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    /// The SLA policy applied to the ticket.
    Policy,
    /// The ticket's category.
    Category,
    /// The ticket's priority.
    Priority,
    /// The agent: the assignee when the counted event happened.
    Agent,
    /// The local day (in the report's time zone) of the counted event.
    Period,
}

impl GroupBy {
    /// The query-string and column name: `policy`, `category`, `priority`, `agent`,
    /// `period`.
    pub const fn as_str(self) -> &'static str {
        match self {
            GroupBy::Policy => "policy",
            GroupBy::Category => "category",
            GroupBy::Priority => "priority",
            GroupBy::Agent => "agent",
            GroupBy::Period => "period",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_report_accepts_its_own_group_by_values() {
        use GroupBy::*;
        assert_eq!(ReportKind::Sla.parse_group_by(Some("policy")), Ok(Some(Policy)));
        assert_eq!(
            ReportKind::ResponseTimes.parse_group_by(Some("priority")),
            Ok(Some(Priority))
        );
        assert_eq!(ReportKind::Csat.parse_group_by(Some("period")), Ok(Some(Period)));
        assert_eq!(ReportKind::Sla.parse_group_by(None), Ok(None));
        assert_eq!(ReportKind::Volume.parse_group_by(Some("")), Ok(None));
        let err = ReportKind::ResponseTimes
            .parse_group_by(Some("policy"))
            .expect_err("not accepted");
        assert_eq!(err.field(), "group_by");
        assert_eq!(
            err.to_string(),
            "group_by for the response-times report must be one of category, agent, priority, not \"policy\""
        );
        assert_eq!(
            ReportKind::Csat
                .parse_group_by(Some("Agent"))
                .map_err(|e| e.to_string()),
            Err("group_by for the csat report must be one of agent, category, period, not \"Agent\"".into()),
            "names are case-sensitive"
        );
        assert_eq!(
            ReportKind::Agents
                .parse_group_by(Some("agent"))
                .map_err(|e| e.to_string()),
            Err("the agents report takes no group_by".into())
        );
    }

    #[test]
    fn reports_parse_their_path_names() {
        for r in ReportKind::ALL {
            assert_eq!(ReportKind::parse(r.as_str()), Ok(r));
        }
        assert_eq!(
            ReportKind::parse("sales").map_err(|e| e.to_string()),
            Err("no report named \"sales\"; reports are sla, response-times, volume, csat, agents".into())
        );
    }
}
