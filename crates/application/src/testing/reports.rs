//! The reports' aggregates computed over the fakes' state, row by row, as the databases
//! compute them in SQL.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use domain::report::{AgeBucket, GroupBy, is_reopen, seconds_to_minutes, wall_minutes};
use domain::sla::{SlaTarget, TargetKind};
use domain::{Ticket, TicketEvent, TicketEventKind, TicketStatus, Timestamp, UserId};

use super::{Fake, State};
use crate::ports::{
    AgentLine, BacklogRow, DayCounts, GroupKey, HandledRow, LowRating, Measure, MinutesRow, RatingRow, ReportWindow,
    SlaRow, StoreError, VolumeData,
};

fn within(w: &ReportWindow, at: Timestamp) -> bool {
    w.start() <= at && at < w.end()
}

fn events_of(s: &State, ticket: i64) -> impl Iterator<Item = &TicketEvent> {
    s.events.iter().filter(move |e| e.ticket_id.get() == ticket)
}

/// The assignee an assignment event leaves (`Some(None)`: nobody), `None` for other events.
fn assignment(e: &TicketEvent) -> Option<Option<i64>> {
    match &e.kind {
        TicketEventKind::Assigned { assignee, .. } => Some(Some(assignee.get())),
        TicketEventKind::Unassigned { .. } => Some(None),
        _ => None,
    }
}

/// The assignee after the last assignment event at or before `at`.
fn assignee_at(s: &State, ticket: i64, at: Timestamp) -> Option<i64> {
    events_of(s, ticket)
        .filter(|e| e.at <= at)
        .filter_map(assignment)
        .last()
        .flatten()
}

/// The assignee once the events up to and including `events[index]` were recorded (what
/// the status span that event started carries).
fn assignee_after(s: &State, index: usize) -> Option<i64> {
    let ticket = s.events.get(index)?.ticket_id;
    s.events
        .iter()
        .take(index + 1)
        .filter(|e| e.ticket_id == ticket)
        .filter_map(assignment)
        .next_back()
        .flatten()
}

/// The status after the last status-moving event before `at`.
fn status_before(s: &State, ticket: i64, at: Timestamp) -> Option<TicketStatus> {
    events_of(s, ticket)
        .filter(|e| e.at < at)
        .filter_map(|e| match &e.kind {
            TicketEventKind::Created { .. } | TicketEventKind::Unassigned { .. } => Some(TicketStatus::New),
            TicketEventKind::StatusChanged { to, .. } | TicketEventKind::Assigned { to, .. } => Some(*to),
            _ => None,
        })
        .last()
}

fn name_of(s: &State, id: i64) -> Option<String> {
    s.users
        .iter()
        .find(|u| u.id.get() == id)
        .map(|u| u.display_name.as_str().to_owned())
}

fn agent_key(s: &State, id: Option<i64>) -> GroupKey {
    GroupKey::Agent {
        id,
        name: id.and_then(|i| name_of(s, i)),
    }
}

fn ticket_key(s: &State, t: &Ticket, group_by: Option<GroupBy>, at: Timestamp, w: &ReportWindow) -> GroupKey {
    match group_by {
        None | Some(GroupBy::Policy) => GroupKey::All,
        Some(GroupBy::Category) => GroupKey::Category(t.parts().category.to_string()),
        Some(GroupBy::Priority) => GroupKey::Priority(t.parts().priority),
        Some(GroupBy::Agent) => agent_key(s, assignee_at(s, t.id().get(), at)),
        Some(GroupBy::Period) => GroupKey::Day(w.day_of(at).unwrap_or(0)),
    }
}

fn target(s: &State, ticket: i64, kind: TargetKind) -> Option<&SlaTarget> {
    s.slas.get(&ticket).and_then(|(stored, _)| stored.sla.target(kind))
}

#[async_trait]
impl crate::ports::ReportRepository for Fake {
    async fn sla_outcomes(&self, w: &ReportWindow, group_by: Option<GroupBy>) -> Result<Vec<SlaRow>, StoreError> {
        let s = self.state();
        let mut counts: BTreeMap<(GroupKey, usize), (u64, u64)> = BTreeMap::new();
        for (ticket_id, (stored, _)) in &s.slas {
            let Some(ticket) = s.tickets.iter().find(|t| t.id().get() == *ticket_id) else {
                continue;
            };
            for target in &stored.sla.targets {
                let (at, breached) = match (target.breached_at, target.met_at) {
                    (Some(b), _) if within(w, b) => (b, true),
                    (None, Some(m)) if within(w, m) => (m, false),
                    _ => continue,
                };
                let group = match group_by {
                    Some(GroupBy::Policy) => GroupKey::Policy {
                        id: stored.policy_id,
                        name: stored
                            .policy_id
                            .and_then(|id| s.policies.iter().find(|p| p.id == id))
                            .map(|p| p.name.clone()),
                    },
                    g => ticket_key(&s, ticket, g, at, w),
                };
                let kind = TargetKind::ALL.iter().position(|k| *k == target.kind).unwrap_or(0);
                let slot = counts.entry((group, kind)).or_default();
                if breached {
                    slot.1 += 1;
                } else {
                    slot.0 += 1;
                }
            }
        }
        Ok(counts
            .into_iter()
            .map(|((group, kind), (met, breached))| SlaRow {
                group,
                kind: TargetKind::ALL[kind],
                met,
                breached,
            })
            .collect())
    }

    async fn response_minutes(
        &self,
        w: &ReportWindow,
        group_by: Option<GroupBy>,
    ) -> Result<Vec<MinutesRow>, StoreError> {
        let s = self.state();
        let mut counts: BTreeMap<(GroupKey, Measure, u64), u64> = BTreeMap::new();
        for t in &s.tickets {
            let id = t.id().get();
            let mut add = |at: Timestamp, wall: Measure, business: Measure, kind: TargetKind| {
                let group = ticket_key(&s, t, group_by, at, w);
                *counts
                    .entry((group.clone(), wall, wall_minutes(t.parts().created_at, at)))
                    .or_default() += 1;
                if let Some(target) = target(&s, id, kind).filter(|x| x.met_at.is_some()) {
                    let minutes = seconds_to_minutes(target.consumed_before);
                    *counts.entry((group, business, minutes)).or_default() += 1;
                }
            };
            if let Some(at) = t.parts().first_response_at.filter(|a| within(w, *a)) {
                add(
                    at,
                    Measure::FirstResponseWall,
                    Measure::FirstResponseBusiness,
                    TargetKind::FirstResponse,
                );
            }
            if let Some(at) = t.parts().resolved_at.or(t.parts().closed_at).filter(|a| within(w, *a)) {
                add(
                    at,
                    Measure::ResolutionWall,
                    Measure::ResolutionBusiness,
                    TargetKind::Resolution,
                );
            }
        }
        Ok(counts
            .into_iter()
            .map(|((group, measure, minutes), count)| MinutesRow {
                group,
                measure,
                minutes,
                count,
            })
            .collect())
    }

    async fn volume(&self, w: &ReportWindow) -> Result<VolumeData, StoreError> {
        let s = self.state();
        let mut days: BTreeMap<usize, DayCounts> = BTreeMap::new();
        for t in &s.tickets {
            if let Some(d) = w.day_of(t.parts().created_at) {
                days.entry(d).or_default().created += 1;
            }
        }
        for e in &s.events {
            let (TicketEventKind::StatusChanged { from, to, .. }, Some(d)) = (&e.kind, w.day_of(e.at)) else {
                continue;
            };
            let day = days.entry(d).or_default();
            match to {
                TicketStatus::Resolved => day.resolved += 1,
                TicketStatus::Closed => day.closed += 1,
                _ => {}
            }
            if is_reopen(*from, *to) {
                day.reopened += 1;
            }
        }
        let mut backlog: BTreeMap<(usize, TicketStatus, AgeBucket), u64> = BTreeMap::new();
        for (day, end) in w.bounds.iter().skip(1).enumerate() {
            for t in &s.tickets {
                if t.parts().created_at >= *end || t.parts().closed_at.is_some_and(|c| c < *end) {
                    continue;
                }
                let Some(status) = status_before(&s, t.id().get(), *end) else {
                    continue;
                };
                *backlog
                    .entry((day, status, AgeBucket::bucket_of(t.parts().created_at, *end)))
                    .or_default() += 1;
            }
        }
        Ok(VolumeData {
            days: days.into_iter().collect(),
            backlog: backlog
                .into_iter()
                .map(|((day, status, bucket), count)| BacklogRow {
                    day,
                    status,
                    bucket,
                    count,
                })
                .collect(),
        })
    }

    async fn ratings(&self, w: &ReportWindow, group_by: Option<GroupBy>) -> Result<Vec<RatingRow>, StoreError> {
        let s = self.state();
        let mut counts: BTreeMap<(GroupKey, u8), u64> = BTreeMap::new();
        for row in &s.surveys {
            let Some(answer) = row.survey.current_answer().filter(|a| within(w, a.answered_at)) else {
                continue;
            };
            let group = match group_by {
                Some(GroupBy::Agent) => agent_key(&s, row.agent_id.map(UserId::get)),
                Some(GroupBy::Category) => GroupKey::Category(row.category.to_string()),
                Some(GroupBy::Priority) => GroupKey::Priority(row.priority),
                Some(GroupBy::Period) => GroupKey::Day(w.day_of(answer.answered_at).unwrap_or(0)),
                None | Some(GroupBy::Policy) => GroupKey::All,
            };
            *counts.entry((group, answer.rating.get())).or_default() += 1;
        }
        Ok(counts
            .into_iter()
            .map(|((group, rating), count)| RatingRow { group, rating, count })
            .collect())
    }

    async fn low_ratings(&self, w: &ReportWindow, limit: u32) -> Result<Vec<LowRating>, StoreError> {
        let s = self.state();
        let mut low: Vec<(Timestamp, i64, u32, LowRating)> = s
            .surveys
            .iter()
            .filter_map(|row| {
                let answer = row.survey.current_answer()?;
                if !within(w, answer.answered_at) || answer.rating.get() > 2 {
                    return None;
                }
                let parts = row.survey.parts();
                let ticket_id = parts.ticket_id.get();
                let number = s
                    .tickets
                    .iter()
                    .find(|t| t.id() == parts.ticket_id)
                    .map(|t| t.parts().number.to_string())?;
                Some((
                    answer.answered_at,
                    ticket_id,
                    parts.round.get(),
                    LowRating {
                        ticket_id,
                        number,
                        rating: answer.rating.get(),
                        comment: answer.comment.as_ref().map(|c| c.as_str().to_owned()),
                        agent_id: row.agent_id.map(UserId::get),
                        answered_at: answer.answered_at,
                    },
                ))
            })
            .collect();
        low.sort_by_key(|(at, ticket, round, _)| (*at, *ticket, *round));
        Ok(low
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(_, _, _, l)| l)
            .collect())
    }

    async fn handled(&self, w: &ReportWindow) -> Result<Vec<HandledRow>, StoreError> {
        let s = self.state();
        let mut handled: BTreeSet<(i64, i64)> = BTreeSet::new();
        let mut reopened: BTreeSet<i64> = BTreeSet::new();
        for (index, e) in s.events.iter().enumerate().filter(|(_, e)| within(w, e.at)) {
            let TicketEventKind::StatusChanged { from, to, .. } = &e.kind else {
                continue;
            };
            let ticket = e.ticket_id.get();
            if matches!(to, TicketStatus::Resolved | TicketStatus::Closed)
                && let Some(agent) = assignee_after(&s, index)
            {
                handled.insert((agent, ticket));
            }
            if is_reopen(*from, *to) {
                reopened.insert(ticket);
            }
        }
        let mut rows: BTreeMap<i64, HandledRow> = BTreeMap::new();
        for (agent, ticket) in handled {
            let row = rows.entry(agent).or_insert(HandledRow {
                agent_id: agent,
                handled: 0,
                reopened: 0,
            });
            row.handled += 1;
            if reopened.contains(&ticket) {
                row.reopened += 1;
            }
        }
        Ok(rows.into_values().collect())
    }

    async fn agent_lines(&self) -> Result<Vec<AgentLine>, StoreError> {
        let s = self.state();
        Ok(s.users
            .iter()
            .filter(|u| u.active && u.role.is_staff())
            .map(|u| AgentLine {
                agent_id: u.id.get(),
                name: u.display_name.as_str().to_owned(),
                load: open_load(&s, u.id),
            })
            .collect())
    }
}

fn open_load(s: &State, agent: UserId) -> u64 {
    let n = s
        .tickets
        .iter()
        .filter(|t| t.assignee_id() == Some(agent) && domain::assignment::LOAD_STATUSES.contains(&t.status()))
        .count();
    u64::try_from(n).unwrap_or(u64::MAX)
}
