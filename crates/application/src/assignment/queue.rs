//! The queue loop's tick: give waiting tickets to agents who have room.

use std::collections::BTreeMap;

use domain::assignment::{AgentSnapshot, queue_order};
use domain::{CategorySlug, Ticket, TicketId};

use crate::error::AppError;
use crate::ports::{QueuedAssignment, StoreError, StoredSla};
use crate::sla::{Before, Followed, PolicyCache};
use crate::tickets::TicketPorts;

use super::auto::{Pick, note_taken, pick};

/// How many batches one tick commits for its tickets: a ticket whose chosen agent turned
/// out to be full or away (another worker or a person was quicker), or whose SLA targets
/// the monitor saved first, is tried again in the next.
const ATTEMPTS_PER_TICKET: usize = 3;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueTick {
    /// Queued tickets read: no more than the places free and the batch size.
    pub considered: usize,
    /// Tickets given to an agent.
    pub assigned: usize,
    /// Tickets that changed meanwhile (assigned, closed or edited by someone else).
    pub conflicts: usize,
    /// Choices refused because the agent had filled up or gone away meanwhile.
    pub refused: usize,
    /// Tickets whose save failed otherwise; they stay queued for a later tick.
    pub failed: usize,
    /// The last failure, for the log.
    pub last_error: Option<String>,
}

/// Gives tickets waiting without an agent to online agents with room, in queue order
/// (most urgent, then earliest SLA due, then oldest), each through the selection rule.
/// Reads only as many queued tickets as there are free places, per category an agent with
/// room handles, so an idle tick costs one read of the online agents. The whole batch is
/// planned in memory and committed in one transaction
/// ([`crate::ports::UnitOfWork::commit_assignments`], ADR 0023). Safe with several
/// workers and concurrent commands: each assignment is guarded by the ticket's version and
/// takes the agent's place under a lock on their profile.
#[derive(Clone)]
pub struct DrainQueue {
    ports: TicketPorts,
    batch: u32,
}

impl DrainQueue {
    /// Wires the use case: at most `batch` tickets per tick.
    pub fn new(ports: TicketPorts, batch: u32) -> Self {
        Self {
            ports,
            batch: batch.max(1),
        }
    }

    /// The most tickets one tick considers.
    pub fn batch_size(&self) -> usize {
        self.batch as usize
    }

    /// One tick.
    pub async fn tick(&self) -> Result<QueueTick, AppError> {
        let mut tick = QueueTick::default();
        let mut agents = self.ports.routing.agents.online_agents(None).await?;
        let mut free: BTreeMap<CategorySlug, u32> = BTreeMap::new();
        for agent in agents.iter().filter(|a| a.has_room()) {
            let room = agent.capacity - agent.load.open();
            for skill in &agent.skills {
                let places = free.entry(skill.category.clone()).or_default();
                *places = places.saturating_add(room);
            }
        }
        let mut queued: Vec<Ticket> = Vec::new();
        for (category, places) in free {
            queued.extend(self.ports.tickets.queue(&category, places.min(self.batch)).await?);
        }
        queued.sort_by(queue_order);
        queued.truncate(self.batch as usize);
        tick.considered = queued.len();
        let mut pending = queued;
        for _ in 0..ATTEMPTS_PER_TICKET {
            if pending.is_empty() {
                break;
            }
            pending = self.assign_batch(pending, &mut agents, &mut tick).await;
        }
        Ok(tick)
    }

    /// Plans one assignment per ticket through the selection rule (each choice counted
    /// before the next), commits them together, and returns the tickets worth another
    /// try: those whose agent turned out to be full or away (another worker or a person
    /// was quicker), left out of `agents` from then on, and those whose SLA targets alone
    /// moved (the monitor saved first), read again.
    async fn assign_batch(
        &self,
        pending: Vec<Ticket>,
        agents: &mut Vec<AgentSnapshot>,
        tick: &mut QueueTick,
    ) -> Vec<Ticket> {
        let mut plan: Vec<(Ticket, Pick)> = Vec::new();
        for ticket in pending {
            let now = self.ports.clock.now();
            if let Some(choice) = pick(&ticket, agents, &self.ports.routing.weights, now) {
                note_taken(agents, &choice);
                plan.push((ticket, choice));
            }
        }
        if plan.is_empty() {
            return Vec::new();
        }
        let batch = match self.with_sla(&plan).await {
            Ok(batch) => batch,
            Err(e) => {
                fail_all(tick, plan.len(), e.to_string());
                return Vec::new();
            }
        };
        let outcomes = match self.ports.uow.commit_assignments(batch).await {
            Ok(outcomes) => outcomes,
            Err(e) => {
                fail_all(tick, plan.len(), e.to_string());
                return Vec::new();
            }
        };
        let mut again = Vec::new();
        let mut moved = Vec::new();
        for ((ticket, choice), outcome) in plan.into_iter().zip(outcomes) {
            match outcome {
                Ok(()) => tick.assigned += 1,
                Err(StoreError::AgentRefused(_)) => {
                    // Someone else filled them up, or they went away: not again this tick.
                    tick.refused += 1;
                    agents.retain(|a| a.id != choice.agent);
                    again.push(ticket);
                }
                Err(StoreError::VersionConflict) => moved.push(ticket),
                Err(e) => fail(tick, e.to_string()),
            }
        }
        // Either the ticket moved on (then it is no longer ours to assign) or only its
        // SLA targets did, or another worker holds it right now: read it again.
        for ticket in moved {
            match self.ports.tickets.get(ticket.id()).await {
                Ok(Some(fresh)) if fresh.version() == ticket.version() => again.push(fresh),
                Ok(_) => tick.conflicts += 1,
                Err(e) => fail(tick, e.to_string()),
            }
        }
        again.sort_by(queue_order);
        again
    }

    /// The planned assignments with their SLA consequences, the tickets' stored SLAs read
    /// in one go and each policy once.
    async fn with_sla(&self, plan: &[(Ticket, Pick)]) -> Result<Vec<QueuedAssignment>, AppError> {
        let ids: Vec<TicketId> = plan.iter().map(|(t, _)| t.id()).collect();
        let mut stored: BTreeMap<i64, StoredSla> = self
            .ports
            .sla
            .targets
            .slas_of(&ids)
            .await?
            .into_iter()
            .map(|(id, sla)| (id.get(), sla))
            .collect();
        let mut policies = PolicyCache::default();
        let mut batch = Vec::with_capacity(plan.len());
        for (queued, choice) in plan {
            let before = Before::of(queued);
            let change = Followed {
                before: &before,
                ticket: &choice.ticket,
                reply: None,
                at: choice.event.at,
            };
            let sla = stored.remove(&queued.id().get()).unwrap_or_default();
            let follow = self
                .ports
                .sla
                .follow_stored(self.ports.tickets.as_ref(), sla, &mut policies, change)
                .await?;
            batch.push(QueuedAssignment {
                ticket: choice.ticket.clone(),
                expected: queued.version(),
                agent: choice.agent,
                event: choice.event.clone(),
                follow,
            });
        }
        Ok(batch)
    }
}

fn fail_all(tick: &mut QueueTick, n: usize, error: String) {
    tick.failed += n;
    tick.last_error = Some(error);
}

fn fail(tick: &mut QueueTick, error: String) {
    tick.failed += 1;
    tick.last_error = Some(error);
}

/// The assignment queue as a background job: at once again after a full batch that gave
/// tickets away, otherwise at the driver's interval (an agent coming online or freeing a
/// place is picked up then).
#[async_trait::async_trait]
impl crate::jobs::Job for DrainQueue {
    fn name(&self) -> &'static str {
        "queue"
    }

    fn measures(&self) -> &'static [crate::jobs::Measure] {
        use crate::jobs::Measure;
        const MEASURES: &[Measure] = &[
            Measure::counter("queue_assigned", "Queued tickets given to an agent."),
            Measure::counter(
                "queue_refused",
                "Queue choices refused: the agent filled up or went away meanwhile.",
            ),
            Measure::counter("queue_conflicts", "Queued tickets changed by someone else meanwhile."),
        ];
        MEASURES
    }

    async fn run_batch(&self) -> Result<crate::jobs::BatchReport, AppError> {
        let tick = self.tick().await?;
        Ok(crate::jobs::BatchReport {
            taken: tick.considered,
            more: tick.considered >= self.batch_size() && tick.assigned > 0 && tick.failed == 0,
            failed: tick.failed,
            last_error: tick.last_error,
            values: Vec::new(),
        }
        .with("queue_assigned", tick.assigned)
        .with("queue_refused", tick.refused)
        .with("queue_conflicts", tick.conflicts))
    }
}
