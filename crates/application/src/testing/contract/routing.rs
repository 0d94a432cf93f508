//! Contract cases of routing: agents' places, loads, the queue and the workload.

use domain::sla::{BusinessCalendar, TicketSla};

use super::*;
use crate::ports::*;
use domain::*;

/// Stores a profile for `id` handling `billing`.
pub async fn agent_profile(s: &Store, id: UserId, availability: domain::assignment::Availability, capacity: u32) {
    let profile = AgentProfile {
        availability,
        capacity,
        skills: vec![domain::assignment::Skill {
            category: CategorySlug::parse("billing").expect("valid"),
            level: None,
        }],
        ..AgentProfile::unconfigured(id, at(0))
    };
    s.agents.save_agent_profile(profile).await.expect("saves profile");
}

/// The change set that gives `ticket` to `agent` as the application does: the ticket, the
/// agent's place, then the event.
pub fn assignment(
    ticket: &Ticket,
    agent: UserId,
    strictness: domain::assignment::Strictness,
    seconds: i64,
) -> ChangeSet {
    let mut assigned = ticket.clone();
    let event = assigned
        .assign_automatically(agent, at(seconds), "test".into())
        .expect("queued");
    let mut changes = ChangeSet::default();
    changes
        .push(Write::UpdateTicket {
            ticket: assigned,
            expected: ticket.version(),
        })
        .push(Write::TakeCapacity {
            ticket_id: ticket.id(),
            agent_id: agent,
            strictness,
            at: at(seconds),
        })
        .push(Write::Record(event));
    changes
}

/// Contract: online agents queue and workload read what was written.
pub async fn online_agents_queue_and_workload_read_what_was_written(s: &Store) {
    use domain::assignment::{Availability, Strictness, queue_order};
    let w = world(s).await;
    agent_profile(s, w.agent.id, Availability::Online, 10).await;
    let away = account(s, "away@example.com", Role::Supervisor).await;
    agent_profile(s, away.id, Availability::Away, 10).await;
    let customer_profile = account(s, "c2@example.com", Role::Customer).await;
    agent_profile(s, customer_profile.id, Availability::Online, 10).await;

    // Eight queued tickets of mixed priority, some with an SLA due instant.
    let mut queued = Vec::new();
    for (i, (priority, due)) in [
        (Priority::Normal, None),
        (Priority::Urgent, None),
        (Priority::Normal, Some(500)),
        (Priority::Low, None),
        (Priority::Normal, Some(300)),
        (Priority::Urgent, Some(900)),
        (Priority::High, None),
        (Priority::Normal, None),
    ]
    .into_iter()
    .enumerate()
    {
        let t = open(
            s,
            Spec {
                priority,
                ..spec(w.customer.id, &format!("q{i}"), i as i64)
            },
        )
        .await;
        if let Some(due) = due {
            // A first-response target running from creation, due at `due`.
            let cal = BusinessCalendar::always_open();
            let sla = TicketSla::open(&terms(Some(due - i as i64), None), at(i as i64), &cal).expect("opens");
            s.uow.commit(save(t.id(), 0, sla)).await.expect("saves the targets");
        }
        let stored = s.tickets.get(t.id()).await.expect("reads").expect("exists");
        assert_eq!(stored.parts().sla_due_at, due.map(at));
        queued.push(stored);
    }
    let hardware = open(
        s,
        Spec {
            category: "hardware",
            ..spec(w.customer.id, "other queue", 9)
        },
    )
    .await;
    let billing = CategorySlug::parse("billing").expect("valid");
    let mut expected = queued.clone();
    expected.sort_by(queue_order);
    let ids = |ts: &[Ticket]| ts.iter().map(|t| t.id().get()).collect::<Vec<_>>();
    assert_eq!(
        ids(&s.tickets.queue(&billing, 100).await.expect("reads")),
        ids(&expected),
        "the domain's order"
    );
    assert_eq!(
        ids(&s.tickets.queue(&billing, 3).await.expect("reads")),
        ids(&expected[..3])
    );

    // Give the first three away; they leave the queue and count in the agent's load.
    for t in &expected[..3] {
        s.uow
            .commit(assignment(t, w.agent.id, Strictness::Automatic, 50))
            .await
            .expect("assigns");
    }
    assert_eq!(
        ids(&s.tickets.queue(&billing, 100).await.expect("reads")),
        ids(&expected[3..])
    );
    let online = s.agents.online_agents(None).await.expect("reads");
    assert_eq!(online.len(), 1, "away staff and customers are never candidates");
    assert_eq!(online[0].id, w.agent.id);
    assert_eq!(online[0].load.by_priority, [0, 0, 1, 2], "two urgent, one high");
    assert_eq!(online[0].skills.len(), 1);
    assert!(
        s.agents
            .online_agents(Some(CategorySlug::parse("hardware").expect("valid")))
            .await
            .expect("reads")
            .is_empty()
    );
    assert_eq!(
        s.agents
            .online_agents(Some(billing.clone()))
            .await
            .expect("reads")
            .len(),
        1
    );

    // Progress one, resolve another (it frees its place), answer one.
    let mut first = s.tickets.get(expected[0].id()).await.expect("reads").expect("exists");
    let agent = Actor::new(w.agent.id, Role::Agent);
    let before = first.clone();
    let event = first
        .transition(TicketStatus::InProgress, agent, at(60), None)
        .expect("starts");
    let mut parts = first.clone().into_parts();
    parts.first_response_at = Some(parts.created_at.plus_seconds(600));
    let first = Ticket::restore(parts);
    s.uow
        .commit(update_of(&before, first.clone(), event))
        .await
        .expect("commits");
    let mut second = s.tickets.get(expected[1].id()).await.expect("reads").expect("exists");
    for (to, seconds) in [(TicketStatus::InProgress, 61), (TicketStatus::Resolved, 62)] {
        let before = second.clone();
        let event = second.transition(to, agent, at(seconds), None).expect("moves");
        s.uow
            .commit(update_of(&before, second.clone(), event))
            .await
            .expect("commits");
    }

    let lines = s.agents.workload(at(0), at(0)).await.expect("reads");
    let mine: Vec<_> = lines.iter().filter(|l| l.user_id == w.agent.id).collect();
    assert_eq!(mine.len(), 1);
    let line = mine[0];
    assert_eq!(line.display_name, w.agent.display_name.to_string());
    assert_eq!((line.availability, line.capacity), (Availability::Online, 10));
    assert_eq!(
        line.by_status,
        [1, 1, 0],
        "one assigned, one in progress; the resolved one is not open"
    );
    assert_eq!(line.load.open(), 2);
    assert_eq!(
        (line.first_responses, line.median_first_response_seconds),
        (1, Some(600))
    );
    let later = s.agents.workload(at(10_000), at(10_000)).await.expect("reads");
    let line = later.iter().find(|l| l.user_id == w.agent.id).expect("listed");
    assert_eq!(
        (line.first_responses, line.median_first_response_seconds),
        (0, None),
        "a response before the window is left out"
    );
    assert!(
        lines.iter().any(|l| l.user_id == away.id),
        "staff with a profile are listed"
    );
    assert!(
        !lines.iter().any(|l| l.user_id == customer_profile.id),
        "customers never"
    );
    assert!(
        !s.tickets
            .queue(&billing, 100)
            .await
            .expect("reads")
            .iter()
            .any(|t| t.id() == hardware.id()),
        "each category has its own queue"
    );
}

/// `ticket` given to `agent` `seconds` after [`T0`] as the queue plans it, with `follow`.
pub fn queued_assignment(ticket: &Ticket, agent: UserId, seconds: i64, follow: Vec<Write>) -> QueuedAssignment {
    let mut assigned = ticket.clone();
    let event = assigned
        .assign_automatically(agent, at(seconds), "test".into())
        .expect("queued");
    QueuedAssignment {
        ticket: assigned,
        expected: ticket.version(),
        agent,
        event,
        follow,
    }
}

/// The event types of a ticket's history, oldest first.
async fn history_types(s: &Store, id: TicketId) -> Vec<&'static str> {
    s.tickets
        .history(id, true, None, 100)
        .await
        .expect("reads history")
        .into_iter()
        .map(|e| e.kind.event_type())
        .collect()
}

/// Contract: a batch of queued assignments commits together as one commit each would:
/// the agent's capacity counts the assignments accepted before in the batch, a ticket
/// that moved meanwhile (another worker took it) and an SLA save whose revision moved
/// are conflicts, a deactivated agent refuses, and what is refused writes nothing; each
/// accepted one writes the ticket, its history entry, its outbox event, its SLA save and
/// the agent's last assignment.
pub async fn a_batch_of_assignments_commits_each_as_one_assignment_would(s: &Store) {
    use domain::assignment::{Availability, Refusal, Strictness};
    let w = world(s).await;
    agent_profile(s, w.agent.id, Availability::Online, 2).await;
    let other = account(s, "other-agent@example.com", Role::Agent).await;
    agent_profile(s, other.id, Availability::Online, 5).await;
    let gone = account(s, "gone-agent@example.com", Role::Agent).await;
    agent_profile(s, gone.id, Availability::Online, 5).await;
    let mut off = ChangeSet::default();
    off.push(Write::UpdateAccount {
        user_id: gone.id,
        display_name: None,
        role: None,
        active: Some(false),
        keep_an_admin: false,
    });
    s.uow.commit(off).await.expect("deactivates");
    let mut tickets = Vec::new();
    for i in 0..7 {
        tickets.push(open(s, spec(w.customer.id, &format!("batch {i}"), i)).await);
    }
    // The agent has one open ticket already: one place left of two.
    s.uow
        .commit(assignment(&tickets[0], w.agent.id, Strictness::Automatic, 10))
        .await
        .expect("assigns");
    // Another worker takes ticket 3 after the batch read it.
    s.uow
        .commit(assignment(&tickets[3], other.id, Strictness::Automatic, 11))
        .await
        .expect("assigns");
    let cal = BusinessCalendar::always_open();
    let targets = TicketSla::open(&terms(Some(3_600), None), at(4), &cal).expect("opens");
    let save_sla = |ticket: &Ticket, revision: i64| {
        let mut writes = save(ticket.id(), revision, targets.clone()).writes;
        writes.push(Write::Record(TicketEvent {
            ticket_id: ticket.id(),
            actor: None,
            at: at(20),
            kind: TicketEventKind::SlaCrossed {
                target: domain::sla::TargetKind::FirstResponse,
                crossing: domain::sla::Crossing::Warning(at(20)),
                policy_id: None,
            },
        }));
        writes
    };
    let pending_before = s.pending_outbox_events().await.expect("counts");
    let batch = vec![
        queued_assignment(&tickets[1], w.agent.id, 20, Vec::new()),
        queued_assignment(&tickets[2], w.agent.id, 21, Vec::new()),
        queued_assignment(&tickets[3], w.agent.id, 22, Vec::new()),
        queued_assignment(&tickets[4], other.id, 23, save_sla(&tickets[4], 0)),
        queued_assignment(&tickets[5], other.id, 24, save_sla(&tickets[5], 7)),
        queued_assignment(&tickets[6], gone.id, 25, Vec::new()),
    ];
    let outcomes = s.uow.commit_assignments(batch).await.expect("the batch commits");
    assert_eq!(
        outcomes,
        vec![
            Ok(()),
            Err(StoreError::AgentRefused(Refusal::Full { capacity: 2, open: 2 })),
            Err(StoreError::VersionConflict),
            Ok(()),
            Err(StoreError::VersionConflict),
            Err(StoreError::AgentRefused(Refusal::Deactivated)),
        ]
    );
    let get = async |t: &Ticket| s.tickets.get(t.id()).await.expect("reads").expect("exists");
    assert_eq!(get(&tickets[1]).await.assignee_id(), Some(w.agent.id));
    assert_eq!(get(&tickets[4]).await.assignee_id(), Some(other.id));
    assert_eq!(
        get(&tickets[3]).await.assignee_id(),
        Some(other.id),
        "the other worker's"
    );
    for refused in [&tickets[2], &tickets[5], &tickets[6]] {
        let stored = get(refused).await;
        assert_eq!(
            (stored.version(), stored.assignee_id()),
            (refused.version(), None),
            "nothing written"
        );
        assert_eq!(history_types(s, refused.id()).await, vec!["TicketCreated"]);
        assert_eq!(s.targets.sla_of(refused.id()).await.expect("reads").revision, 0);
    }
    assert_eq!(
        history_types(s, tickets[1].id()).await,
        vec!["TicketCreated", "TicketAssigned"]
    );
    assert_eq!(
        history_types(s, tickets[4].id()).await,
        vec!["TicketCreated", "TicketAssigned", "SlaWarning"]
    );
    assert_eq!(s.targets.sla_of(tickets[4].id()).await.expect("reads").revision, 1);
    assert_eq!(
        s.pending_outbox_events().await.expect("counts"),
        pending_before + 3,
        "one outbox event per recorded event"
    );
    let profile = |id| async move { s.agents.agent_profile(id).await.expect("reads").expect("exists") };
    assert_eq!(profile(w.agent.id).await.last_assigned_at, Some(at(20)));
    assert_eq!(profile(other.id).await.last_assigned_at, Some(at(23)));
    let online = s.agents.online_agents(None).await.expect("reads");
    let load = |id| online.iter().find(|a| a.id == id).map(|a| a.load.open());
    assert_eq!((load(w.agent.id), load(other.id)), (Some(2), Some(2)));
    assert_eq!(s.uow.commit_assignments(Vec::new()).await, Ok(Vec::new()));
}
