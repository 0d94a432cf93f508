// A raced escalation firing, included into `mod cases` of `contract.rs`; the other
// escalation, outbox and notification cases are in the shared contract.

pub async fn an_escalation_fires_once_per_trigger_even_when_raced(db: &Database) {
    let w = world(db).await;
    let ticket = open(db, spec(w.customer.id, "slipping", 1)).await;
    let firing = |trigger: &str, seconds: i64| {
        let mut changes = ChangeSet::default();
        changes.push(Write::RecordFiring {
            ticket_id: ticket.id(),
            rule_id: 7,
            trigger: trigger.to_owned(),
            at: at(seconds),
        });
        changes
    };
    let mut handles = Vec::new();
    for i in 0..6 {
        let (db, changes) = (db.clone(), firing("sla:resolution:breached:1", 10 + i));
        handles.push(tokio::spawn(async move { db.commit(changes).await }));
    }
    let mut won = 0;
    for h in handles {
        match h.await.expect("joins") {
            Ok(()) => won += 1,
            Err(StoreError::Duplicate("escalation_firing")) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(won, 1, "six workers, one firing");
    db.commit(firing("sla:resolution:at_risk:1", 20))
        .await
        .expect("another trigger of the same rule fires");
    // A refused firing takes the rest of its change set down with it.
    let mut escalated = TicketRepository::get(db, ticket.id()).await.expect("reads").expect("exists");
    let before = escalated.clone();
    let event = escalated
        .escalate(
            None,
            at(30),
            Escalation {
                rule_id: Some(7),
                reason: "again".into(),
                raise_level: true,
                raise_priority: None,
            },
        )
        .expect("escalates");
    let mut changes = update_of(&before, escalated, event);
    changes.writes.extend(firing("sla:resolution:breached:1", 30).writes);
    assert_eq!(db.commit(changes).await, Err(StoreError::Duplicate("escalation_firing")));
    let stored = TicketRepository::get(db, ticket.id()).await.expect("reads").expect("exists");
    assert_eq!((stored.version(), stored.parts().escalation_level), (before.version(), 0), "nothing written");
}

