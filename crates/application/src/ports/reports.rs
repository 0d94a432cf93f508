//! What the reports of issue 16 read: counts, minute histograms and ranked values,
//! aggregated by the store over the period's indexed rows (ADR 0017).

use domain::report::GroupBy;
use domain::sla::TargetKind;
use domain::{Priority, TicketStatus, Timestamp};

use super::StoreError;

/// The instants a report covers, as the store needs them: the UTC bounds of each local
/// day, `bounds[i]..bounds[i + 1]` being day `i` (so `bounds.len()` is the number of days
/// plus one). Rows count when `bounds[0] ≤ at < bounds[last]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportWindow {
    /// Day starts, then the end of the last day; at least two, ascending.
    pub bounds: Vec<Timestamp>,
    /// The instant the report is taken (for the agents' current load).
    pub now: Timestamp,
}

impl ReportWindow {
    /// The first instant.
    pub fn start(&self) -> Timestamp {
        self.bounds.first().copied().unwrap_or(self.now)
    }

    /// The instant just after the last day.
    pub fn end(&self) -> Timestamp {
        self.bounds.last().copied().unwrap_or(self.now)
    }

    /// The 0-based day holding `at`, if within.
    pub fn day_of(&self, at: Timestamp) -> Option<usize> {
        if at < self.start() || at >= self.end() {
            return None;
        }
        Some(self.bounds.partition_point(|b| *b <= at).saturating_sub(1))
    }
}

/// The group a row belongs to, as the store found it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKey {
    /// No grouping: the one total row.
    All,
    /// An SLA policy (`None`: deleted since, or none).
    Policy {
        /// Its id.
        id: Option<i64>,
        /// Its name.
        name: Option<String>,
    },
    /// A category slug.
    Category(String),
    /// A priority.
    Priority(Priority),
    /// An agent (`None`: nobody was assigned).
    Agent {
        /// Their user id.
        id: Option<i64>,
        /// Their display name.
        name: Option<String>,
    },
    /// A local day of the period, by its 0-based index.
    Day(usize),
}

/// Which durations a histogram row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// First response, wall-clock minutes from creation.
    FirstResponseWall,
    /// First response, business minutes (the met `first_response` target's consumed time).
    FirstResponseBusiness,
    /// Resolution, wall-clock minutes from creation to the last resolution.
    ResolutionWall,
    /// Resolution, business minutes (the met `resolution` target's consumed time).
    ResolutionBusiness,
}

/// SLA targets settled in the period, per group and target kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaRow {
    /// The group.
    pub group: GroupKey,
    /// The target.
    pub kind: TargetKind,
    /// Met in time, the met instant in the period.
    pub met: u64,
    /// Breached, the breach instant in the period.
    pub breached: u64,
}

/// `count` durations of `minutes` whole minutes, of one measure and group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinutesRow {
    /// The group.
    pub group: GroupKey,
    /// What was measured.
    pub measure: Measure,
    /// The duration, whole minutes rounded down.
    pub minutes: u64,
    /// How many had it.
    pub count: u64,
}

/// One day's ticket events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayCounts {
    /// Tickets created.
    pub created: u64,
    /// Moves into `resolved`.
    pub resolved: u64,
    /// Moves into `closed`.
    pub closed: u64,
    /// Reopens (`domain::report::is_reopen`).
    pub reopened: u64,
}

/// Tickets not closed at the end of a day, of one status and age bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogRow {
    /// The day, 0-based.
    pub day: usize,
    /// Their status at the end of the day.
    pub status: TicketStatus,
    /// Their age then.
    pub bucket: domain::report::AgeBucket,
    /// How many.
    pub count: u64,
}

/// What the volume report reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeData {
    /// Per day, `(day, counts)`; days without events may be missing.
    pub days: Vec<(usize, DayCounts)>,
    /// The backlog at each day's end; empty groups missing.
    pub backlog: Vec<BacklogRow>,
}

/// Survey answers of one group and rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    /// The group.
    pub group: GroupKey,
    /// The rating, 1–5.
    pub rating: u8,
    /// Answers with it.
    pub count: u64,
}

/// A rating of 1 or 2, with its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowRating {
    /// The ticket's id.
    pub ticket_id: i64,
    /// The ticket's number (`TKT-000123`).
    pub number: String,
    /// 1 or 2.
    pub rating: u8,
    /// The comment, if any.
    pub comment: Option<String>,
    /// The agent the survey was sent for.
    pub agent_id: Option<i64>,
    /// When it was answered (first).
    pub answered_at: Timestamp,
}

/// Per agent: tickets handled and, of them, reopened in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandledRow {
    /// The agent.
    pub agent_id: i64,
    /// Distinct tickets that entered `resolved` or `closed` with them as assignee.
    pub handled: u64,
    /// Of those, the ones with a reopen in the period.
    pub reopened: u64,
}

/// A staff member and their open tickets now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLine {
    /// Their user id.
    pub agent_id: i64,
    /// Their display name.
    pub name: String,
    /// Their open assigned tickets now (`domain::assignment::LOAD_STATUSES`).
    pub load: u64,
}

/// Reads the reports' aggregates. Every method reads only rows of the window (through
/// indexes on when they happened) and groups in the store; a ticket's agent for an event
/// is its assignee at that instant (from the history), its category and priority the
/// current ones.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait ReportRepository: Send + Sync {
    /// SLA targets settled in the window: met in time (`met_at` in the window, never
    /// breached) and breached (`breached_at` in the window), per group and kind.
    /// `group_by` is `None`, policy, category, priority or agent (at the settling instant).
    async fn sla_outcomes(&self, window: &ReportWindow, group_by: Option<GroupBy>) -> Result<Vec<SlaRow>, StoreError>;

    /// Histograms of first responses (`first_response_at` in the window) and resolutions
    /// (`resolved_at` in the window), wall-clock and business; `group_by` is `None`,
    /// category, priority or agent (at the response or resolution).
    async fn response_minutes(
        &self,
        window: &ReportWindow,
        group_by: Option<GroupBy>,
    ) -> Result<Vec<MinutesRow>, StoreError>;

    /// Per day: tickets created, moves into resolved and closed, reopens; and the tickets
    /// not closed at each day's end by their status then and their age.
    async fn volume(&self, window: &ReportWindow) -> Result<VolumeData, StoreError>;

    /// Survey answers first given in the window, per group and rating (the current
    /// rating, after any change); `group_by` is `None`, agent, category or period (day).
    async fn ratings(&self, window: &ReportWindow, group_by: Option<GroupBy>) -> Result<Vec<RatingRow>, StoreError>;

    /// Answers of rating 1 or 2 first given in the window, oldest first, at most `limit`.
    async fn low_ratings(&self, window: &ReportWindow, limit: u32) -> Result<Vec<LowRating>, StoreError>;

    /// Tickets handled and reopened per agent in the window (see [`HandledRow`]).
    async fn handled(&self, window: &ReportWindow) -> Result<Vec<HandledRow>, StoreError>;

    /// Active staff with their current load.
    async fn agent_lines(&self) -> Result<Vec<AgentLine>, StoreError>;
}
