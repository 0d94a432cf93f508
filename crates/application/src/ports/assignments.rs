//! A batch of automatic assignments ([`super::UnitOfWork::commit_assignments`]) and the
//! rule that settles it against what the store read once it held the batch's rows.

use std::collections::BTreeMap;

use domain::assignment::{Availability, Refusal, Strictness, check_room};
use domain::{Ticket, TicketEvent, UserId, Version};

use super::store::{ChangeSet, StoreError, Write};

/// One automatic assignment of a queued ticket, for [`super::UnitOfWork::commit_assignments`].
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedAssignment {
    /// The ticket, now assigned to `agent`.
    pub ticket: Ticket,
    /// The version it was read at.
    pub expected: Version,
    /// The agent taking it, checked as automatic work.
    pub agent: UserId,
    /// Its `Assigned` event; its instant is the agent's last assignment.
    pub event: TicketEvent,
    /// The SLA writes that follow: [`Write::SaveSla`] and [`Write::Record`] only.
    pub follow: Vec<Write>,
}

impl QueuedAssignment {
    /// The change set that commits this assignment on its own: the ticket, the agent's
    /// place, the event, then the SLA writes.
    pub fn change_set(&self) -> ChangeSet {
        let mut changes = ChangeSet::default();
        changes
            .push(Write::UpdateTicket {
                ticket: self.ticket.clone(),
                expected: self.expected,
            })
            .push(Write::TakeCapacity {
                ticket_id: self.ticket.id(),
                agent_id: self.agent,
                strictness: Strictness::Automatic,
                at: self.event.at,
            })
            .push(Write::Record(self.event.clone()));
        changes.writes.extend(self.follow.iter().cloned());
        changes
    }
}

/// An agent as a batch finds them under the lock on their profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentStanding {
    /// Their availability (offline without a profile).
    pub availability: Availability,
    /// Their capacity (the default without a profile).
    pub capacity: u32,
    /// Whether their account is active.
    pub active: bool,
    /// Their open tickets now (statuses in [`domain::assignment::LOAD_STATUSES`]).
    pub open: u32,
}

/// What a store read about a batch once it held the batch's tickets and agents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockedFacts {
    /// The stored version of each ticket the transaction holds, by ticket id; a ticket
    /// left out is gone or held by another transaction.
    pub versions: BTreeMap<i64, Version>,
    /// The stored SLA revision of each ticket that has one, by ticket id.
    pub sla_revisions: BTreeMap<i64, i64>,
    /// Each agent of the batch, by user id; one left out has no account.
    pub agents: BTreeMap<i64, AgentStanding>,
}

/// Settles a batch in order as committing each assignment's change set in turn would:
/// a ticket not held at its expected version, or an SLA save whose revision moved, is a
/// [`StoreError::VersionConflict`]; an agent deactivated, or refused by
/// [`check_room`] as automatic work counting the assignments accepted before in the
/// batch, is [`StoreError::AgentRefused`]. Accepted assignments are `Ok`.
pub fn settle_assignments(batch: &[QueuedAssignment], facts: &LockedFacts) -> Vec<Result<(), StoreError>> {
    let mut versions = facts.versions.clone();
    let mut taken: BTreeMap<i64, u32> = BTreeMap::new();
    batch
        .iter()
        .map(|a| {
            let id = a.ticket.id().get();
            if versions.get(&id) != Some(&a.expected) {
                return Err(StoreError::VersionConflict);
            }
            let revision = facts.sla_revisions.get(&id).copied().unwrap_or(0);
            let sla_moved = a
                .follow
                .iter()
                .any(|w| matches!(w, Write::SaveSla { revision: r, .. } if *r != revision));
            if sla_moved {
                return Err(StoreError::VersionConflict);
            }
            let agent = a.agent.get();
            let standing = match facts.agents.get(&agent) {
                Some(s) if s.active => s,
                _ => return Err(StoreError::AgentRefused(Refusal::Deactivated)),
            };
            let already = taken.get(&agent).copied().unwrap_or(0);
            check_room(
                Strictness::Automatic,
                standing.availability,
                standing.capacity,
                standing.open.saturating_add(already),
            )
            .map_err(StoreError::AgentRefused)?;
            taken.insert(agent, already + 1);
            versions.insert(id, a.ticket.version());
            Ok(())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use domain::assignment::{Availability, Refusal};
    use domain::{Actor, CategorySlug, Description, NewTicket, Priority, Role, Subject, Tags, TicketId, Timestamp};

    use super::*;

    fn queued(id: i64) -> Ticket {
        let new = NewTicket {
            id: TicketId::new(id),
            customer_id: UserId::new(1),
            subject: Subject::parse("Help").expect("valid"),
            description: Description::parse("Please").expect("valid"),
            priority: Priority::Normal,
            category: CategorySlug::parse("billing").expect("valid"),
            tags: Tags::parse::<&str>(&[]).expect("valid"),
        };
        let at = Timestamp::from_unix_micros(0);
        Ticket::open(new, Actor::new(UserId::new(1), Role::Customer), at)
            .expect("opens")
            .0
    }

    fn to(ticket: &Ticket, agent: i64, follow: Vec<Write>) -> QueuedAssignment {
        let mut assigned = ticket.clone();
        let at = Timestamp::from_unix_micros(1_000_000);
        let event = assigned
            .assign_automatically(UserId::new(agent), at, "test".into())
            .expect("queued");
        QueuedAssignment {
            ticket: assigned,
            expected: ticket.version(),
            agent: UserId::new(agent),
            event,
            follow,
        }
    }

    fn online(capacity: u32, open: u32) -> AgentStanding {
        AgentStanding {
            availability: Availability::Online,
            capacity,
            active: true,
            open,
        }
    }

    fn facts(tickets: &[Ticket], agents: &[(i64, AgentStanding)]) -> LockedFacts {
        LockedFacts {
            versions: tickets.iter().map(|t| (t.id().get(), t.version())).collect(),
            sla_revisions: BTreeMap::new(),
            agents: agents.iter().copied().collect(),
        }
    }

    #[test]
    fn an_agents_room_counts_what_the_batch_gave_them_before() {
        let tickets: Vec<Ticket> = (1..=4).map(queued).collect();
        let batch: Vec<_> = tickets.iter().map(|t| to(t, 10, Vec::new())).collect();
        let outcomes = settle_assignments(&batch, &facts(&tickets, &[(10, online(3, 1))]));
        assert_eq!(
            outcomes,
            vec![
                Ok(()),
                Ok(()),
                Err(StoreError::AgentRefused(Refusal::Full { capacity: 3, open: 3 })),
                Err(StoreError::AgentRefused(Refusal::Full { capacity: 3, open: 3 })),
            ]
        );
    }

    #[test]
    fn a_ticket_not_held_at_its_version_or_given_twice_is_a_conflict() {
        let tickets: Vec<Ticket> = (1..=3).map(queued).collect();
        let mut held = facts(&tickets[..2], &[(10, online(9, 0))]);
        held.versions.insert(2, tickets[1].version().next());
        let batch = vec![
            to(&tickets[0], 10, Vec::new()),
            to(&tickets[0], 10, Vec::new()),
            to(&tickets[1], 10, Vec::new()),
            to(&tickets[2], 10, Vec::new()),
        ];
        let outcomes = settle_assignments(&batch, &held);
        assert_eq!(
            outcomes,
            vec![
                Ok(()),
                Err(StoreError::VersionConflict),
                Err(StoreError::VersionConflict),
                Err(StoreError::VersionConflict),
            ],
            "the second of ticket 1 finds it moved on; ticket 2 moved; ticket 3 is held elsewhere"
        );
    }

    #[test]
    fn an_sla_save_under_a_moved_revision_is_a_conflict() {
        let tickets: Vec<Ticket> = (1..=2).map(queued).collect();
        let save = |t: &Ticket, revision| Write::SaveSla {
            ticket_id: t.id(),
            policy_id: None,
            revision,
            sla: domain::sla::TicketSla::default(),
        };
        let mut held = facts(&tickets, &[(10, online(9, 0))]);
        held.sla_revisions.insert(2, 4);
        let batch = vec![
            to(&tickets[0], 10, vec![save(&tickets[0], 0)]),
            to(&tickets[1], 10, vec![save(&tickets[1], 3)]),
        ];
        assert_eq!(
            settle_assignments(&batch, &held),
            vec![Ok(()), Err(StoreError::VersionConflict)]
        );
    }

    #[test]
    fn deactivated_unknown_away_and_offline_agents_refuse() {
        let tickets: Vec<Ticket> = (1..=4).map(queued).collect();
        let away = AgentStanding {
            availability: Availability::Away,
            ..online(9, 0)
        };
        let gone = AgentStanding {
            active: false,
            ..online(9, 0)
        };
        let offline = AgentStanding {
            availability: Availability::Offline,
            ..online(9, 0)
        };
        let held = facts(&tickets, &[(10, gone), (11, away), (12, offline)]);
        let batch = vec![
            to(&tickets[0], 10, Vec::new()),
            to(&tickets[1], 11, Vec::new()),
            to(&tickets[2], 12, Vec::new()),
            to(&tickets[3], 13, Vec::new()),
        ];
        assert_eq!(
            settle_assignments(&batch, &held),
            vec![
                Err(StoreError::AgentRefused(Refusal::Deactivated)),
                Err(StoreError::AgentRefused(Refusal::Unavailable(Availability::Away))),
                Err(StoreError::AgentRefused(Refusal::Unavailable(Availability::Offline))),
                Err(StoreError::AgentRefused(Refusal::Deactivated)),
            ]
        );
    }

    #[test]
    fn a_batch_alone_commits_as_one_change_set_in_the_order_of_one_assignment() {
        let ticket = queued(1);
        let a = to(&ticket, 10, Vec::new());
        let writes = a.change_set().writes;
        assert!(matches!(writes[0], Write::UpdateTicket { expected, .. } if expected == ticket.version()));
        assert!(matches!(
            writes[1],
            Write::TakeCapacity {
                strictness: Strictness::Automatic,
                ..
            }
        ));
        assert!(matches!(writes[2], Write::Record(_)));
    }
}
