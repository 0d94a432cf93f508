//! The queue loop's tick: give waiting tickets to agents who have room.

use std::collections::BTreeMap;

use domain::assignment::{AgentSnapshot, queue_order};
use domain::{CategorySlug, Ticket};

use crate::error::AppError;
use crate::ports::{ChangeSet, StoreError, Write};
use crate::sla::Before;
use crate::tickets::TicketPorts;

use super::auto::{Pick, note_taken, pick};

/// How often one ticket is tried again in a tick after its chosen agent turned out to be
/// full or away (another worker or a person was quicker), or the SLA monitor saved its
/// targets first.
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
/// room handles, so an idle tick costs one read of the online agents. Safe with several
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
        for ticket in queued {
            self.assign_one(ticket, &mut agents, &mut tick).await;
        }
        Ok(tick)
    }

    /// Tries to give one ticket to an agent, choosing again when the chosen one turned
    /// out to be full or away.
    async fn assign_one(&self, mut ticket: Ticket, agents: &mut Vec<AgentSnapshot>, tick: &mut QueueTick) {
        for _ in 0..ATTEMPTS_PER_TICKET {
            let now = self.ports.clock.now();
            let Some(choice) = pick(&ticket, agents, &self.ports.routing.weights, now) else {
                return;
            };
            match self.commit(&ticket, &choice).await {
                Ok(Ok(())) => {
                    note_taken(agents, &choice);
                    tick.assigned += 1;
                    return;
                }
                Ok(Err(StoreError::AgentRefused(_))) => {
                    // Someone else filled them up, or they went away: not again this tick.
                    tick.refused += 1;
                    agents.retain(|a| a.id != choice.agent);
                }
                Ok(Err(StoreError::VersionConflict)) => {
                    // Either the ticket moved on (then it is no longer ours to assign) or
                    // only its SLA targets did (the monitor saved first): read it again.
                    match self.ports.tickets.get(ticket.id()).await {
                        Ok(Some(fresh)) if fresh.version() == ticket.version() => ticket = fresh,
                        Ok(_) => {
                            tick.conflicts += 1;
                            return;
                        }
                        Err(e) => return fail(tick, e.to_string()),
                    }
                }
                Ok(Err(e)) => return fail(tick, e.to_string()),
                Err(e) => return fail(tick, e.to_string()),
            }
        }
    }

    /// Commits the assignment with its SLA consequences; the outer error is one of
    /// working out those consequences, the inner one the store's answer.
    async fn commit(&self, queued: &Ticket, choice: &Pick) -> Result<Result<(), StoreError>, AppError> {
        let mut changes = ChangeSet::default();
        changes
            .push(Write::UpdateTicket {
                ticket: choice.ticket.clone(),
                expected: queued.version(),
            })
            .push(choice.place.clone())
            .push(Write::Record(choice.event.clone()));
        let follow = self
            .ports
            .sla
            .follow(
                self.ports.tickets.as_ref(),
                &Before::of(queued),
                &choice.ticket,
                None,
                choice.event.at,
            )
            .await?;
        changes.writes.extend(follow);
        Ok(self.ports.uow.commit(changes).await)
    }
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
