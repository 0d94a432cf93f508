// Escalation rule cases of the repository contract, included into `mod cases` of
// `contract.rs`.

pub async fn escalation_rules_round_trip_with_unique_names(db: &Database) {
    use domain::escalation::{
        Action, Channel, Condition, EscalationRule, PriorityRaise, Reassign, Recipient, SlaTrouble,
    };
    let w = world(db).await;
    let every_kind = EscalationRule {
        id: 0,
        name: "Breached high billing".into(),
        active: true,
        conditions: vec![
            Condition::Sla {
                target: Some(domain::sla::TargetKind::Resolution),
                trouble: SlaTrouble::Breached,
            },
            Condition::PriorityAtLeast(Priority::High),
            Condition::Category(CategorySlug::parse("billing").expect("valid")),
        ],
        actions: vec![
            Action::RaisePriority(PriorityRaise::OneLevel),
            Action::RaisePriority(PriorityRaise::To(Priority::Urgent)),
            Action::RaiseLevel,
            Action::Reassign(Reassign::Agent(w.agent.id)),
            Action::Reassign(Reassign::Queue {
                category: Some(CategorySlug::parse("hardware").expect("valid")),
            }),
            Action::Reassign(Reassign::Queue { category: None }),
            Action::Notify {
                recipient: Recipient::Supervisors,
                channels: vec![Channel::Email, Channel::Sms],
            },
        ],
    };
    let stored = db.insert_rule(every_kind.clone(), at(1)).await.expect("inserts");
    assert!(stored.id > 0);
    assert_eq!(db.get_rule(stored.id).await.expect("reads"), Some(stored.clone()));
    let waiting = EscalationRule {
        id: 0,
        name: "Waiting in the queue".into(),
        active: false,
        conditions: vec![Condition::UnassignedFor { business_minutes: 30 }],
        actions: vec![Action::Notify {
            recipient: Recipient::Assignee,
            channels: vec![Channel::Email],
        }],
    };
    let second = db.insert_rule(waiting.clone(), at(2)).await.expect("inserts");
    assert_eq!(
        db.insert_rule(waiting.clone(), at(3)).await,
        Err(StoreError::Duplicate("name"))
    );
    let changed = EscalationRule {
        conditions: vec![Condition::NoAgentReplyFor { business_minutes: 45 }],
        actions: vec![Action::Notify {
            recipient: Recipient::Customer,
            channels: vec![Channel::Sms],
        }],
        ..second.clone()
    };
    assert_eq!(db.update_rule(changed.clone(), at(4)).await, Ok(true));
    let renamed_onto = EscalationRule {
        name: stored.name.clone(),
        ..changed.clone()
    };
    assert_eq!(db.update_rule(renamed_onto, at(5)).await, Err(StoreError::Duplicate("name")));
    assert_eq!(db.list_rules().await.expect("lists"), vec![stored.clone(), changed]);
    assert_eq!(db.delete_rule(stored.id).await, Ok(true));
    assert_eq!(db.delete_rule(stored.id).await, Ok(false));
    assert_eq!(db.update_rule(stored, at(6)).await, Ok(false));
}

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
