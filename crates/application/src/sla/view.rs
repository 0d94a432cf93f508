//! Showing tickets' SLA targets to staff: in every ticket representation, and explained in
//! full for one ticket.

use std::collections::HashMap;

use domain::sla::{BusinessCalendar, SlaTarget, TargetKind, TargetStatus};
use domain::{Actor, Ticket, TicketId, TicketStatus, Timestamp};

use crate::error::AppError;
use crate::tickets::{TicketPorts, load_visible};

use super::engine::{Applied, calendar_failure, paused_intervals};
use super::explain::{Explanation, explain};

/// One target as staff see it, at the instant it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetView {
    /// What it promises.
    pub kind: TargetKind,
    /// Where it stands now.
    pub status: TargetStatus,
    /// When its clock first started.
    pub started_at: Timestamp,
    /// When it falls due, while it runs.
    pub due_at: Option<Timestamp>,
    /// Its length in business seconds.
    pub target_seconds: i64,
    /// Business seconds consumed so far.
    pub consumed_seconds: i64,
    /// Business seconds left (negative once overdue).
    pub remaining_seconds: i64,
    /// When it became at risk, once recorded.
    pub warned_at: Option<Timestamp>,
    /// When it was breached (its due instant), once recorded.
    pub breached_at: Option<Timestamp>,
    /// When it was met.
    pub met_at: Option<Timestamp>,
}

/// A ticket's targets as staff see them (the default: no policy applies, no targets).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaView {
    /// The policy they come from (`None` if it was deleted since).
    pub policy_id: Option<i64>,
    /// Its name.
    pub policy_name: Option<String>,
    /// The targets.
    pub targets: Vec<TargetView>,
}

/// One target with how its due instant was derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainedTarget {
    /// The target.
    pub target: TargetView,
    /// While it runs: the business time still to count from `running_since`, counted.
    pub explanation: Option<Explanation>,
    /// When the clock last (re)started, while it runs.
    pub running_since: Option<Timestamp>,
    /// Business seconds consumed before `running_since` (before pauses, under an earlier
    /// policy).
    pub consumed_before_seconds: i64,
}

/// `GET /tickets/{id}/sla`: everything needed to see why a ticket is due when it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaReport {
    /// The policy and targets.
    pub view: SlaView,
    /// The calendar the policy counts on (`None`: calendar time, 24x7 UTC).
    pub calendar_id: Option<i64>,
    /// The calendar's time zone.
    pub time_zone: String,
    /// Each target explained.
    pub targets: Vec<ExplainedTarget>,
    /// Intervals the ticket spent in the policy's pausing statuses (`None` end: still
    /// paused), from its history.
    pub paused: Vec<(Timestamp, Option<Timestamp>)>,
    /// The version of the zone database the instants come from.
    pub tzdb_version: String,
}

/// Explains a ticket's SLA to staff; customers are shown no SLA at all.
#[derive(Clone)]
pub struct ShowSla {
    ports: TicketPorts,
}

impl ShowSla {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// One ticket's SLA explained: staff only (customers get 403; a ticket that does not
    /// exist is 404).
    pub async fn report(&self, actor: Actor, reference: &str) -> Result<SlaReport, AppError> {
        let ticket = load_visible(&self.ports, &actor, reference).await?;
        if !actor.is_staff() {
            return Err(AppError::Forbidden("SLA details are for staff".into()));
        }
        let stored = self.ports.sla.targets.sla_of(ticket.id()).await?;
        let applied = self.ports.sla.stored_policy(&stored).await?;
        let policy = applied.as_ref().map(|a| &a.policy);
        let (name, calendar) = name_and_calendar(applied.as_ref());
        let now = self.ports.clock.now();
        let mut targets = Vec::new();
        for t in &stored.sla.targets {
            let explanation = match (t.running_since, t.met_at) {
                (Some(since), None) => Some(
                    explain(&calendar, since, (t.target_seconds - t.consumed_before).max(0))
                        .map_err(calendar_failure)?,
                ),
                _ => None,
            };
            targets.push(ExplainedTarget {
                target: view(t, now, &calendar),
                explanation,
                running_since: t.running_since,
                consumed_before_seconds: t.consumed_before,
            });
        }
        let pausing = policy.map_or_else(|| vec![TicketStatus::WaitingCustomer], |p| p.pause_statuses.clone());
        let paused = paused_intervals(self.ports.tickets.as_ref(), ticket.id(), &pausing).await?;
        Ok(SlaReport {
            view: SlaView {
                policy_id: stored.policy_id,
                policy_name: name,
                targets: targets.iter().map(|t| t.target.clone()).collect(),
            },
            calendar_id: policy.and_then(|p| p.calendar_id),
            time_zone: calendar.zone().name().to_owned(),
            targets,
            paused,
            tzdb_version: self.ports.sla.support.zone_database_version().to_owned(),
        })
    }
}

/// The SLA of each of `tickets` that has one, for the staff's ticket views: the targets
/// in one read, each policy once.
pub(crate) async fn summaries(
    ports: &TicketPorts,
    tickets: &[&Ticket],
) -> Result<HashMap<TicketId, SlaView>, AppError> {
    if tickets.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<TicketId> = tickets.iter().map(|t| t.id()).collect();
    let stored = ports.sla.targets.slas_of(&ids).await?;
    let now = ports.clock.now();
    let mut calendars: HashMap<Option<i64>, (Option<String>, BusinessCalendar)> = HashMap::new();
    let mut views = HashMap::new();
    for (id, s) in stored {
        if s.sla.targets.is_empty() {
            continue;
        }
        let (name, calendar) = match calendars.entry(s.policy_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(name_and_calendar(ports.sla.stored_policy(&s).await?.as_ref()))
            }
        };
        let targets = s.sla.targets.iter().map(|t| view(t, now, calendar)).collect();
        views.insert(
            id,
            SlaView {
                policy_id: s.policy_id,
                policy_name: name.clone(),
                targets,
            },
        );
    }
    Ok(views)
}

/// The policy's name and calendar; a deleted policy's targets are shown on 24x7 UTC.
fn name_and_calendar(applied: Option<&Applied>) -> (Option<String>, BusinessCalendar) {
    match applied {
        Some(a) => (Some(a.policy.name.clone()), a.calendar.clone()),
        None => (None, BusinessCalendar::always_open()),
    }
}

fn view(t: &SlaTarget, now: Timestamp, calendar: &BusinessCalendar) -> TargetView {
    TargetView {
        kind: t.kind,
        status: t.status(now),
        started_at: t.started_at,
        due_at: t.due_at,
        target_seconds: t.target_seconds,
        consumed_seconds: t.consumed(now, calendar),
        remaining_seconds: t.remaining(now, calendar),
        warned_at: t.warned_at,
        breached_at: t.breached_at,
        met_at: t.met_at,
    }
}
