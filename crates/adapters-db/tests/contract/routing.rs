// Routing cases about the databases (races for an agent's places, a data migration),
// included into `mod cases` of `contract.rs`; the reads are in the shared contract.

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

pub async fn assignment_entries_written_as_public_before_become_internal(db: &Database) {
    use domain::assignment::{Availability, Strictness};
    let w = world(db).await;
    agent_profile(db, w.agent.id, Availability::Online, 5).await;
    let ticket = open(db, spec(w.customer.id, "assigned before", 1)).await;
    db.commit(assignment(&ticket, w.agent.id, Strictness::Automatic, 2)).await.expect("assigns");
    assert_eq!(customer_history(db, ticket.id()).await, vec!["TicketCreated"]);
    // Reverting the data migration (and those after it) leaves the row as a release
    // before wrote it: public. (Bounded by far more than the migrations after it, which
    // grow with every release.)
    for _ in 0..100 {
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

/// Two workers' batches over overlapping tickets, choosing the same two agents in opposite
/// orders, with single assignments racing them: no deadlock (the batches lock agents by
/// id and never wait for a ticket), nobody above capacity, no ticket assigned twice.
pub async fn concurrent_batches_never_overfill_an_agent_nor_deadlock(db: &Database) {
    use domain::assignment::{Availability, Strictness};
    let w = world(db).await;
    agent_profile(db, w.agent.id, Availability::Online, 4).await;
    let other = account(db, "other-agent@example.com", Role::Agent).await;
    agent_profile(db, other.id, Availability::Online, 4).await;
    let mut tickets = Vec::new();
    for i in 0..16 {
        tickets.push(open(db, spec(w.customer.id, &format!("t{i}"), i)).await);
    }
    let (a, b) = (w.agent.id, other.id);
    for round in 0..4 {
        let planned = |from: usize, first, second| -> Vec<_> {
            tickets[from..from + 6]
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let agent = if i % 2 == 0 { first } else { second };
                    queued_assignment(t, agent, 20 + round as i64, Vec::new())
                })
                .collect()
        };
        let (one, two) = (planned(round * 2, a, b), planned(round * 2 + 3, b, a));
        let single = assignment(&tickets[15 - round], a, Strictness::Automatic, 30);
        let (db1, db2, db3) = (db.clone(), db.clone(), db.clone());
        let first = tokio::spawn(async move { db1.commit_assignments(one).await });
        let second = tokio::spawn(async move { db2.commit_assignments(two).await });
        let third = tokio::spawn(async move { db3.commit(single).await });
        for outcome in [first.await.expect("joins"), second.await.expect("joins")] {
            let outcomes = outcome.expect("no deadlock, no failure");
            for o in outcomes {
                assert!(
                    matches!(o, Ok(()) | Err(StoreError::VersionConflict | StoreError::AgentRefused(_))),
                    "{o:?}"
                );
            }
        }
        let _ = third.await.expect("joins");
    }
    let online = db.online_agents(None).await.expect("reads");
    for agent in [a, b] {
        let load = online.iter().find(|s| s.id == agent).expect("online").load.open();
        assert!(load <= 4, "agent {agent} holds {load} of 4");
    }
    let mut assigned = 0;
    for t in &tickets {
        let entries = db.history(t.id(), true, None, 10).await.expect("reads");
        let times = entries
            .iter()
            .filter(|e| matches!(e.kind, TicketEventKind::Assigned { .. }))
            .count();
        assert!(times <= 1, "ticket {} assigned {times} times", t.id().get());
        assigned += times;
    }
    assert_eq!(assigned, 8, "both agents filled, each place once");
}
