//! The shared read-modify-write cycle of the commands that change a ticket.

use domain::assignment::{Strictness, takes_capacity};
use domain::{Actor, Ticket, TicketEvent, TicketEventKind, Timestamp};

use crate::error::AppError;
use crate::ports::{ChangeSet, StoreError, Write};
use crate::sla::Before;

use super::idempotent::key_race;
use super::{TicketPorts, load_visible};

/// How often a command without `If-Match` is retried after losing a race.
const MAX_ATTEMPTS: usize = 3;

/// Applies `change` to the ticket and commits the new state and its event with
/// [`commit_with_retry`]. A change that gives the ticket to an agent takes one of their
/// places, checked as a person's assignment ([`Strictness::Manual`]).
pub(crate) async fn mutate<F>(
    ports: &TicketPorts,
    actor: Actor,
    reference: &str,
    if_match: Option<i64>,
    change: F,
) -> Result<Ticket, AppError>
where
    F: FnMut(&mut Ticket, Timestamp) -> Result<Option<TicketEvent>, AppError>,
{
    mutate_checked(ports, actor, reference, if_match, Strictness::Manual, change).await
}

/// [`mutate`], checking the agent a ticket is given to with `strictness`.
pub(crate) async fn mutate_checked<F>(
    ports: &TicketPorts,
    actor: Actor,
    reference: &str,
    if_match: Option<i64>,
    strictness: Strictness,
    mut change: F,
) -> Result<Ticket, AppError>
where
    F: FnMut(&mut Ticket, Timestamp) -> Result<Option<TicketEvent>, AppError>,
{
    mutate_events(ports, actor, reference, if_match, strictness, |ticket, now| {
        Ok(change(ticket, now)?.into_iter().collect())
    })
    .await
}

/// [`mutate_checked`] for a change that records several events (none: nothing changed).
/// The agents' places come before the events, as [`Write::TakeCapacity`] asks.
pub(crate) async fn mutate_events<F>(
    ports: &TicketPorts,
    actor: Actor,
    reference: &str,
    if_match: Option<i64>,
    strictness: Strictness,
    mut change: F,
) -> Result<Ticket, AppError>
where
    F: FnMut(&mut Ticket, Timestamp) -> Result<Vec<TicketEvent>, AppError>,
{
    commit_with_retry(ports, &actor, reference, if_match, async |mut ticket, now| {
        let read_version = ticket.version();
        let before = Before::of(&ticket);
        let events = change(&mut ticket, now)?;
        if events.is_empty() {
            return Ok(Attempt::Unchanged(ticket));
        }
        let mut changes = ChangeSet::default();
        changes.push(Write::UpdateTicket {
            ticket: ticket.clone(),
            expected: read_version,
        });
        changes
            .writes
            .extend(events.iter().filter_map(|e| place_taken(e, strictness)));
        changes.writes.extend(events.into_iter().map(Write::Record));
        changes.writes.extend(
            ports
                .sla
                .follow(ports.tickets.as_ref(), &before, &ticket, None, now)
                .await?,
        );
        Ok(Attempt::Commit(changes, ticket))
    })
    .await
}

/// What one attempt of a command on a ticket decided.
pub(crate) enum Attempt<T> {
    /// Nothing to store: answer with `T`.
    Unchanged(T),
    /// Commit the changes (guarded by the version read), then answer with `T`.
    Commit(ChangeSet, T),
}

/// The read-modify-write cycle of every command on a ticket: loads the ticket the actor
/// may see, checks `If-Match`, lets `attempt` decide the changes at the instant read, and
/// commits them in one transaction. Without `If-Match` a lost race is retried on fresh
/// state; with it, the caller learns the ticket moved on (412), unless only the SLA
/// monitor saved its targets in between or only what the caller cannot see changed.
/// `If-Match` names the version the actor sees ([`Ticket::version_seen_by`]): a customer's
/// copy stays current across internal changes (a level-only escalation). A remembered
/// idempotency key refusing the commit is the race [`super::Idempotent::run`] replays.
pub(crate) async fn commit_with_retry<T>(
    ports: &TicketPorts,
    actor: &Actor,
    reference: &str,
    if_match: Option<i64>,
    mut attempt: impl AsyncFnMut(Ticket, Timestamp) -> Result<Attempt<T>, AppError>,
) -> Result<T, AppError> {
    for _ in 0..MAX_ATTEMPTS {
        let ticket = load_visible(ports, actor, reference).await?;
        let seen = ticket.version_seen_by(actor);
        if let Some(expected) = if_match
            && expected != seen.get()
        {
            return Err(AppError::PreconditionFailed {
                expected,
                current: seen,
            });
        }
        let now = ports.clock.now();
        let (changes, answer) = match attempt(ticket, now).await? {
            Attempt::Unchanged(answer) => return Ok(answer),
            Attempt::Commit(changes, answer) => (changes, answer),
        };
        match ports.uow.commit(changes).await {
            Ok(()) => return Ok(answer),
            Err(StoreError::VersionConflict) if if_match.is_none() => continue,
            Err(StoreError::VersionConflict) => {
                let current = load_visible(ports, actor, reference).await?.version_seen_by(actor);
                if current == seen {
                    // Nothing the actor sees moved: the SLA monitor saved its targets
                    // first, or an internal change (for a customer) came in between.
                    continue;
                }
                let expected = seen.get();
                return Err(AppError::PreconditionFailed { expected, current });
            }
            Err(e) => return Err(key_race(e)),
        }
    }
    Err(AppError::Conflict {
        code: "concurrent_update",
        message: "the ticket is being changed by others right now; try again".into(),
    })
}

/// The agent's place an assignment takes, if `event` gives the ticket to an agent in a
/// status that takes capacity (a `resolved` ticket handed over takes none); an agent who
/// takes a ticket themselves is checked for capacity only.
pub(crate) fn place_taken(event: &TicketEvent, strictness: Strictness) -> Option<Write> {
    let TicketEventKind::Assigned { assignee, to, .. } = &event.kind else {
        return None;
    };
    if !takes_capacity(*to) {
        return None;
    }
    let strictness = match strictness {
        Strictness::Manual if event.actor == Some(*assignee) => Strictness::Own,
        other => other,
    };
    Some(Write::TakeCapacity {
        ticket_id: event.ticket_id,
        agent_id: *assignee,
        strictness,
        at: event.at,
    })
}
