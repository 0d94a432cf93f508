//! The escalation loop's tick: apply the rules that fire on the tickets due a look.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use domain::assignment::Strictness;
use domain::escalation::{Action, EscalationFacts, EscalationRule, Firing, Reassign, evaluate, next_check};
use domain::sla::BusinessCalendar;
use domain::{Escalation, Ticket, TicketEvent, TicketEventKind, TicketId, TicketStatus, Timestamp};

use crate::error::AppError;
use crate::ports::{ChangeSet, EscalationChecks, EscalationRuleRepository, StoreError, Write};
use crate::sla::Before;
use crate::tickets::{TicketPorts, pick_history, place_taken};

/// How often one ticket is tried within a tick when a concurrent change wins.
const ATTEMPTS_PER_TICKET: usize = 3;
/// Schedules committed per transaction, a savepoint each (PostgreSQL slows down past 64
/// subtransactions).
const SAVEPOINTS_PER_TRANSACTION: usize = 50;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscalationTick {
    /// Tickets leased because a look was due.
    pub checked: usize,
    /// Rule firings applied (each recorded once per trigger).
    pub fired: usize,
    /// Hand-overs a rule asked for that the agent could not take (the rest of the rule
    /// was applied, the refusal noted in the reason).
    pub refused: usize,
    /// Tickets a concurrent change beat three times; their lease runs out and a later tick
    /// looks again.
    pub conflicts: usize,
    /// Tickets that failed otherwise.
    pub failed: usize,
    /// The last failure, for the log.
    pub last_error: Option<String>,
}

/// The automatic path of escalation: finds the tickets due a look through the check index
/// (every change to a ticket makes it due; the loop then schedules the next instant a rule
/// could fire), evaluates the active rules on each, and applies each firing once: the
/// ticket's new state, its history entries and outbox events (`TicketEscalated`, and any
/// hand-over) and the firing's record in one transaction.
#[derive(Clone)]
pub struct RunEscalations {
    ports: TicketPorts,
    rules: Arc<dyn EscalationRuleRepository>,
    checks: Arc<dyn EscalationChecks>,
    batch: u32,
    lease_seconds: i64,
}

impl RunEscalations {
    /// Wires the use case: at most `batch` tickets per tick, each leased for
    /// `lease_seconds`.
    pub fn new(
        ports: TicketPorts,
        rules: Arc<dyn EscalationRuleRepository>,
        checks: Arc<dyn EscalationChecks>,
        batch: u32,
        lease_seconds: i64,
    ) -> Self {
        Self {
            ports,
            rules,
            checks,
            batch: batch.max(1),
            lease_seconds: lease_seconds.max(1),
        }
    }

    /// The most tickets one [`RunEscalations::tick`] takes.
    pub fn batch_size(&self) -> usize {
        self.batch as usize
    }

    /// One pass. With no active rule nothing is claimed (a rule's creation makes every
    /// open ticket due a look).
    pub async fn tick(&self) -> Result<EscalationTick, AppError> {
        let rules: Vec<EscalationRule> = self
            .rules
            .list_rules()
            .await?
            .into_iter()
            .filter(|r| r.active)
            .collect();
        let mut tick = EscalationTick::default();
        if rules.is_empty() {
            return Ok(tick);
        }
        let now = self.ports.clock.now();
        let lease = now.plus_seconds(self.lease_seconds);
        let ids = self.checks.claim_checks(now, lease, self.batch).await?;
        tick.checked = ids.len();
        let mut schedules = Vec::new();
        for id in ids {
            if let Err(e) = self.look_at(id, &rules, lease, &mut tick, &mut schedules).await {
                tick.failed += 1;
                tick.last_error = Some(format!("ticket {id}: {e}"));
            }
        }
        // Most looks only schedule the next one: those commit together, a savepoint each,
        // one flush per chunk instead of one per ticket.
        let mut schedules = schedules.into_iter().peekable();
        while schedules.peek().is_some() {
            let chunk: Vec<ChangeSet> = schedules.by_ref().take(SAVEPOINTS_PER_TRANSACTION).collect();
            let n = chunk.len();
            let failed = match self.ports.uow.commit_each(chunk).await {
                Ok(done) => done.into_iter().filter_map(Result::err).collect(),
                Err(e) => vec![e; n],
            };
            // A schedule that did not commit leaves its ticket leased; it is looked at
            // again when the lease runs out.
            if let Some(e) = failed.last() {
                tick.failed += failed.len();
                tick.last_error = Some(e.to_string());
            }
        }
        Ok(tick)
    }

    /// Evaluates and applies the rules on one ticket, retrying on fresh state when a
    /// concurrent change wins.
    /// A look that fires nothing only schedules the next one: its change set goes to
    /// `schedules`, committed with the others at the end of the tick.
    async fn look_at(
        &self,
        id: TicketId,
        rules: &[EscalationRule],
        lease: Timestamp,
        tick: &mut EscalationTick,
        schedules: &mut Vec<ChangeSet>,
    ) -> Result<(), AppError> {
        let mut skip_handover = false;
        for _ in 0..ATTEMPTS_PER_TICKET {
            let Some(ticket) = self.ports.tickets.get(id).await? else {
                return Ok(());
            };
            let now = self.ports.clock.now();
            let plan = self.plan(&ticket, rules, now, lease, skip_handover).await?;
            let fired = plan.firings;
            if fired == 0 {
                schedules.push(plan.changes);
                return Ok(());
            }
            match self.ports.uow.commit(plan.changes).await {
                Ok(()) => {
                    tick.fired += fired;
                    tick.refused += usize::from(skip_handover);
                    return Ok(());
                }
                Err(StoreError::AgentRefused(_)) if !skip_handover => skip_handover = true,
                // The ticket moved on, its SLA was saved meanwhile, or another loop
                // recorded a firing after our lease ran out: look again on fresh state.
                Err(StoreError::VersionConflict | StoreError::Duplicate("escalation_firing")) => {}
                Err(e) => return Err(e.into()),
            }
        }
        tick.conflicts += 1;
        Ok(())
    }

    /// The change set for one ticket as read: the firings applied in rule order; or, when
    /// none fires, the next look scheduled under this tick's lease (a rule created or a
    /// ticket changed meanwhile ends the lease, and the schedule then changes nothing).
    async fn plan(
        &self,
        read: &Ticket,
        rules: &[EscalationRule],
        now: Timestamp,
        lease: Timestamp,
        skip_handover: bool,
    ) -> Result<Plan, AppError> {
        let id = read.id();
        let stored = self.ports.sla.targets.sla_of(id).await?;
        let calendar = match self.ports.sla.stored_policy(&stored).await? {
            Some(applied) => applied.calendar,
            None => BusinessCalendar::always_open(),
        };
        let unassigned_since = self.unassigned_since(read, rules).await?;
        let fired: BTreeSet<(i64, String)> = self.checks.fired(id).await?.into_iter().collect();
        let satisfaction = self.satisfaction(id, rules).await?;
        let facts = EscalationFacts {
            ticket: read.parts(),
            sla: Some(&stored.sla),
            unassigned_since,
            satisfaction,
        };
        let firings: Vec<Firing> = evaluate(rules, &facts, now, &calendar)
            .map_err(crate::sla::calendar_failure)?
            .into_iter()
            .filter(|f| !fired.contains(&(f.rule_id, f.trigger.clone())))
            .collect();
        let mut changes = ChangeSet::default();
        if firings.is_empty() {
            let at = next_check(rules, &facts, now, &calendar).map_err(crate::sla::calendar_failure)?;
            changes.push(Write::ScheduleEscalationCheck {
                ticket_id: id,
                at,
                version: read.version(),
                lease,
            });
            return Ok(Plan { changes, firings: 0 });
        }
        let by_id: BTreeMap<i64, &EscalationRule> = rules.iter().map(|r| (r.id, r)).collect();
        let mut ticket = read.clone();
        let mut events: Vec<TicketEvent> = Vec::new();
        for firing in &firings {
            let Some(rule) = by_id.get(&firing.rule_id) else {
                continue;
            };
            events.extend(apply(&mut ticket, rule, firing, now, skip_handover)?);
            changes.push(Write::RecordFiring {
                ticket_id: id,
                rule_id: firing.rule_id,
                trigger: firing.trigger.clone(),
                at: now,
            });
        }
        let mut writes = vec![Write::UpdateTicket {
            ticket: ticket.clone(),
            expected: read.version(),
        }];
        // A rule names the agent: checked as a person's assignment, so an offline or full
        // agent refuses the hand-over.
        writes.extend(events.iter().filter_map(|e| place_taken(e, Strictness::Manual)));
        writes.extend(events.into_iter().map(Write::Record));
        writes.extend(changes.writes);
        writes.extend(
            self.ports
                .sla
                .follow(self.ports.tickets.as_ref(), &Before::of(read), &ticket, None, now)
                .await?,
        );
        // No schedule: the ticket's own write makes it due at once and ends the lease, so
        // the next tick looks at it as it is now (new targets, new agent) with the rules
        // as they are then, and schedules the look after that.
        Ok(Plan {
            changes: ChangeSet { writes },
            firings: firings.len(),
        })
    }

    /// The answer to the ticket's latest survey round, read only when a rule needs it.
    async fn satisfaction(
        &self,
        id: TicketId,
        rules: &[EscalationRule],
    ) -> Result<Option<domain::escalation::Satisfaction>, AppError> {
        let wanted = rules.iter().any(|r| {
            matches!(
                r.trigger(),
                Some(domain::escalation::Condition::SatisfactionAtMost { .. })
            )
        });
        if !wanted {
            return Ok(None);
        }
        Ok(self.ports.surveys.latest_survey(id).await?.and_then(|stored| {
            let round = stored.survey.round();
            stored
                .survey
                .current_answer()
                .map(|a| domain::escalation::Satisfaction {
                    round,
                    rating: a.rating,
                    at: a.changed_at,
                })
        }))
    }

    /// Since when a `new` ticket without an agent has waited: its last return to the
    /// queue, or its opening. Read from the history only when a rule needs it.
    async fn unassigned_since(&self, ticket: &Ticket, rules: &[EscalationRule]) -> Result<Option<Timestamp>, AppError> {
        let t = ticket.parts();
        if t.assignee_id.is_some() || t.status != TicketStatus::New {
            return Ok(None);
        }
        let wanted = rules
            .iter()
            .any(|r| matches!(r.trigger(), Some(domain::escalation::Condition::UnassignedFor { .. })));
        if !wanted {
            return Ok(None);
        }
        let returns = pick_history(&self.ports, t.id, |e| {
            matches!(e.kind, TicketEventKind::Unassigned { .. }).then_some(e.at)
        })
        .await?;
        Ok(Some(returns.last().copied().unwrap_or(t.created_at)))
    }
}

/// One ticket's writes and how many firings they carry.
struct Plan {
    changes: ChangeSet,
    firings: usize,
}

/// Applies a rule's actions to the ticket: the escalation (always recorded, so every
/// firing is on the ticket's record and in the outbox, where the notifications it asks
/// for are planned from), then any hand-over.
fn apply(
    ticket: &mut Ticket,
    rule: &EscalationRule,
    firing: &Firing,
    now: Timestamp,
    skip_handover: bool,
) -> Result<Vec<TicketEvent>, AppError> {
    let raise_priority = rule.actions.iter().find_map(|a| match a {
        Action::RaisePriority(r) => Some(*r),
        _ => None,
    });
    let handover: Option<&Reassign> = rule.actions.iter().find_map(|a| match a {
        Action::Reassign(r) => Some(r),
        _ => None,
    });
    let mut reason = format!("{}: {}", rule.name, firing.what);
    let raise_level = rule.actions.contains(&Action::RaiseLevel);
    // A resolved or closed ticket (a satisfaction rule) is only notified about: nothing
    // is raised and nobody takes it over; the reason says what was skipped.
    let finished = matches!(ticket.status(), TicketStatus::Resolved | TicketStatus::Closed);
    if finished && (raise_level || raise_priority.is_some() || handover.is_some()) {
        reason.push_str(&format!(
            "; the ticket is {}: priority, level and hand-over skipped",
            ticket.status().as_str()
        ));
    } else if skip_handover && handover.is_some() {
        reason.push_str("; the hand-over was refused (the agent is offline or full)");
    }
    let escalation = Escalation {
        rule_id: Some(rule.id),
        reason: reason.clone(),
        raise_level: raise_level && !finished,
        raise_priority: raise_priority.filter(|_| !finished),
    };
    let mut events = vec![ticket.escalate(None, now, escalation)?];
    if let (Some(target), false, false) = (handover, skip_handover, finished) {
        events.extend(ticket.reassign_by_rule(target, now, reason)?);
    }
    Ok(events)
}

/// The escalation loop as a background job: a batch of tickets due a look at a time,
/// more at once while batches come back full.
#[async_trait::async_trait]
impl crate::jobs::Job for RunEscalations {
    fn name(&self) -> &'static str {
        "escalation"
    }

    fn measures(&self) -> &'static [crate::jobs::Measure] {
        use crate::jobs::Measure;
        const MEASURES: &[Measure] = &[
            Measure::counter("escalation_checked", "Tickets the escalation loop looked at."),
            Measure::counter("escalation_fired", "Escalation rule firings applied."),
            Measure::counter(
                "escalation_refused",
                "Hand-overs a rule asked for that the agent could not take.",
            ),
            Measure::counter(
                "escalation_conflicts",
                "Looks lost to a concurrent change of the ticket (looked at again).",
            ),
        ];
        MEASURES
    }

    async fn run_batch(&self) -> Result<crate::jobs::BatchReport, AppError> {
        let tick = self.tick().await?;
        Ok(crate::jobs::BatchReport {
            taken: tick.checked,
            more: tick.checked >= self.batch_size() && tick.failed == 0,
            failed: tick.failed,
            last_error: tick.last_error,
            values: Vec::new(),
        }
        .with("escalation_checked", tick.checked)
        .with("escalation_fired", tick.fired)
        .with("escalation_refused", tick.refused)
        .with("escalation_conflicts", tick.conflicts))
    }
}
