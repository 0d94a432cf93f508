//! The reports' query string and bodies. Every row is flat: its JSON fields are the CSV
//! columns (`Row::COLUMNS`, in order), so both media types carry the same figures.

use application::reports::{
    AgentsReport, CsatReport, Durations, ReportParams, ReportScope, ResponseTimesReport, SlaReport, VolumeReport,
};
use domain::report::{AgeBucket, Csat};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::shared::instant;

/// The query of every report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The first local day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[param(format = Date)]
    pub from: Option<String>,
    /// The last local day, inclusive (default: today in `time_zone`, or `from` + 29
    /// days). At most 366 days in all.
    #[param(format = Date)]
    pub to: Option<String>,
    /// The IANA time zone the days are local to (default `UTC`).
    pub time_zone: Option<String>,
    /// How to group the rows, where the report takes it (see each report).
    pub group_by: Option<String>,
}

impl From<ReportQuery> for ReportParams {
    fn from(q: ReportQuery) -> Self {
        Self {
            from: q.from,
            to: q.to,
            time_zone: q.time_zone,
            group_by: q.group_by,
        }
    }
}

/// A flat row with its columns in CSV order.
pub trait Row: Serialize {
    /// The CSV header: the JSON field names, in order.
    const COLUMNS: &'static [&'static str];
}

/// What a report covers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportMeta {
    /// The report: `sla`, `response-times`, `volume`, `csat` or `agents`.
    pub report: String,
    /// The first local day.
    #[schema(format = Date)]
    pub from: String,
    /// The last local day (inclusive).
    #[schema(format = Date)]
    pub to: String,
    /// The days' time zone.
    pub time_zone: String,
    /// The grouping, if any.
    pub group_by: Option<String>,
    /// The period's first instant (UTC).
    #[schema(format = DateTime)]
    pub start: String,
    /// The instant just after the period (UTC).
    #[schema(format = DateTime)]
    pub end: String,
}

impl ReportMeta {
    /// The meta of `scope` for `report`.
    pub fn of(report: &str, scope: &ReportScope) -> Self {
        Self {
            report: report.to_owned(),
            from: scope.period.from().to_string(),
            to: scope.period.to().to_string(),
            time_zone: scope.time_zone.clone(),
            group_by: scope.group_by.map(|g| g.as_str().to_owned()),
            start: instant(scope.period.start()),
            end: instant(scope.period.end()),
        }
    }
}

/// Declares a report's JSON body: what it covers and its rows.
macro_rules! report_body {
    ($name:ident, $row:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            /// The period and grouping.
            #[serde(flatten)]
            pub meta: ReportMeta,
            /// The rows (the CSV's rows, in order).
            pub rows: Vec<$row>,
        }
    };
}

report_body!(SlaResponse, SlaRowBody, "The `sla` report.");
report_body!(ResponseTimesResponse, ResponseTimesRowBody, "The `response-times` report.");
report_body!(VolumeResponse, VolumeRowBody, "The `volume` report.");
report_body!(AgentsResponse, AgentRowBody, "The `agents` report.");

/// `sla`: one group's figures for one target.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SlaRowBody {
    /// The group's stable key: `all` without grouping, a policy id (`none`), a category
    /// slug, a priority, an agent's id (`unassigned`).
    pub group_key: String,
    /// The group's name.
    pub group_name: String,
    /// `first_response`, `next_response` or `resolution`.
    pub target: String,
    /// Targets met in time, counted on the local day they were met.
    pub met: u64,
    /// Targets breached, counted on the local day of the breach.
    pub breached: u64,
    /// met / (met + breached) × 100, one decimal rounded down; null when none settled.
    pub compliance_percent: Option<f64>,
}

impl Row for SlaRowBody {
    const COLUMNS: &'static [&'static str] =
        &["group_key", "group_name", "target", "met", "breached", "compliance_percent"];
}

/// The `sla` rows.
pub fn sla_rows(r: &SlaReport) -> Vec<SlaRowBody> {
    r.lines
        .iter()
        .map(|l| SlaRowBody {
            group_key: l.group.key.clone(),
            group_name: l.group.name.clone(),
            target: l.kind.as_str().to_owned(),
            met: l.compliance.met,
            breached: l.compliance.breached,
            compliance_percent: l.compliance.percent().map(|p| p.as_f64()),
        })
        .collect()
}

/// `response-times`: one group's first responses and resolutions, whole minutes.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ResponseTimesRowBody {
    /// The group's stable key: `all`, a category slug, a priority, an agent's id.
    pub group_key: String,
    /// The group's name.
    pub group_name: String,
    /// First responses given in the period.
    pub first_response_count: u64,
    /// Their median, wall-clock minutes from creation.
    pub first_response_median_minutes: Option<u64>,
    /// Their 90th percentile, wall-clock minutes.
    pub first_response_p90_minutes: Option<u64>,
    /// Of them, the ones with a first-response target (business time known).
    pub first_response_business_count: u64,
    /// Their median in business minutes on the ticket's calendar.
    pub first_response_business_median_minutes: Option<u64>,
    /// Their 90th percentile in business minutes.
    pub first_response_business_p90_minutes: Option<u64>,
    /// Tickets resolved (or closed unresolved) in the period, by their last resolution.
    pub resolution_count: u64,
    /// Their median, wall-clock minutes from creation.
    pub resolution_median_minutes: Option<u64>,
    /// Their 90th percentile, wall-clock minutes.
    pub resolution_p90_minutes: Option<u64>,
    /// Of them, the ones with a resolution target.
    pub resolution_business_count: u64,
    /// Their median in business minutes.
    pub resolution_business_median_minutes: Option<u64>,
    /// Their 90th percentile in business minutes.
    pub resolution_business_p90_minutes: Option<u64>,
}

impl Row for ResponseTimesRowBody {
    const COLUMNS: &'static [&'static str] = &[
        "group_key",
        "group_name",
        "first_response_count",
        "first_response_median_minutes",
        "first_response_p90_minutes",
        "first_response_business_count",
        "first_response_business_median_minutes",
        "first_response_business_p90_minutes",
        "resolution_count",
        "resolution_median_minutes",
        "resolution_p90_minutes",
        "resolution_business_count",
        "resolution_business_median_minutes",
        "resolution_business_p90_minutes",
    ];
}

/// The `response-times` rows.
pub fn response_time_rows(r: &ResponseTimesReport) -> Vec<ResponseTimesRowBody> {
    r.lines
        .iter()
        .map(|l| {
            let (fw, fb, rw, rb): (&Durations, &Durations, &Durations, &Durations) = (
                &l.first_response_wall,
                &l.first_response_business,
                &l.resolution_wall,
                &l.resolution_business,
            );
            ResponseTimesRowBody {
                group_key: l.group.key.clone(),
                group_name: l.group.name.clone(),
                first_response_count: fw.count,
                first_response_median_minutes: fw.median,
                first_response_p90_minutes: fw.p90,
                first_response_business_count: fb.count,
                first_response_business_median_minutes: fb.median,
                first_response_business_p90_minutes: fb.p90,
                resolution_count: rw.count,
                resolution_median_minutes: rw.median,
                resolution_p90_minutes: rw.p90,
                resolution_business_count: rb.count,
                resolution_business_median_minutes: rb.median,
                resolution_business_p90_minutes: rb.p90,
            }
        })
        .collect()
}

/// `volume`: one local day.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct VolumeRowBody {
    /// The local date.
    #[schema(format = Date)]
    pub date: String,
    /// Tickets created during it.
    pub created: u64,
    /// Moves into `resolved`.
    pub resolved: u64,
    /// Moves into `closed`.
    pub closed: u64,
    /// Reopens (`resolved` back to work).
    pub reopened: u64,
    /// Tickets not closed at its end.
    pub backlog: u64,
    /// Of them, `new` then.
    pub backlog_new: u64,
    /// `assigned` then.
    pub backlog_assigned: u64,
    /// `in_progress` then.
    pub backlog_in_progress: u64,
    /// `waiting_customer` then.
    pub backlog_waiting_customer: u64,
    /// `resolved` then.
    pub backlog_resolved: u64,
    /// Opened less than a day before the day's end.
    pub backlog_lt_1d: u64,
    /// 1 to 3 days.
    #[serde(rename = "backlog_1d_3d")]
    #[schema(rename = "backlog_1d_3d")]
    pub backlog_1d_to_3d: u64,
    /// 3 to 7 days.
    #[serde(rename = "backlog_3d_7d")]
    #[schema(rename = "backlog_3d_7d")]
    pub backlog_3d_to_7d: u64,
    /// 7 to 30 days.
    #[serde(rename = "backlog_7d_30d")]
    #[schema(rename = "backlog_7d_30d")]
    pub backlog_7d_to_30d: u64,
    /// 30 days or more.
    pub backlog_ge_30d: u64,
}

impl Row for VolumeRowBody {
    const COLUMNS: &'static [&'static str] = &[
        "date",
        "created",
        "resolved",
        "closed",
        "reopened",
        "backlog",
        "backlog_new",
        "backlog_assigned",
        "backlog_in_progress",
        "backlog_waiting_customer",
        "backlog_resolved",
        "backlog_lt_1d",
        "backlog_1d_3d",
        "backlog_3d_7d",
        "backlog_7d_30d",
        "backlog_ge_30d",
    ];
}

/// The `volume` rows.
pub fn volume_rows(r: &VolumeReport) -> Vec<VolumeRowBody> {
    r.days
        .iter()
        .map(|d| {
            let [new, assigned, in_progress, waiting, resolved] = d.backlog_by_status;
            let age = |b| d.backlog_by_age.get(b);
            VolumeRowBody {
                date: d.date.to_string(),
                created: d.counts.created,
                resolved: d.counts.resolved,
                closed: d.counts.closed,
                reopened: d.counts.reopened,
                backlog: d.backlog(),
                backlog_new: new,
                backlog_assigned: assigned,
                backlog_in_progress: in_progress,
                backlog_waiting_customer: waiting,
                backlog_resolved: resolved,
                backlog_lt_1d: age(AgeBucket::UnderOneDay),
                backlog_1d_to_3d: age(AgeBucket::OneToThreeDays),
                backlog_3d_to_7d: age(AgeBucket::ThreeToSevenDays),
                backlog_7d_to_30d: age(AgeBucket::SevenToThirtyDays),
                backlog_ge_30d: age(AgeBucket::ThirtyDaysOrMore),
            }
        })
        .collect()
}

/// `csat`: one group's satisfaction.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CsatRowBody {
    /// The group's stable key: `all`, an agent's id (`unassigned`), a category slug, a
    /// local date.
    pub group_key: String,
    /// The group's name.
    pub group_name: String,
    /// Answers first given in the period.
    pub responses: u64,
    /// Of them, rated 4 or 5.
    pub satisfied: u64,
    /// satisfied / responses × 100, one decimal rounded down; null without answers.
    pub csat_percent: Option<f64>,
    /// The mean rating, two decimals rounded down; null without answers.
    pub average_rating: Option<f64>,
    /// Answers rated 1.
    pub rating_1: u64,
    /// Rated 2.
    pub rating_2: u64,
    /// Rated 3.
    pub rating_3: u64,
    /// Rated 4.
    pub rating_4: u64,
    /// Rated 5.
    pub rating_5: u64,
}

impl Row for CsatRowBody {
    const COLUMNS: &'static [&'static str] = &[
        "group_key",
        "group_name",
        "responses",
        "satisfied",
        "csat_percent",
        "average_rating",
        "rating_1",
        "rating_2",
        "rating_3",
        "rating_4",
        "rating_5",
    ];
}

fn csat_row(key: String, name: String, c: Csat) -> CsatRowBody {
    CsatRowBody {
        group_key: key,
        group_name: name,
        responses: c.responses(),
        satisfied: c.satisfied(),
        csat_percent: c.percent().map(|p| p.as_f64()),
        average_rating: c.average().map(|a| a.as_f64()),
        rating_1: c.count(1),
        rating_2: c.count(2),
        rating_3: c.count(3),
        rating_4: c.count(4),
        rating_5: c.count(5),
    }
}

/// The `csat` rows.
pub fn csat_rows(r: &CsatReport) -> Vec<CsatRowBody> {
    r.lines
        .iter()
        .map(|l| csat_row(l.group.key.clone(), l.group.name.clone(), l.csat))
        .collect()
}

/// A rating of 1 or 2 and its comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct LowRatingBody {
    /// The ticket's id.
    pub ticket_id: i64,
    /// The ticket's number.
    pub number: String,
    /// 1 or 2.
    pub rating: u8,
    /// The customer's comment, if any.
    pub comment: Option<String>,
    /// The agent the survey was sent for.
    pub agent_id: Option<i64>,
    /// When it was first answered.
    #[schema(format = DateTime)]
    pub answered_at: String,
}

/// The `csat` report: its rows (the CSV) and, in JSON only, the low ratings' comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsatResponse {
    /// The period and grouping.
    #[serde(flatten)]
    pub meta: ReportMeta,
    /// The rows.
    pub rows: Vec<CsatRowBody>,
    /// Ratings of 1 or 2 answered in the period, oldest first (at most 500).
    pub low_ratings: Vec<LowRatingBody>,
}

/// The low ratings of `r`.
pub fn low_ratings(r: &CsatReport) -> Vec<LowRatingBody> {
    r.low_ratings
        .iter()
        .map(|l| LowRatingBody {
            ticket_id: l.ticket_id,
            number: l.number.clone(),
            rating: l.rating,
            comment: l.comment.clone(),
            agent_id: l.agent_id,
            answered_at: instant(l.answered_at),
        })
        .collect()
}

/// `agents`: one agent.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AgentRowBody {
    /// Their user id.
    pub agent_id: i64,
    /// Their display name.
    pub name: String,
    /// Distinct tickets that entered `resolved` or `closed` in the period with them as
    /// assignee.
    pub handled: u64,
    /// Of those, the ones reopened in the period.
    pub reopened: u64,
    /// reopened / handled × 100; null when none handled.
    pub reopen_rate_percent: Option<f64>,
    /// First responses on their tickets in the period.
    pub first_response_count: u64,
    /// Their median, wall-clock minutes.
    pub first_response_median_minutes: Option<u64>,
    /// Their median, business minutes.
    pub first_response_business_median_minutes: Option<u64>,
    /// Resolutions of their tickets in the period.
    pub resolution_count: u64,
    /// Their median, wall-clock minutes.
    pub resolution_median_minutes: Option<u64>,
    /// Their median, business minutes.
    pub resolution_business_median_minutes: Option<u64>,
    /// Survey answers for them in the period.
    pub csat_responses: u64,
    /// Their CSAT %.
    pub csat_percent: Option<f64>,
    /// Their mean rating.
    pub average_rating: Option<f64>,
    /// Their open tickets now.
    pub load: u64,
}

impl Row for AgentRowBody {
    const COLUMNS: &'static [&'static str] = &[
        "agent_id",
        "name",
        "handled",
        "reopened",
        "reopen_rate_percent",
        "first_response_count",
        "first_response_median_minutes",
        "first_response_business_median_minutes",
        "resolution_count",
        "resolution_median_minutes",
        "resolution_business_median_minutes",
        "csat_responses",
        "csat_percent",
        "average_rating",
        "load",
    ];
}

/// The `agents` rows.
pub fn agent_rows(r: &AgentsReport) -> Vec<AgentRowBody> {
    r.lines
        .iter()
        .map(|l| AgentRowBody {
            agent_id: l.agent_id,
            name: l.name.clone(),
            handled: l.reopen.handled(),
            reopened: l.reopen.reopened(),
            reopen_rate_percent: l.reopen.percent().map(|p| p.as_f64()),
            first_response_count: l.first_response.count,
            first_response_median_minutes: l.first_response.median,
            first_response_business_median_minutes: l.first_response_business.median,
            resolution_count: l.resolution.count,
            resolution_median_minutes: l.resolution.median,
            resolution_business_median_minutes: l.resolution_business.median,
            csat_responses: l.csat.responses(),
            csat_percent: l.csat.percent().map(|p| p.as_f64()),
            average_rating: l.csat.average().map(|a| a.as_f64()),
            load: l.load,
        })
        .collect()
}
