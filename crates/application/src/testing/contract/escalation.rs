//! Contract cases of agent profiles, escalation rules and checks, the outbox and
//! notifications.

use super::*;
use crate::ports::*;
use domain::*;

/// Contract: agent profiles round trip and refuse unknown categories.
pub async fn agent_profiles_round_trip_and_refuse_unknown_categories(s: &Store) {
    use domain::assignment::{Availability, Skill};
    let w = world(s).await;
    assert_eq!(
        s.agents.agent_profile(w.agent.id).await.expect("reads"),
        None,
        "never saved"
    );
    let skill = |c: &str, level: Option<u8>| Skill {
        category: CategorySlug::parse(c).expect("valid"),
        level,
    };
    let profile = AgentProfile {
        user_id: w.agent.id,
        availability: Availability::Online,
        capacity: 8,
        skills: vec![skill("billing", Some(3)), skill("hardware", None)],
        last_assigned_at: Some(at(5)),
        updated_at: at(6),
    };
    s.agents.save_agent_profile(profile.clone()).await.expect("saves");
    assert_eq!(
        s.agents.agent_profile(w.agent.id).await.expect("reads"),
        Some(profile.clone())
    );

    let changed = AgentProfile {
        availability: Availability::Away,
        capacity: 2,
        skills: vec![skill("hardware", Some(5))],
        updated_at: at(7),
        ..profile.clone()
    };
    s.agents.save_agent_profile(changed.clone()).await.expect("saves again");
    assert_eq!(
        s.agents.agent_profile(w.agent.id).await.expect("reads"),
        Some(changed.clone()),
        "skills replaced"
    );

    let unknown = AgentProfile {
        skills: vec![skill("billing", None), skill("no-such-category", None)],
        capacity: 99,
        ..changed.clone()
    };
    assert_eq!(
        s.agents.save_agent_profile(unknown).await,
        Err(StoreError::Reference("category"))
    );
    assert_eq!(
        s.agents.agent_profile(w.agent.id).await.expect("reads"),
        Some(changed),
        "a refused save writes nothing"
    );
}

/// Contract: escalation rules round trip with unique names.
pub async fn escalation_rules_round_trip_with_unique_names(s: &Store) {
    use domain::escalation::{
        Action, Channel, Condition, EscalationRule, PriorityRaise, Reassign, Recipient, SlaTrouble,
    };
    let w = world(s).await;
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
    let stored = s.rules.insert_rule(every_kind.clone(), at(1)).await.expect("inserts");
    assert!(stored.id > 0);
    assert_eq!(s.rules.get_rule(stored.id).await.expect("reads"), Some(stored.clone()));
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
    let second = s.rules.insert_rule(waiting.clone(), at(2)).await.expect("inserts");
    assert_eq!(
        s.rules.insert_rule(waiting.clone(), at(3)).await,
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
    assert_eq!(s.rules.update_rule(changed.clone(), at(4)).await, Ok(true));
    let renamed_onto = EscalationRule {
        name: stored.name.clone(),
        ..changed.clone()
    };
    assert_eq!(
        s.rules.update_rule(renamed_onto, at(5)).await,
        Err(StoreError::Duplicate("name"))
    );
    assert_eq!(
        s.rules.list_rules().await.expect("lists"),
        vec![stored.clone(), changed]
    );
    assert_eq!(s.rules.delete_rule(stored.id).await, Ok(true));
    assert_eq!(s.rules.delete_rule(stored.id).await, Ok(false));
    assert_eq!(s.rules.update_rule(stored, at(6)).await, Ok(false));
}

/// Contract: escalation checks follow ticket writes and schedules.
pub async fn escalation_checks_follow_ticket_writes_and_schedules(s: &Store) {
    let w = world(s).await;
    let a = open(s, spec(w.customer.id, "first", 1)).await;
    let b = open(s, spec(w.customer.id, "second", 2)).await;
    // Every write makes a ticket due a look at the write's instant.
    assert_eq!(
        s.checks.claim_checks(at(0), at(100), 10).await.expect("claims"),
        Vec::<TicketId>::new()
    );
    assert_eq!(
        s.checks.claim_checks(at(5), at(100), 10).await.expect("claims"),
        vec![a.id(), b.id()]
    );
    assert!(
        s.checks
            .claim_checks(at(50), at(200), 10)
            .await
            .expect("claims")
            .is_empty(),
        "leased"
    );
    // The loop schedules the next look under the lease it took; a schedule for a stale
    // version or a lease no longer held leaves the ticket due.
    let schedule = |ticket: &Ticket, next: Option<i64>, version: Version, lease: i64| {
        let mut c = ChangeSet::default();
        c.push(Write::ScheduleEscalationCheck {
            ticket_id: ticket.id(),
            at: next.map(at),
            version,
            lease: at(lease),
        });
        c
    };
    s.uow
        .commit(schedule(&a, Some(500), a.version(), 100))
        .await
        .expect("schedules");
    s.uow
        .commit(schedule(&b, None, Version::new(99), 100))
        .await
        .expect("a stale schedule is a no-op");
    assert_eq!(
        s.checks.claim_checks(at(101), at(300), 10).await.expect("claims"),
        vec![b.id()],
        "b's lease ran out and its stale schedule changed nothing; a waits for 500"
    );
    s.uow
        .commit(schedule(&b, None, b.version(), 100))
        .await
        .expect("a schedule under a lease no longer held is a no-op");
    assert_eq!(
        s.checks.claim_checks(at(301), at(400), 10).await.expect("claims"),
        vec![b.id()]
    );
    s.uow
        .commit(schedule(&b, None, b.version(), 400))
        .await
        .expect("schedules");
    assert!(
        s.checks
            .claim_checks(at(450), at(490), 10)
            .await
            .expect("claims")
            .is_empty()
    );
    assert_eq!(
        s.checks.claim_checks(at(500), at(600), 10).await.expect("claims"),
        vec![a.id()]
    );
    // Claimed and never settled (a crashed loop): due again once the lease runs out.
    assert_eq!(
        s.checks.claim_checks(at(601), at(650), 10).await.expect("claims"),
        vec![a.id()]
    );
    s.uow
        .commit(schedule(&a, None, a.version(), 650))
        .await
        .expect("settles");
    // A change to the ticket makes it due again at once and ends the lease.
    let mut changed = s.tickets.get(b.id()).await.expect("reads").expect("exists");
    let before = changed.clone();
    let event = changed
        .escalate(
            None,
            at(700),
            Escalation {
                rule_id: None,
                reason: "by hand".into(),
                raise_level: true,
                raise_priority: None,
            },
        )
        .expect("escalates");
    s.uow.commit(update_of(&before, changed, event)).await.expect("commits");
    assert_eq!(
        s.checks.claim_checks(at(700), at(800), 10).await.expect("claims"),
        vec![b.id()]
    );
    // A new rule makes every open ticket due and ends the leases, so a look in progress
    // under the old rules schedules nothing.
    assert_eq!(s.checks.recheck_open_tickets(at(750)).await, Ok(2));
    let stale = s.tickets.get(b.id()).await.expect("reads").expect("exists");
    s.uow
        .commit(schedule(&stale, None, stale.version(), 800))
        .await
        .expect("a look from before the rule changes nothing");
    assert_eq!(
        s.checks.claim_checks(at(750), at(1000), 10).await.expect("claims"),
        vec![a.id(), b.id()]
    );
    assert_eq!(s.checks.fired(a.id()).await, Ok(Vec::new()));
}

/// An e-mail notification to `to` under idempotency key `key`, queued `seconds` after
/// [`T0`].
pub fn notification(key: &str, to: &str, seconds: i64) -> NewNotification {
    NewNotification {
        idempotency_key: key.to_owned(),
        event_id: Some(1),
        ticket_id: None,
        recipient_id: None,
        channel: domain::escalation::Channel::Email,
        address: to.to_owned(),
        recipient_name: Some("Ann".into()),
        template: "ticket_created".into(),
        context: [("ticket_number".to_owned(), "TKT-000001".to_owned())].into(),
        at: at(seconds),
    }
}

/// Contract: notifications are queued once leased and settled by their holder.
pub async fn notifications_are_queued_once_leased_and_settled_by_their_holder(s: &Store) {
    let mut queue = ChangeSet::default();
    for (key, seconds) in [("k1", 1), ("k2", 2), ("k1", 3)] {
        queue.push(Write::QueueNotification(notification(key, "ann@example.com", seconds)));
    }
    s.uow.commit(queue).await.expect("queues; a repeated key is dropped");
    let all = s.notifications.list_notifications(None, None, 10).await.expect("lists");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].spec.idempotency_key, "k2", "newest first");
    assert_eq!(all[1].spec, notification("k1", "ann@example.com", 1));
    assert_eq!(all[1].status, NotificationStatus::Pending);

    let claimed = s
        .notifications
        .claim_notifications(at(10), at(20), 10, "a")
        .await
        .expect("claims");
    assert_eq!(claimed.len(), 2);
    assert!(
        s.notifications
            .claim_notifications(at(15), at(30), 10, "b")
            .await
            .expect("claims")
            .is_empty(),
        "leased"
    );
    let (k1, k2) = (claimed[0].id, claimed[1].id);
    let retry = Outcome::Retry {
        at: at(100),
        error: "sendgrid: HTTP 503".into(),
    };
    assert_eq!(s.notifications.record_outcome(k1, "a", at(16), retry).await, Ok(true));
    // b takes k2 over after a's lease ran out; a's late outcome is dropped.
    assert_eq!(
        s.notifications
            .claim_notifications(at(21), at(40), 10, "b")
            .await
            .expect("claims")
            .len(),
        1
    );
    assert_eq!(
        s.notifications.record_outcome(k2, "a", at(22), Outcome::Sent).await,
        Ok(false)
    );
    let dead = Outcome::Dead {
        error: "sendgrid: HTTP 400: bad address".into(),
    };
    assert_eq!(s.notifications.record_outcome(k2, "b", at(23), dead).await, Ok(true));
    let k2_row = s
        .notifications
        .get_notification(k2)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(
        (k2_row.status, k2_row.attempts, k2_row.last_error.as_deref()),
        (NotificationStatus::Dead, 1, Some("sendgrid: HTTP 400: bad address"))
    );
    assert!(
        s.notifications
            .claim_notifications(at(99), at(200), 10, "a")
            .await
            .expect("claims")
            .is_empty(),
        "not yet due"
    );
    let again = s
        .notifications
        .claim_notifications(at(100), at(200), 10, "a")
        .await
        .expect("claims");
    assert_eq!((again.len(), again[0].attempts), (1, 1));
    assert_eq!(
        s.notifications.record_outcome(k1, "a", at(101), Outcome::Sent).await,
        Ok(true)
    );
    let k1_row = s
        .notifications
        .get_notification(k1)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(
        (k1_row.status, k1_row.attempts, k1_row.sent_at),
        (NotificationStatus::Sent, 2, Some(at(101)))
    );
    assert_eq!(
        s.notifications.record_outcome(k1, "a", at(102), Outcome::Sent).await,
        Ok(false),
        "settled once"
    );

    let listed = |status| s.notifications.list_notifications(Some(status), None, 10);
    assert_eq!(listed(NotificationStatus::Dead).await.expect("lists").len(), 1);
    assert_eq!(listed(NotificationStatus::Sent).await.expect("lists")[0].id, k1);
    assert_eq!(
        s.notifications
            .list_notifications(None, Some(k2), 10)
            .await
            .expect("lists")[0]
            .id,
        k1,
        "before"
    );
    assert_eq!(s.notifications.requeue(k1, at(300)).await, Ok(false), "only dead ones");
    assert_eq!(s.notifications.requeue(k2, at(300)).await, Ok(true));
    let back = s
        .notifications
        .get_notification(k2)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(
        (back.status, back.attempts, back.next_attempt_at),
        (NotificationStatus::Pending, 0, at(300))
    );
}

/// Contract: outbox events are leased planned and given back.
pub async fn outbox_events_are_leased_planned_and_given_back(s: &Store) {
    let w = world(s).await;
    // Events committed before the dispatcher existed were marked processed at upgrade; the
    // ones written now wait for it.
    let a = open(s, spec(w.customer.id, "first", 1)).await;
    let events = s.outbox.claim_events(at(10), at(20), 10).await.expect("claims");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].event.ticket_id, a.id());
    assert!(matches!(events[0].event.kind, TicketEventKind::Created { .. }));
    assert_eq!(events[0].event.actor, Some(w.customer.id));
    assert!(
        s.outbox
            .claim_events(at(11), at(30), 10)
            .await
            .expect("claims")
            .is_empty(),
        "leased"
    );
    s.outbox
        .release_event(events[0].id, at(50), "tickets unreadable")
        .await
        .expect("gives back");
    assert!(
        s.outbox
            .claim_events(at(40), at(60), 10)
            .await
            .expect("claims")
            .is_empty(),
        "not before the retry"
    );
    let again = s.outbox.claim_events(at(50), at(60), 10).await.expect("claims");
    assert_eq!(again.len(), 1);
    let mut done = ChangeSet::default();
    done.push(Write::QueueNotification(notification(
        "event:1:user:1:email",
        "ann@example.com",
        50,
    )))
    .push(Write::FinishOutboxEvent {
        id: again[0].id,
        at: at(51),
        lease_until: at(60),
    });
    s.uow.commit(done).await.expect("plans");
    assert!(
        s.outbox
            .claim_events(at(100), at(200), 10)
            .await
            .expect("claims")
            .is_empty(),
        "processed"
    );
    assert_eq!(s.pending_outbox_events().await, Ok(0));
    // Contacts: the supervisors, and anyone by id.
    let lead = account(s, "lead@example.com", Role::Supervisor).await;
    let supervisors = s.notifications.supervisors().await.expect("reads");
    assert_eq!(supervisors.iter().map(|c| c.id).collect::<Vec<_>>(), vec![lead.id]);
    let contacts = s
        .notifications
        .contacts(&[w.customer.id, UserId::new(9_999)])
        .await
        .expect("reads");
    assert_eq!(contacts.len(), 1);
    assert_eq!((contacts[0].phone.clone(), contacts[0].sms_opt_in), (None, false));
}
