//! The shared read-modify-write cycle of the commands that change a ticket.

use domain::{Actor, Ticket, TicketEvent, Timestamp};

use crate::error::AppError;
use crate::ports::{ChangeSet, StoreError, Write};
use crate::sla::Before;

use super::{TicketPorts, load_visible};

/// How often a command without `If-Match` is retried after losing a race.
const MAX_ATTEMPTS: usize = 3;

/// Loads the ticket, checks `If-Match`, applies `change` and commits the new state and its
/// event in one transaction, guarded by the version read. Without `If-Match` a lost race
/// is retried on fresh state; with it, the caller learns the ticket moved on (412).
pub(crate) async fn mutate<F>(
    ports: &TicketPorts,
    actor: Actor,
    reference: &str,
    if_match: Option<i64>,
    mut change: F,
) -> Result<Ticket, AppError>
where
    F: FnMut(&mut Ticket, Timestamp) -> Result<Option<TicketEvent>, AppError>,
{
    for _ in 0..MAX_ATTEMPTS {
        let mut ticket = load_visible(ports, &actor, reference).await?;
        let read_version = ticket.version();
        if let Some(expected) = if_match {
            if expected != read_version.get() {
                return Err(AppError::PreconditionFailed {
                    expected,
                    current: read_version,
                });
            }
        }
        let before = Before::of(&ticket);
        let now = ports.clock.now();
        let Some(event) = change(&mut ticket, now)? else {
            return Ok(ticket);
        };
        let mut changes = ChangeSet::default();
        changes
            .push(Write::UpdateTicket {
                ticket: ticket.clone(),
                expected: read_version,
            })
            .push(Write::Record(event));
        changes.writes.extend(
            ports
                .sla
                .follow(ports.tickets.as_ref(), &before, &ticket, None, now)
                .await?,
        );
        match ports.uow.commit(changes).await {
            Ok(()) => return Ok(ticket),
            Err(StoreError::VersionConflict) if if_match.is_none() => continue,
            Err(StoreError::VersionConflict) => {
                let current = load_visible(ports, &actor, reference).await?.version();
                if current == read_version {
                    // The ticket did not move: the SLA monitor saved its targets first.
                    continue;
                }
                let expected = read_version.get();
                return Err(AppError::PreconditionFailed { expected, current });
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict {
        code: "concurrent_update",
        message: "the ticket is being changed by others right now; try again".into(),
    })
}
