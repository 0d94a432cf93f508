// Routing cases of the repository contract (agents' places, loads, the queue and the
// workload), included into `mod cases` of `contract.rs`.

async fn agent_profile(db: &Database, id: UserId, availability: domain::assignment::Availability, capacity: u32) {
    let profile = AgentProfile {
        availability,
        capacity,
        skills: vec![domain::assignment::Skill {
            category: CategorySlug::parse("billing").expect("valid"),
            level: None,
        }],
        ..AgentProfile::unconfigured(id, at(0))
    };
    db.save_agent_profile(profile).await.expect("saves profile");
}

/// The change set that gives `ticket` to `agent` as the application does: the ticket, the
/// agent's place, then the event.
fn assignment(ticket: &Ticket, agent: UserId, strictness: domain::assignment::Strictness, seconds: i64) -> ChangeSet {
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

pub async fn concurrent_assignments_never_overfill_an_agent(db: &Database) {
    use domain::assignment::{Availability, Refusal, Strictness};
    let w = world(db).await;
    agent_profile(db, w.agent.id, Availability::Online, 3).await;
    let mut tickets = Vec::new();
    for i in 0..10 {
        tickets.push(open(db, spec(w.customer.id, &format!("t{i}"), i)).await);
    }
    let mut handles = Vec::new();
    for t in tickets.iter().take(8) {
        let (db, changes) = (db.clone(), assignment(t, w.agent.id, Strictness::Automatic, 20));
        handles.push(tokio::spawn(async move { db.commit(changes).await }));
    }
    let (mut won, mut refused) = (0, 0);
    for h in handles {
        match h.await.expect("joins") {
            Ok(()) => won += 1,
            Err(StoreError::AgentRefused(Refusal::Full { capacity: 3, open: 3 })) => refused += 1,
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!((won, refused), (3, 5), "exactly the capacity, whatever the interleaving");
    let load = db.online_agents(None).await.expect("reads")[0].load;
    assert_eq!(load.open(), 3);
    let profile = db.agent_profile(w.agent.id).await.expect("reads").expect("saved");
    assert_eq!(profile.last_assigned_at, Some(at(20)), "the last assignment is noted");

    // A refused assignment wrote nothing: the ticket is still queued, its history one entry.
    let mut still_queued = Vec::new();
    for t in tickets.iter().take(8) {
        let stored = TicketRepository::get(db, t.id()).await.expect("reads").expect("exists");
        if stored.status() == TicketStatus::New {
            still_queued.push(stored.id());
        }
    }
    assert_eq!(still_queued.len(), 5);
    for id in still_queued {
        assert_eq!(db.history(id, true, None, 10).await.expect("reads").len(), 1);
    }

    // Manual: an away agent may be handed one, but not past capacity; forced goes past.
    agent_profile(db, w.agent.id, Availability::Away, 3).await;
    assert_eq!(
        db.commit(assignment(&tickets[8], w.agent.id, Strictness::Manual, 30)).await,
        Err(StoreError::AgentRefused(Refusal::Full { capacity: 3, open: 3 }))
    );
    assert_eq!(
        db.commit(assignment(&tickets[8], w.agent.id, Strictness::Automatic, 30)).await,
        Err(StoreError::AgentRefused(Refusal::Unavailable(Availability::Away)))
    );
    db.commit(assignment(&tickets[8], w.agent.id, Strictness::Forced, 30))
        .await
        .expect("an admin forces it");

    // Someone nobody configured is offline with the default capacity; their profile is
    // stored as such when a place is taken, so later assignments lock it too.
    let newcomer = account(db, "new@example.com", Role::Agent).await;
    assert_eq!(
        db.commit(assignment(&tickets[9], newcomer.id, Strictness::Manual, 40)).await,
        Err(StoreError::AgentRefused(Refusal::Unavailable(Availability::Offline)))
    );
    db.commit(assignment(&tickets[9], newcomer.id, Strictness::Own, 40))
        .await
        .expect("taking a ticket oneself checks capacity only");
    let stored = db.agent_profile(newcomer.id).await.expect("reads").expect("stored");
    assert_eq!(
        (stored.availability, stored.capacity, stored.last_assigned_at),
        (Availability::Offline, DEFAULT_CAPACITY, Some(at(40)))
    );
}

pub async fn online_agents_queue_and_workload_read_what_was_written(db: &Database) {
    use domain::assignment::{Availability, Strictness, queue_order};
    let w = world(db).await;
    agent_profile(db, w.agent.id, Availability::Online, 10).await;
    let away = account(db, "away@example.com", Role::Supervisor).await;
    agent_profile(db, away.id, Availability::Away, 10).await;
    let customer_profile = account(db, "c2@example.com", Role::Customer).await;
    agent_profile(db, customer_profile.id, Availability::Online, 10).await;

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
            db,
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
            db.commit(save(t.id(), 0, sla)).await.expect("saves the targets");
        }
        let stored = TicketRepository::get(db, t.id()).await.expect("reads").expect("exists");
        assert_eq!(stored.parts().sla_due_at, due.map(at));
        queued.push(stored);
    }
    let hardware = open(
        db,
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
    assert_eq!(ids(&db.queue(&billing, 100).await.expect("reads")), ids(&expected), "the domain's order");
    assert_eq!(ids(&db.queue(&billing, 3).await.expect("reads")), ids(&expected[..3]));

    // Give the first three away; they leave the queue and count in the agent's load.
    for t in &expected[..3] {
        db.commit(assignment(t, w.agent.id, Strictness::Automatic, 50)).await.expect("assigns");
    }
    assert_eq!(ids(&db.queue(&billing, 100).await.expect("reads")), ids(&expected[3..]));
    let online = db.online_agents(None).await.expect("reads");
    assert_eq!(online.len(), 1, "away staff and customers are never candidates");
    assert_eq!(online[0].id, w.agent.id);
    assert_eq!(online[0].load.by_priority, [0, 0, 1, 2], "two urgent, one high");
    assert_eq!(online[0].skills.len(), 1);
    assert!(db.online_agents(Some(CategorySlug::parse("hardware").expect("valid"))).await.expect("reads").is_empty());
    assert_eq!(db.online_agents(Some(billing.clone())).await.expect("reads").len(), 1);

    // Progress one, resolve another (it frees its place), answer one.
    let mut first = TicketRepository::get(db, expected[0].id()).await.expect("reads").expect("exists");
    let agent = Actor::new(w.agent.id, Role::Agent);
    let before = first.clone();
    let event = first.transition(TicketStatus::InProgress, agent, at(60), None).expect("starts");
    let mut parts = first.clone().into_parts();
    parts.first_response_at = Some(parts.created_at.plus_seconds(600));
    let first = Ticket::restore(parts);
    db.commit(update_of(&before, first.clone(), event)).await.expect("commits");
    let mut second = TicketRepository::get(db, expected[1].id()).await.expect("reads").expect("exists");
    for (to, seconds) in [(TicketStatus::InProgress, 61), (TicketStatus::Resolved, 62)] {
        let before = second.clone();
        let event = second.transition(to, agent, at(seconds), None).expect("moves");
        db.commit(update_of(&before, second.clone(), event)).await.expect("commits");
    }

    let lines = db.workload(at(0)).await.expect("reads");
    let mine: Vec<_> = lines.iter().filter(|l| l.user_id == w.agent.id).collect();
    assert_eq!(mine.len(), 1);
    let line = mine[0];
    assert_eq!(line.display_name, w.agent.display_name.to_string());
    assert_eq!((line.availability, line.capacity), (Availability::Online, 10));
    assert_eq!(line.by_status, [1, 1, 0], "one assigned, one in progress; the resolved one is not open");
    assert_eq!(line.load.open(), 2);
    let mut open_ids: Vec<i64> = line.open_tickets.iter().map(|t| t.get()).collect();
    open_ids.sort_unstable();
    let mut want = vec![expected[0].id().get(), expected[2].id().get()];
    want.sort_unstable();
    assert_eq!(open_ids, want);
    assert_eq!(line.first_responses, vec![600]);
    let later = db.workload(at(10_000)).await.expect("reads");
    let line = later.iter().find(|l| l.user_id == w.agent.id).expect("listed");
    assert!(line.first_responses.is_empty(), "a response before the window is left out");
    assert!(lines.iter().any(|l| l.user_id == away.id), "staff with a profile are listed");
    assert!(!lines.iter().any(|l| l.user_id == customer_profile.id), "customers never");
    assert!(
        !db.queue(&billing, 100).await.expect("reads").iter().any(|t| t.id() == hardware.id()),
        "each category has its own queue"
    );
}

pub async fn assignment_entries_written_as_public_before_become_internal(db: &Database) {
    use domain::assignment::{Availability, Strictness};
    let w = world(db).await;
    agent_profile(db, w.agent.id, Availability::Online, 5).await;
    let ticket = open(db, spec(w.customer.id, "assigned before", 1)).await;
    db.commit(assignment(&ticket, w.agent.id, Strictness::Automatic, 2)).await.expect("assigns");
    assert_eq!(customer_history(db, ticket.id()).await, vec!["TicketCreated"]);
    // Reverting the data migration (and those after it) leaves the row as a release
    // before wrote it: public.
    for _ in 0..10 {
        let reverted = db.revert_last().await.expect("reverts the newest migration");
        if reverted.starts_with("2026-12-02-000002") || reverted.starts_with("20261202000002") {
            break;
        }
    }
    assert_eq!(customer_history(db, ticket.id()).await, vec!["TicketCreated", "TicketAssigned"]);
    db.migrate().await.expect("re-applies");
    assert_eq!(customer_history(db, ticket.id()).await, vec!["TicketCreated"], "internal again");
}

/// The event types of a ticket's history as a customer may read it.
async fn customer_history(db: &Database, ticket: TicketId) -> Vec<&'static str> {
    db.history(ticket, false, None, 10)
        .await
        .expect("reads")
        .into_iter()
        .map(|e| e.kind.event_type())
        .collect()
}
