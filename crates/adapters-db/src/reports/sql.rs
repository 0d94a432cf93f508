//! The reports' SQL, written once per dialect difference: instants are inlined as
//! literals (they come from the period's computed bounds, never from request text),
//! JSON fields of history rows read with `->>` or `json_extract`, durations with
//! `EXTRACT(EPOCH …)` or `unixepoch(…, 'subsec')`.

use application::ports::ReportWindow;
use domain::Timestamp;
use domain::report::{AgeBucket, GroupBy};

use crate::agents::open_load_condition;
use crate::time::to_sql;

/// The backend the SQL is written for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sql {
    pub(crate) postgres: bool,
}

/// A status change span `sp` that reopens its ticket (`domain::report::is_reopen`).
const REOPEN: &str = "sp.previous_status = 'resolved' AND sp.status NOT IN ('resolved', 'closed')";

impl Sql {
    /// An instant as a SQL literal of the stored form.
    pub(crate) fn ts(self, t: Timestamp) -> String {
        let text = to_sql(t).format("%Y-%m-%d %H:%M:%S%.f").to_string();
        if self.postgres {
            format!("TIMESTAMP '{text}'")
        } else {
            format!("'{text}'")
        }
    }

    /// Seconds from `from` to `to`, fractional.
    fn seconds_between(self, to: &str, from: &str) -> String {
        if self.postgres {
            format!("EXTRACT(EPOCH FROM ({to} - {from}))")
        } else {
            format!("(unixepoch({to}, 'subsec') - unixepoch({from}, 'subsec'))")
        }
    }

    /// Whole minutes from `from` to `to`, rounded down, never negative.
    fn minutes_between(self, to: &str, from: &str) -> String {
        if self.postgres {
            format!("CAST(GREATEST(FLOOR(EXTRACT(EPOCH FROM ({to} - {from})) / 60), 0) AS BIGINT)")
        } else {
            format!(
                "MAX(CAST(ROUND((unixepoch({to}, 'subsec') - unixepoch({from}, 'subsec')) * 1000) AS INTEGER) / 60000, 0)"
            )
        }
    }

    fn null_bigint(self) -> &'static str {
        "CAST(NULL AS BIGINT)"
    }

    fn null_text(self) -> &'static str {
        "CAST(NULL AS TEXT)"
    }

    /// `column` within the window.
    fn within(self, column: &str, w: &ReportWindow) -> String {
        format!("{column} >= {} AND {column} < {}", self.ts(w.start()), self.ts(w.end()))
    }

    /// The 0-based day of an instant known to be in the window: a balanced `CASE` over
    /// the day bounds (log₂ of the days deep, so a year costs 9 comparisons a row).
    fn day_of(self, column: &str, w: &ReportWindow) -> String {
        let days = w.bounds.len().saturating_sub(1).max(1);
        format!("CAST({} AS BIGINT)", self.day_tree(column, &w.bounds, 0, days - 1))
    }

    fn day_tree(self, column: &str, bounds: &[Timestamp], lo: usize, hi: usize) -> String {
        if lo >= hi {
            return lo.to_string();
        }
        let mid = (lo + hi).div_ceil(2);
        let Some(start) = bounds.get(mid) else {
            return lo.to_string();
        };
        format!(
            "CASE WHEN {column} < {} THEN {} ELSE {} END",
            self.ts(*start),
            self.day_tree(column, bounds, lo, mid - 1),
            self.day_tree(column, bounds, mid, hi)
        )
    }

    /// For grouping by agent, a left join of the row's ticket (`ticket`) with the span
    /// covering `at` as `c` (its `assignee_id` the assignee then), else nothing. The
    /// candidates are the spans that may cover an instant of the window — those ending
    /// after its start, the open ones, and the closes in it (a closed span covers every
    /// instant from its start) — read index-only and hash-joined, not probed per row.
    fn agent_join(self, group_by: Option<GroupBy>, ticket: &str, at: &str, w: &ReportWindow) -> String {
        if group_by != Some(GroupBy::Agent) {
            return String::new();
        }
        let (start, end) = (self.ts(w.start()), self.ts(w.end()));
        let columns = "s.ticket_id, s.assignee_id, s.status, s.started_at, s.ended_at";
        format!(
            "LEFT JOIN ( \
               SELECT {columns} FROM ticket_status_spans s \
                 WHERE s.ended_at IS NOT NULL AND s.status <> 'closed' AND s.ended_at > {start} AND s.started_at < {end} \
               UNION ALL SELECT {columns} FROM ticket_status_spans s WHERE s.ended_at IS NULL AND s.started_at < {end} \
               UNION ALL SELECT s.ticket_id, s.assignee_id, s.status, s.started_at, s.started_at FROM ticket_status_spans s \
                 WHERE s.status_changed AND s.status = 'closed' AND s.started_at >= {start} AND s.started_at < {end} \
             ) c ON c.ticket_id = {ticket} AND c.started_at <= {at} \
               AND (c.ended_at IS NULL OR c.ended_at > {at} OR c.status = 'closed')"
        )
    }

    /// For grouping by agent, a left join of a resolution or close of ticket `ticket` at
    /// `at` with the span that status change started, as `c` (its `assignee_id` the
    /// assignee then): an equality hash join on the period's status changes, read
    /// index-only. A span that ended where it started (resolved and closed in the same
    /// instant) gives way to the next.
    fn agent_join_at_change(self, group_by: Option<GroupBy>, ticket: &str, at: &str, w: &ReportWindow) -> String {
        if group_by != Some(GroupBy::Agent) {
            return String::new();
        }
        format!(
            "LEFT JOIN ( \
               SELECT s.ticket_id, s.assignee_id, s.started_at FROM ticket_status_spans s \
               WHERE s.status_changed AND s.status IN ('resolved', 'closed') AND {} \
                 AND (s.ended_at > s.started_at OR s.ended_at IS NULL OR s.status = 'closed') \
             ) c ON c.ticket_id = {ticket} AND c.started_at = {at}",
            self.within("s.started_at", w)
        )
    }

    /// The group columns `g_id, g_text` of a ticket row `t` for an event at `at` (by
    /// agent: the span `c` of [`Self::agent_join`]).
    fn ticket_group(self, group_by: Option<GroupBy>, at: &str, w: &ReportWindow) -> String {
        let (id, text) = match group_by {
            None | Some(GroupBy::Policy) => (self.null_bigint().to_owned(), self.null_text().to_owned()),
            Some(GroupBy::Category) => (self.null_bigint().to_owned(), "t.category".to_owned()),
            Some(GroupBy::Priority) => ("CAST(t.priority AS BIGINT)".to_owned(), self.null_text().to_owned()),
            Some(GroupBy::Agent) => ("c.assignee_id".to_owned(), self.null_text().to_owned()),
            Some(GroupBy::Period) => (self.day_of(at, w), self.null_text().to_owned()),
        };
        format!("{id} AS g_id, {text} AS g_text")
    }

    /// SLA targets settled in the window, per group and kind.
    pub(crate) fn sla(self, w: &ReportWindow, group_by: Option<GroupBy>) -> String {
        let group = match group_by {
            Some(GroupBy::Policy) => format!("ts.policy_id AS g_id, {} AS g_text", self.null_text()),
            g => self.ticket_group(g, "o.at", w),
        };
        format!(
            "SELECT g_id, g_text, kind, CAST(SUM(met) AS BIGINT) AS met, CAST(SUM(breached) AS BIGINT) AS breached FROM ( \
               SELECT {group}, o.kind AS kind, o.met AS met, o.breached AS breached FROM ( \
                 SELECT s.ticket_id, s.kind, s.met_at AS at, 1 AS met, 0 AS breached FROM ticket_sla_targets s \
                   WHERE {} AND s.breached_at IS NULL \
                 UNION ALL \
                 SELECT s.ticket_id, s.kind, s.breached_at AS at, 0 AS met, 1 AS breached FROM ticket_sla_targets s \
                   WHERE {} \
               ) o JOIN tickets t ON t.id = o.ticket_id LEFT JOIN ticket_slas ts ON ts.ticket_id = o.ticket_id {} \
             ) k GROUP BY g_id, g_text, kind",
            self.within("s.met_at", w),
            self.within("s.breached_at", w),
            self.agent_join(group_by, "o.ticket_id", "o.at", w),
        )
    }

    /// Minute histograms of first responses (measure 0 wall, 1 business) and of
    /// resolutions (2 wall, 3 business): two statements, which may run side by side.
    pub(crate) fn response_minutes(self, w: &ReportWindow, group_by: Option<GroupBy>) -> [String; 2] {
        let resolved = "COALESCE(t.resolved_at, t.closed_at)";
        // The met target's consumed time, looked up by the primary key per ticket (a join
        // would let the planner hash the whole targets table).
        let biz = |kind: &str| {
            format!(
                "(SELECT s.consumed_before / 60 FROM ticket_sla_targets s \
                 WHERE s.ticket_id = t.id AND s.kind = '{kind}' AND s.met_at IS NOT NULL)"
            )
        };
        let first = format!(
            "SELECT {}, {} AS wall, {} AS biz FROM tickets t {} WHERE {}",
            self.ticket_group(group_by, "t.first_response_at", w),
            self.minutes_between("t.first_response_at", "t.created_at"),
            biz("first_response"),
            self.agent_join(group_by, "t.id", "t.first_response_at", w),
            self.within("t.first_response_at", w),
        );
        // Resolved in the window, or closed in it unresolved: two index range scans.
        let resolution_where = |condition: String| {
            format!(
                "SELECT {}, {} AS wall, {} AS biz FROM tickets t {} WHERE {condition}",
                self.ticket_group(group_by, resolved, w),
                self.minutes_between(resolved, "t.created_at"),
                biz("resolution"),
                self.agent_join_at_change(group_by, "t.id", resolved, w),
            )
        };
        let resolution = format!(
            "{} UNION ALL {}",
            resolution_where(self.within("t.resolved_at", w)),
            resolution_where(format!("t.resolved_at IS NULL AND {}", self.within("t.closed_at", w))),
        );
        [(first, 0), (resolution, 2)].map(|(rows, wall)| {
            let business = wall + 1;
            format!(
                "WITH f AS ({rows}), m AS ( \
                   SELECT g_id, g_text, {wall} AS measure, wall AS minutes FROM f \
                   UNION ALL SELECT g_id, g_text, {business} AS measure, biz AS minutes FROM f WHERE biz IS NOT NULL) \
                 SELECT g_id, g_text, CAST(measure AS BIGINT) AS measure, CAST(minutes AS BIGINT) AS minutes, \
                   COUNT(*) AS n FROM m GROUP BY g_id, g_text, measure, minutes"
            )
        })
    }

    /// Tickets created per day.
    pub(crate) fn created(self, w: &ReportWindow) -> String {
        format!(
            "SELECT day, COUNT(*) AS n FROM (SELECT {} AS day FROM tickets t WHERE {}) k GROUP BY day",
            self.day_of("t.created_at", w),
            self.within("t.created_at", w)
        )
    }

    /// Status changes per day: into resolved, into closed, reopens (the spans status
    /// changes started, through their covering index).
    pub(crate) fn status_moves(self, w: &ReportWindow) -> String {
        format!(
            "SELECT day, CAST(SUM(resolved) AS BIGINT) AS resolved, CAST(SUM(closed) AS BIGINT) AS closed, \
               CAST(SUM(reopened) AS BIGINT) AS reopened FROM ( \
               SELECT {} AS day, \
                 CASE WHEN sp.status = 'resolved' THEN 1 ELSE 0 END AS resolved, \
                 CASE WHEN sp.status = 'closed' THEN 1 ELSE 0 END AS closed, \
                 CASE WHEN {REOPEN} THEN 1 ELSE 0 END AS reopened \
               FROM ticket_status_spans sp WHERE sp.status_changed AND {} \
             ) k GROUP BY day",
            self.day_of("sp.started_at", w),
            self.within("sp.started_at", w)
        )
    }

    /// Tickets not closed at each day's end, by their status then and their age: each span
    /// not `closed` that started before one of the period's day ends and ended at or after
    /// it (or is still open) counts on those days; the first and last such day are worked
    /// out per span, then the days between are enumerated (`generate_series`, or a join on
    /// the day numbers on SQLite).
    pub(crate) fn backlog(self, w: &ReportWindow) -> String {
        let days = w.bounds.len().saturating_sub(1).max(1);
        let ends: Vec<String> = w
            .bounds
            .iter()
            .skip(1)
            .enumerate()
            .map(|(i, end)| format!("({i}, {})", self.ts(*end)))
            .collect();
        let first_end = w.bounds.get(1).copied().unwrap_or(w.end());
        let end = self.ts(w.end());
        let age = self.seconds_between("d.column2", "sp.ticket_created_at");
        let bucket = AgeBucket::ALL
            .iter()
            .enumerate()
            .rev()
            .map(|(i, b)| format!("WHEN {age} >= {} THEN {i}", b.min_age_seconds()))
            .collect::<Vec<_>>()
            .join(" ");
        // The first day whose end is after the start, the last whose end is at or before
        // the end (`day_of` clamps to the period).
        let columns = format!(
            "s.status, s.ticket_created_at, {} AS first_day, \
             CAST(CASE WHEN s.ended_at IS NULL OR s.ended_at >= {end} THEN {} ELSE {} - 1 END AS BIGINT) AS last_day",
            self.day_of("s.started_at", w),
            days - 1,
            self.day_of("s.ended_at", w),
        );
        let days_of_span = if self.postgres {
            "CROSS JOIN LATERAL generate_series(sp.first_day, sp.last_day) AS g(day) \
             JOIN (VALUES {ends}) d ON d.column1 = g.day"
        } else {
            "JOIN (VALUES {ends}) d ON d.column1 BETWEEN sp.first_day AND sp.last_day"
        }
        .replace("{ends}", &ends.join(", "));
        format!(
            "SELECT day, status, bucket, COUNT(*) AS n FROM ( \
               SELECT CAST(d.column1 AS BIGINT) AS day, sp.status AS status, CAST(CASE {bucket} ELSE 0 END AS BIGINT) AS bucket \
               FROM ( \
                 SELECT {columns} FROM ticket_status_spans s \
                   WHERE s.ended_at IS NOT NULL AND s.status <> 'closed' AND s.ended_at >= {first} AND s.started_at < {end} \
                 UNION ALL \
                 SELECT {columns} FROM ticket_status_spans s WHERE s.ended_at IS NULL AND s.started_at < {end} \
               ) sp {days_of_span} \
             ) k GROUP BY day, status, bucket",
            first = self.ts(first_end),
        )
    }

    /// Survey answers first given in the window per group and rating.
    pub(crate) fn ratings(self, w: &ReportWindow, group_by: Option<GroupBy>) -> String {
        let (id, text) = match group_by {
            Some(GroupBy::Agent) => ("sv.agent_id".to_owned(), self.null_text().to_owned()),
            Some(GroupBy::Category) => (self.null_bigint().to_owned(), "sv.category".to_owned()),
            Some(GroupBy::Priority) => ("CAST(sv.priority AS BIGINT)".to_owned(), self.null_text().to_owned()),
            Some(GroupBy::Period) => (self.day_of("sv.answered_at", w), self.null_text().to_owned()),
            None | Some(GroupBy::Policy) => (self.null_bigint().to_owned(), self.null_text().to_owned()),
        };
        format!(
            "SELECT g_id, g_text, rating, COUNT(*) AS n FROM ( \
               SELECT {id} AS g_id, {text} AS g_text, CAST(sv.rating AS BIGINT) AS rating FROM surveys sv \
               WHERE {} AND sv.rating IS NOT NULL \
             ) k GROUP BY g_id, g_text, rating",
            self.within("sv.answered_at", w)
        )
    }

    /// Ratings of 1 or 2 first given in the window, oldest first.
    pub(crate) fn low_ratings(self, w: &ReportWindow, limit: u32) -> String {
        format!(
            "SELECT sv.ticket_id AS ticket_id, t.number AS number, CAST(sv.rating AS BIGINT) AS rating, \
               sv.comment AS comment, sv.agent_id AS agent_id, sv.answered_at AS answered_at \
             FROM surveys sv JOIN tickets t ON t.id = sv.ticket_id \
             WHERE {} AND sv.rating <= 2 ORDER BY sv.answered_at, sv.ticket_id, sv.round LIMIT {limit}",
            self.within("sv.answered_at", w)
        )
    }

    /// Tickets handled and reopened per agent: the status changes into resolved or closed
    /// in the window, by the assignee their span carries, and the reopens among them.
    pub(crate) fn handled(self, w: &ReportWindow) -> String {
        format!(
            "WITH moves AS ( \
               SELECT sp.ticket_id, sp.status, sp.previous_status, sp.assignee_id FROM ticket_status_spans sp \
               WHERE sp.status_changed AND {}), \
             done AS (SELECT DISTINCT sp.assignee_id AS agent, sp.ticket_id AS ticket_id FROM moves sp \
               WHERE sp.status IN ('resolved', 'closed') AND sp.assignee_id IS NOT NULL), \
             re AS (SELECT DISTINCT sp.ticket_id AS ticket_id FROM moves sp WHERE {REOPEN}) \
             SELECT done.agent AS agent_id, COUNT(*) AS handled, \
               COUNT(CASE WHEN done.ticket_id IN (SELECT re.ticket_id FROM re) THEN 1 END) AS reopened \
             FROM done GROUP BY done.agent",
            self.within("sp.started_at", w),
        )
    }

    /// Active staff and their open tickets now.
    pub(crate) fn agent_lines(self, staff_roles: &[&str]) -> String {
        let roles: Vec<String> = staff_roles.iter().map(|r| format!("'{r}'")).collect();
        format!(
            "SELECT u.id AS agent_id, u.display_name AS name, \
               (SELECT COUNT(*) FROM tickets WHERE tickets.assignee_id = u.id AND {}) AS n \
             FROM users u WHERE u.active = {} AND u.role IN ({}) ORDER BY u.id",
            open_load_condition(),
            if self.postgres { "TRUE" } else { "1" },
            roles.join(", ")
        )
    }
}
