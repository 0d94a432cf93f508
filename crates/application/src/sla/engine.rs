//! Keeping each ticket's SLA in step with the ticket: the matching policy's targets when it
//! opens, their clocks moved by status changes and replies, the policy re-applied when the
//! priority or category changes, and every warning or breach recorded once.

use std::sync::Arc;

use domain::sla::{
    BusinessCalendar, Crossing, PolicyTerms, SlaPolicy, TargetCrossing, TargetKind, TicketFacts, TicketSla,
    select_policy,
};
use domain::{CategorySlug, Priority, Ticket, TicketEvent, TicketEventKind, TicketId, TicketStatus, Timestamp};

use crate::error::AppError;
use crate::ports::{
    CalendarSupport, SlaCalendarRepository, SlaPolicyRepository, SlaReference, SlaTargetRepository, StoredCalendar,
    StoredSla, TicketRepository, Write,
};

use super::spec::build_calendar;

/// What the SLA bookkeeping reads: policies, calendars, stored targets and time zones.
#[derive(Clone)]
pub struct SlaPorts {
    /// SLA policies.
    pub policies: Arc<dyn SlaPolicyRepository>,
    /// Business calendars.
    pub calendars: Arc<dyn SlaCalendarRepository>,
    /// Tickets' stored targets.
    pub targets: Arc<dyn SlaTargetRepository>,
    /// Time zones and holiday rules.
    pub support: Arc<dyn CalendarSupport>,
}

/// A policy ready to apply: its terms and its calendar built.
pub(crate) struct Applied {
    pub(crate) policy: SlaPolicy,
    pub(crate) terms: PolicyTerms,
    pub(crate) calendar: BusinessCalendar,
}

/// What a ticket looked like before a command, as far as its SLA cares.
#[derive(Debug, Clone)]
pub(crate) struct Before {
    status: TicketStatus,
    priority: Priority,
    category: CategorySlug,
}

impl Before {
    /// Takes the facts from the ticket as read.
    pub(crate) fn of(ticket: &Ticket) -> Self {
        let t = ticket.parts();
        Self {
            status: t.status,
            priority: t.priority,
            category: t.category.clone(),
        }
    }
}

/// A public comment that came with a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reply {
    /// Staff replied publicly.
    Staff,
    /// The customer commented; `staff_replied` when staff had replied publicly before.
    Customer {
        /// Staff had replied publicly before this comment.
        staff_replied: bool,
    },
}

impl SlaPorts {
    /// The calendar a policy counts on: its stored calendar, or 24x7 UTC without one.
    pub(crate) async fn calendar_for(&self, policy: &SlaPolicy) -> Result<BusinessCalendar, AppError> {
        let Some(id) = policy.calendar_id else {
            return Ok(BusinessCalendar::always_open());
        };
        let stored = self.calendars.get_calendar(id).await?;
        self.build(policy, stored.as_ref())
    }

    /// Builds the calendar `policy` names from its stored configuration (`None`: 24x7 UTC
    /// when the policy names none; otherwise the calendar is missing).
    fn build(&self, policy: &SlaPolicy, stored: Option<&StoredCalendar>) -> Result<BusinessCalendar, AppError> {
        let Some(id) = policy.calendar_id else {
            return Ok(BusinessCalendar::always_open());
        };
        let stored =
            stored.ok_or_else(|| AppError::Internal(format!("policy {} names missing calendar {id}", policy.id)))?;
        // Checked when saved; failing now means the zone database changed under it.
        build_calendar(&stored.spec, self.support.as_ref(), "")
            .map_err(|e| AppError::Internal(format!("stored calendar {id} no longer builds: {e:?}")))
    }

    async fn applied(&self, policy: SlaPolicy) -> Result<Applied, AppError> {
        let calendar = self.calendar_for(&policy).await?;
        Ok(Applied {
            terms: policy.terms(),
            policy,
            calendar,
        })
    }

    /// The policy that matches a priority and category, if any.
    async fn matching(&self, priority: Priority, category: &CategorySlug) -> Result<Option<Applied>, AppError> {
        let policies = self.policies.list_policies().await?;
        match select_policy(&policies, priority, category) {
            Some(p) => Ok(Some(self.applied(p.clone()).await?)),
            None => Ok(None),
        }
    }

    /// The policy a stored SLA names, if it still exists.
    pub(crate) async fn stored_policy(&self, stored: &StoredSla) -> Result<Option<Applied>, AppError> {
        let Some(id) = stored.policy_id else {
            return Ok(None);
        };
        match self.policies.get_policy(id).await? {
            Some(p) => Ok(Some(self.applied(p).await?)),
            None => Ok(None),
        }
    }

    /// The writes that give a ticket just opened the targets of its matching policy,
    /// among the policies and calendars of `reference` (read with the ticket's id).
    pub(crate) fn on_open(&self, ticket: &Ticket, reference: &SlaReference) -> Result<Vec<Write>, AppError> {
        let t = ticket.parts();
        let Some(policy) = select_policy(&reference.policies, t.priority, &t.category) else {
            return Ok(Vec::new());
        };
        let stored = policy
            .calendar_id
            .and_then(|id| reference.calendars.iter().find(|c| c.id == id));
        let applied = Applied {
            calendar: self.build(policy, stored)?,
            terms: policy.terms(),
            policy: policy.clone(),
        };
        let mut sla = TicketSla::open(&applied.terms, t.created_at, &applied.calendar).map_err(calendar_failure)?;
        if t.status != TicketStatus::New {
            // Assigned as it was opened: a policy may pause in `assigned`. Nothing can
            // have crossed yet, at the instant of opening.
            sla.on_status_change(
                &applied.terms,
                TicketStatus::New,
                t.status,
                t.created_at,
                &applied.calendar,
            )
            .map_err(calendar_failure)?;
        }
        Ok(vec![Write::SaveSla {
            ticket_id: t.id,
            policy_id: Some(applied.policy.id),
            revision: 0,
            sla,
        }])
    }

    /// The writes that follow a command which took the ticket from `before` to `ticket`
    /// at `at`, with the public comment it added if any: the targets moved and every
    /// crossing recorded (once: the save is guarded by the revision read).
    pub(crate) async fn follow(
        &self,
        history: &dyn TicketRepository,
        before: &Before,
        ticket: &Ticket,
        reply: Option<Reply>,
        at: Timestamp,
    ) -> Result<Vec<Write>, AppError> {
        let stored = self.targets.sla_of(ticket.id()).await?;
        let change = Followed {
            before,
            ticket,
            reply,
            at,
        };
        self.follow_stored(history, stored, &mut PolicyCache::default(), change)
            .await
    }

    /// [`SlaPorts::follow`] from the SLA `stored` as read already (a batch reads its
    /// tickets' SLAs at once), with the policies read through `policies`.
    pub(crate) async fn follow_stored(
        &self,
        history: &dyn TicketRepository,
        mut stored: StoredSla,
        policies: &mut PolicyCache,
        change: Followed<'_>,
    ) -> Result<Vec<Write>, AppError> {
        let Followed {
            before,
            ticket,
            reply,
            at,
        } = change;
        let t = ticket.parts();
        let read = stored.clone();
        let moved = before.priority != t.priority || before.category != t.category;
        let current = if moved {
            None
        } else {
            policies.stored(self, &stored).await?
        };
        // Re-select on a priority or category change, and when the policy the targets
        // came from was deleted.
        let reselect = current.is_none() && (moved || !stored.sla.targets.is_empty());
        let applied = match current {
            Some(a) => Some(a),
            None if reselect => self.matching(t.priority, &t.category).await?.map(Arc::new),
            None => None,
        };
        let mut crossed = stored.sla.observe(at);
        if reselect {
            // Time consumed so far is counted on the calendar it was consumed on.
            if let Some(old) = policies.stored(self, &stored).await? {
                stored.sla.settle(at, &old.calendar);
            }
        }
        match &applied {
            Some(a) => {
                let (terms, cal) = (&a.terms, &a.calendar);
                if reselect {
                    let adds_resolution =
                        terms.resolution.is_some() && stored.sla.target(TargetKind::Resolution).is_none();
                    let paused = match adds_resolution {
                        true => paused_intervals(history, t.id, &terms.pause_statuses).await?,
                        false => Vec::new(),
                    };
                    let facts = TicketFacts {
                        status: t.status,
                        responded: t.first_response_at.is_some(),
                        opened_at: t.created_at,
                        paused: &paused,
                    };
                    crossed.extend(stored.sla.reapply(terms, &facts, at, cal).map_err(calendar_failure)?);
                }
                match reply {
                    Some(Reply::Staff) => crossed.extend(
                        stored
                            .sla
                            .on_public_comment(terms, true, true, at, cal)
                            .map_err(calendar_failure)?,
                    ),
                    Some(Reply::Customer { staff_replied }) => crossed.extend(
                        stored
                            .sla
                            .on_public_comment(terms, false, staff_replied, at, cal)
                            .map_err(calendar_failure)?,
                    ),
                    None => {}
                }
                if before.status != t.status {
                    crossed.extend(
                        stored
                            .sla
                            .on_status_change(terms, before.status, t.status, at, cal)
                            .map_err(calendar_failure)?,
                    );
                }
                stored.policy_id = Some(a.policy.id);
            }
            // No policy applies any more: open targets go, finished ones stay on record.
            None if reselect => {
                stored.sla.targets.retain(|target| target.met_at.is_some());
                stored.policy_id = None;
            }
            None => {}
        }
        Ok(sla_writes(t.id, &read, stored, &crossed, at))
    }
}

/// A command's change of a ticket, as [`SlaPorts::follow_stored`] follows it.
pub(crate) struct Followed<'a> {
    /// The ticket before the command.
    pub(crate) before: &'a Before,
    /// The ticket after it.
    pub(crate) ticket: &'a Ticket,
    /// The public comment it added, if any.
    pub(crate) reply: Option<Reply>,
    /// When.
    pub(crate) at: Timestamp,
}

/// The policies read while following a batch of commands, by id (`None`: deleted), so
/// each is read and its calendar built once.
#[derive(Default)]
pub(crate) struct PolicyCache(std::collections::BTreeMap<i64, Option<Arc<Applied>>>);

impl PolicyCache {
    /// The policy a stored SLA names, if it still exists.
    async fn stored(&mut self, sla: &SlaPorts, stored: &StoredSla) -> Result<Option<Arc<Applied>>, AppError> {
        let Some(id) = stored.policy_id else {
            return Ok(None);
        };
        if let Some(known) = self.0.get(&id) {
            return Ok(known.clone());
        }
        let applied = sla.stored_policy(stored).await?.map(Arc::new);
        self.0.insert(id, applied.clone());
        Ok(applied)
    }
}

/// The save and the crossing events, when anything changed.
pub(crate) fn sla_writes(
    ticket_id: TicketId,
    read: &StoredSla,
    now: StoredSla,
    crossed: &[TargetCrossing],
    at: Timestamp,
) -> Vec<Write> {
    if *read == now {
        return Vec::new();
    }
    save_with_events(ticket_id, read.revision, now, crossed, at)
}

/// The save (guarded by the revision read) and one event per crossing.
pub(crate) fn save_with_events(
    ticket_id: TicketId,
    revision: i64,
    now: StoredSla,
    crossed: &[TargetCrossing],
    at: Timestamp,
) -> Vec<Write> {
    let policy_id = now.policy_id;
    let mut writes = vec![Write::SaveSla {
        ticket_id,
        policy_id,
        revision,
        sla: now.sla,
    }];
    writes.extend(crossed.iter().map(|(target, crossing)| {
        Write::Record(TicketEvent {
            ticket_id,
            actor: None,
            at,
            kind: TicketEventKind::SlaCrossed {
                target: *target,
                crossing: *crossing,
                policy_id,
            },
        })
    }));
    writes
}

/// How many history entries are read per page when looking for pauses.
const HISTORY_PAGE: u32 = 500;

/// The stretches a ticket spent in one of the `pausing` statuses (`None` end: still in
/// one), from its whole status history.
pub(crate) async fn paused_intervals(
    history: &dyn TicketRepository,
    ticket: TicketId,
    pausing: &[TicketStatus],
) -> Result<Vec<(Timestamp, Option<Timestamp>)>, AppError> {
    let mut intervals: Vec<(Timestamp, Option<Timestamp>)> = Vec::new();
    let mut after = None;
    loop {
        // Internal entries too: assignment events are internal and move the status.
        let page = history.history(ticket, true, after, HISTORY_PAGE).await?;
        let full = page.len() == HISTORY_PAGE as usize;
        for entry in page {
            after = Some(entry.id);
            let (from, to) = match entry.kind {
                TicketEventKind::StatusChanged { from, to, .. } | TicketEventKind::Assigned { from, to, .. } => {
                    (from, to)
                }
                TicketEventKind::Unassigned { from, .. } => (from, TicketStatus::New),
                _ => continue,
            };
            match (pausing.contains(&from), pausing.contains(&to)) {
                (false, true) => intervals.push((entry.at, None)),
                (true, false) => {
                    if let Some(last) = intervals.last_mut().filter(|(_, end)| end.is_none()) {
                        last.1 = Some(entry.at);
                    }
                }
                _ => {}
            }
        }
        if !full {
            return Ok(intervals);
        }
    }
}

/// Arithmetic failures on a stored calendar: calendars that never open are refused when
/// saved, so this is a broken invariant.
pub(crate) fn calendar_failure(e: domain::sla::CalendarError) -> AppError {
    AppError::Internal(format!("SLA arithmetic failed on a stored calendar: {e}"))
}

/// Counts the warnings and breaches among crossings.
pub(crate) fn count(crossed: &[TargetCrossing]) -> (usize, usize) {
    let warnings = crossed
        .iter()
        .filter(|(_, c)| matches!(c, Crossing::Warning(_)))
        .count();
    (warnings, crossed.len() - warnings)
}
