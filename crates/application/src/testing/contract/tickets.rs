//! Contract cases of tickets, accounts, categories and the unit of work.

use super::*;
use crate::ports::*;
use domain::*;

/// Contract: accounts have unique emails.
pub async fn accounts_have_unique_emails(s: &Store) {
    let a = account(s, "ada@example.com", Role::Agent).await;
    assert_eq!(a.role, Role::Agent);
    assert!(a.active);
    let dup = s
        .users
        .insert(NewAccount {
            email: Email::parse("ADA@example.com").expect("valid"),
            display_name: DisplayName::parse("Ada 2").expect("valid"),
            role: Role::Customer,
            password_hash: "x".into(),
            created_at: at(1),
        })
        .await;
    assert_eq!(dup, Err(StoreError::Duplicate("email")));
    assert_eq!(s.users.get(a.id).await.expect("reads"), Some(a.clone()));
    let b = account(s, "bea@example.com", Role::Customer).await;
    let mut many = s
        .users
        .get_many(&[b.id, a.id, UserId::new(999_999)])
        .await
        .expect("reads");
    many.sort_by_key(|u| u.id.get());
    assert_eq!(many, vec![a.clone(), b], "the known ones, unknown ids left out");
    assert_eq!(s.users.get_many(&[]).await.expect("reads"), vec![]);
    let (found, hash) = s
        .users
        .find_credentials(&a.email)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!((found, hash.as_str()), (a, "$argon2id$fake"));
    let nobody = Email::parse("nobody@example.com").expect("valid");
    assert_eq!(s.users.find_credentials(&nobody).await.expect("reads"), None);
}

/// Contract: categories in use cannot be deleted.
pub async fn categories_in_use_cannot_be_deleted(s: &Store) {
    let w = world(s).await;
    let billing = CategorySlug::parse("billing").expect("valid");
    let hardware = CategorySlug::parse("hardware").expect("valid");
    let dup = s
        .categories
        .insert(Category {
            slug: billing.clone(),
            name: "B".into(),
            description: String::new(),
            active: true,
            created_at: at(0),
            updated_at: at(0),
        })
        .await;
    assert_eq!(dup, Err(StoreError::Duplicate("slug")));
    open(s, spec(w.customer.id, "uses billing", 1)).await;
    assert_eq!(
        s.categories.delete(&billing).await,
        Err(StoreError::Reference("category"))
    );
    let changed = s
        .categories
        .update(
            &billing,
            CategoryChanges {
                active: Some(false),
                ..Default::default()
            },
            at(9),
        )
        .await
        .expect("updates")
        .expect("exists");
    assert!(!changed.active);
    assert_eq!(changed.updated_at, at(9));
    assert_eq!(changed.name, "billing", "unnamed fields stay");
    let active: Vec<String> = s
        .categories
        .list(false)
        .await
        .expect("lists")
        .iter()
        .map(|c| c.slug.to_string())
        .collect();
    assert_eq!(active, ["hardware"]);
    assert_eq!(s.categories.list(true).await.expect("lists").len(), 2);
    assert_eq!(s.categories.delete(&hardware).await, Ok(true));
    assert_eq!(s.categories.delete(&hardware).await, Ok(false));
    let missing = CategorySlug::parse("missing").expect("valid");
    assert_eq!(
        s.categories.update(&missing, CategoryChanges::default(), at(1)).await,
        Ok(None)
    );
}

/// Contract: a command writes state history and outbox together.
pub async fn a_command_writes_state_history_and_outbox_together(s: &Store) {
    let w = world(s).await;
    let ticket = open(
        s,
        Spec {
            tags: &["vip", "refund"],
            priority: Priority::High,
            ..spec(w.customer.id, "Invoice wrong", 1)
        },
    )
    .await;
    assert_eq!(
        s.tickets.get(ticket.id()).await.expect("reads"),
        Some(ticket.clone()),
        "round-trips exactly"
    );
    let mut changed = ticket.clone();
    let agent = Actor::new(w.agent.id, Role::Agent);
    let event = changed.assign(w.agent.id, agent, at(2), None).expect("assigns");
    s.uow
        .commit(update_of(&ticket, changed.clone(), event))
        .await
        .expect("commits");
    assert_eq!(s.tickets.get(ticket.id()).await.expect("reads"), Some(changed));
    let history = s.tickets.history(ticket.id(), true, None, 10).await.expect("reads");
    let types: Vec<&str> = history.iter().map(|h| h.kind.event_type()).collect();
    assert_eq!(types, ["TicketCreated", "TicketAssigned"]);
    assert_eq!(history[1].actor, Some(w.agent.id));
    assert_eq!(history[1].at, at(2));
    assert_eq!(
        s.tickets
            .history(ticket.id(), true, Some(history[0].id), 10)
            .await
            .expect("reads")
            .len(),
        1
    );
    assert_eq!(s.pending_outbox_events().await.expect("counts"), 2);
}

/// Contract: a stale version writes nothing.
pub async fn a_stale_version_writes_nothing(s: &Store) {
    let w = world(s).await;
    let ticket = open(s, spec(w.customer.id, "stale", 1)).await;
    let mut changed = ticket.clone();
    let agent = Actor::new(w.agent.id, Role::Agent);
    let event = changed
        .transition(TicketStatus::Closed, agent, at(2), None)
        .expect("closes");
    let mut changes = ChangeSet::default();
    changes
        .push(Write::UpdateTicket {
            ticket: changed,
            expected: Version::new(7),
        })
        .push(Write::Record(event));
    assert_eq!(s.uow.commit(changes).await, Err(StoreError::VersionConflict));
    assert_eq!(s.tickets.get(ticket.id()).await.expect("reads"), Some(ticket.clone()));
    assert_eq!(
        s.tickets
            .history(ticket.id(), true, None, 10)
            .await
            .expect("reads")
            .len(),
        1
    );
    assert_eq!(s.pending_outbox_events().await.expect("counts"), 1);
}

/// Contract: a failing write rolls back the whole change set.
pub async fn a_failing_write_rolls_back_the_whole_change_set(s: &Store) {
    let w = world(s).await;
    let id = s.tickets.next_id().await.expect("allocates");
    let new = NewTicket {
        id,
        customer_id: w.customer.id,
        subject: Subject::parse("no such category").expect("valid"),
        description: Description::parse("d").expect("valid"),
        priority: Priority::Low,
        category: CategorySlug::parse("nonexistent").expect("valid"),
        tags: Tags::parse(&["a"]).expect("valid"),
    };
    let (ticket, event) = Ticket::open(new, Actor::new(w.customer.id, Role::Customer), at(1)).expect("opens");
    let mut changes = ChangeSet::default();
    changes.push(Write::Record(event)).push(Write::InsertTicket(ticket));
    assert!(
        s.uow.commit(changes).await.is_err(),
        "the foreign key refuses the ticket"
    );
    assert_eq!(s.tickets.get(id).await.expect("reads"), None);
    assert_eq!(
        s.pending_outbox_events().await.expect("counts"),
        0,
        "the event written first was rolled back"
    );
}

/// Contract: a remembered idempotency key refuses the second commit.
pub async fn a_remembered_idempotency_key_refuses_the_second_commit(s: &Store) {
    let w = world(s).await;
    let record = |resource_id| IdempotencyRecord {
        user_id: w.customer.id,
        scope: "create_ticket",
        key: "key-1".into(),
        fingerprint: "f".into(),
        resource_id,
        created_at: at(1),
    };
    let first = open(s, spec(w.customer.id, "first", 1)).await;
    let mut changes = ChangeSet::default();
    changes.push(Write::RememberIdempotencyKey(record(first.id().get())));
    s.uow.commit(changes).await.expect("remembers");
    let found = s
        .idempotency
        .find(w.customer.id, "create_ticket", "key-1")
        .await
        .expect("reads");
    assert_eq!(found, Some(record(first.id().get())));
    assert_eq!(
        s.idempotency
            .find(w.other.id, "create_ticket", "key-1")
            .await
            .expect("reads"),
        None,
        "keys are per user"
    );

    let id = s.tickets.next_id().await.expect("allocates");
    let new = NewTicket {
        id,
        customer_id: w.customer.id,
        subject: Subject::parse("retry").expect("valid"),
        description: Description::parse("d").expect("valid"),
        priority: Priority::Low,
        category: CategorySlug::parse("billing").expect("valid"),
        tags: Tags::default(),
    };
    let (ticket, event) = Ticket::open(new, Actor::new(w.customer.id, Role::Customer), at(2)).expect("opens");
    let mut changes = ChangeSet::default();
    changes
        .push(Write::InsertTicket(ticket))
        .push(Write::Record(event))
        .push(Write::RememberIdempotencyKey(record(id.get())));
    assert_eq!(
        s.uow.commit(changes).await,
        Err(StoreError::Duplicate("idempotency_key"))
    );
    assert_eq!(
        s.tickets.get(id).await.expect("reads"),
        None,
        "the racing ticket was rolled back"
    );
}

/// Contract: lists filter by every field.
pub async fn lists_filter_by_every_field(s: &Store) {
    let w = world(s).await;
    let a = open(
        s,
        Spec {
            priority: Priority::Urgent,
            tags: &["vip"],
            ..spec(w.customer.id, "a", 1)
        },
    )
    .await;
    let b = open(
        s,
        Spec {
            category: "hardware",
            ..spec(w.customer.id, "b", 2)
        },
    )
    .await;
    let c = open(
        s,
        Spec {
            tags: &["vip", "x"],
            ..spec(w.other.id, "c", 3)
        },
    )
    .await;
    let mut assigned = b.clone();
    let event = assigned
        .assign(w.agent.id, Actor::new(w.agent.id, Role::Agent), at(4), None)
        .expect("assigns");
    s.uow
        .commit(update_of(&b, assigned.clone(), event))
        .await
        .expect("commits");
    let (a, b, c) = (a.id().get(), b.id().get(), c.id().get());

    assert_eq!(ids(s, TicketFilter::default()).await, [a, b, c]);
    assert_eq!(
        ids(
            s,
            TicketFilter {
                statuses: vec![TicketStatus::Assigned],
                ..Default::default()
            }
        )
        .await,
        [b]
    );
    assert_eq!(
        ids(
            s,
            TicketFilter {
                statuses: vec![TicketStatus::New, TicketStatus::Assigned],
                ..Default::default()
            }
        )
        .await,
        [a, b, c]
    );
    assert_eq!(
        ids(
            s,
            TicketFilter {
                priorities: vec![Priority::Urgent],
                ..Default::default()
            }
        )
        .await,
        [a]
    );
    let hardware = CategorySlug::parse("hardware").expect("valid");
    assert_eq!(
        ids(
            s,
            TicketFilter {
                category: Some(hardware),
                ..Default::default()
            }
        )
        .await,
        [b]
    );
    assert_eq!(
        ids(
            s,
            TicketFilter {
                assignee_id: Some(w.agent.id),
                ..Default::default()
            }
        )
        .await,
        [b]
    );
    assert_eq!(
        ids(
            s,
            TicketFilter {
                customer_id: Some(w.other.id),
                ..Default::default()
            }
        )
        .await,
        [c]
    );
    let vip = Tag::parse("vip").expect("valid");
    assert_eq!(
        ids(
            s,
            TicketFilter {
                tag: Some(vip.clone()),
                ..Default::default()
            }
        )
        .await,
        [a, c]
    );
    assert_eq!(
        ids(
            s,
            TicketFilter {
                tag: Some(vip),
                customer_id: Some(w.customer.id),
                ..Default::default()
            }
        )
        .await,
        [a]
    );
    assert_eq!(
        ids(
            s,
            TicketFilter {
                created_after: Some(at(2)),
                ..Default::default()
            }
        )
        .await,
        [b, c],
        "inclusive"
    );
    assert_eq!(
        ids(
            s,
            TicketFilter {
                created_before: Some(at(2)),
                ..Default::default()
            }
        )
        .await,
        [a],
        "exclusive"
    );
}

/// Contract: keyset pages cover every ticket once in every order.
pub async fn keyset_pages_cover_every_ticket_once_in_every_order(s: &Store) {
    let w = world(s).await;
    let mut expected = Vec::new();
    for i in 0..11i64 {
        let priority = Priority::ALL[(i % 4) as usize];
        // Pairs of tickets share an instant, so ties must be broken by id.
        let t = open(
            s,
            Spec {
                priority,
                ..spec(w.customer.id, "paged", i / 2)
            },
        )
        .await;
        expected.push(t.id().get());
    }
    expected.sort_unstable();
    for sort in TicketSort::ALL {
        let mut seen = Vec::new();
        let mut keys = Vec::new();
        let mut after = None;
        loop {
            let page = s
                .tickets
                .list(&TicketQuery {
                    filter: TicketFilter::default(),
                    sort,
                    limit: 3,
                    after,
                })
                .await
                .expect("lists");
            assert!(page.items.len() <= 3);
            for t in &page.items {
                seen.push(t.id().get());
                keys.push(match sort {
                    TicketSort::PriorityAsc | TicketSort::PriorityDesc => {
                        (sort.key_of(t), t.parts().created_at.unix_micros(), t.id().get())
                    }
                    _ => (sort.key_of(t), 0, t.id().get()),
                });
            }
            match page.next {
                Some(cursor) => after = Some(cursor),
                None => break,
            }
        }
        let in_order = keys
            .windows(2)
            .all(|p| if sort.descending() { p[0] > p[1] } else { p[0] < p[1] });
        assert!(in_order, "{sort:?} out of order: {keys:?}");
        seen.sort_unstable();
        assert_eq!(seen, expected, "{sort:?} must list every ticket exactly once");
    }
}

/// Contract: sessions expire and are revocable.
pub async fn sessions_expire_and_are_revocable(s: &Store) {
    let user = account(s, "s@example.com", Role::Customer).await;
    let session = |hash: &str| Session {
        token_hash: TokenHash(hash.into()),
        user_id: user.id,
        created_at: at(0),
        expires_at: at(100),
    };
    s.sessions.insert(session("h1")).await.expect("stores");
    s.sessions.insert(session("h2")).await.expect("stores");
    let h1 = TokenHash("h1".into());
    assert_eq!(
        s.sessions.authenticate(&h1, at(99)).await.expect("reads").map(|u| u.id),
        Some(user.id)
    );
    assert_eq!(
        s.sessions.authenticate(&h1, at(100)).await.expect("reads"),
        None,
        "expired at expires_at"
    );
    assert_eq!(
        s.sessions
            .authenticate(&TokenHash("nope".into()), at(1))
            .await
            .expect("reads"),
        None
    );
    s.sessions.revoke(&h1, at(5)).await.expect("revokes");
    assert_eq!(s.sessions.authenticate(&h1, at(6)).await.expect("reads"), None);
    s.sessions.revoke(&h1, at(7)).await.expect("revoking twice is fine");
    assert!(
        s.sessions
            .authenticate(&TokenHash("h2".into()), at(6))
            .await
            .expect("reads")
            .is_some(),
        "other sessions live on"
    );
    let mut old = session("h3");
    old.expires_at = at(50);
    s.sessions.insert(old).await.expect("stores");
    assert_eq!(
        s.sessions.delete_ended_before(at(60), 100).await,
        Ok(1),
        "only the session that expired before 60 s"
    );
    assert!(
        s.sessions
            .authenticate(&TokenHash("h2".into()), at(6))
            .await
            .expect("reads")
            .is_some()
    );
    assert_eq!(s.sessions.delete_ended_before(at(60), 100).await, Ok(0));
    assert_eq!(
        s.sessions.delete_ended_before(at(101), 100).await,
        Ok(2),
        "h1 (revoked) and h2 once expired"
    );
}

/// The read before a ticket opens (`TicketRepository::opening`) gives a new id each time
/// and sees every change to categories and SLA policies committed before it, however the
/// store keeps them between calls.
pub async fn the_opening_read_sees_every_reference_change(s: &Store) {
    let billing = CategorySlug::parse("billing").expect("valid");
    let first = s.tickets.opening(&billing).await.expect("reads");
    assert_eq!(first.category_active, None, "no such category yet");
    assert!(first.reference.policies.is_empty());

    category(s, "billing").await;
    let second = s.tickets.opening(&billing).await.expect("reads");
    assert_eq!(second.category_active, Some(true));
    assert!(second.id.get() > first.id.get(), "ids increase");

    let gold = |minutes: u32| domain::sla::SlaPolicy {
        id: 1,
        name: "Gold".into(),
        priorities: Vec::new(),
        category: Some(billing.clone()),
        calendar_id: None,
        first_response_minutes: Some(minutes),
        next_response_minutes: None,
        resolution_minutes: None,
        warning_percent: 80,
        pause_statuses: Vec::new(),
    };
    let stored = s.policies.insert_policy(gold(60), at(1)).await.expect("stores policy");
    let minutes =
        |o: &Opening| -> Vec<Option<u32>> { o.reference.policies.iter().map(|p| p.first_response_minutes).collect() };
    let third = s.tickets.opening(&billing).await.expect("reads");
    assert_eq!(minutes(&third), vec![Some(60)], "a new policy is seen");
    let again = s.tickets.opening(&billing).await.expect("reads");
    assert_eq!(again.reference, third.reference, "nothing changed, the same policies");
    assert!(again.id.get() > third.id.get(), "but a new id");

    assert!(
        s.policies
            .update_policy(
                domain::sla::SlaPolicy {
                    id: stored.id,
                    ..gold(30)
                },
                at(2)
            )
            .await
            .expect("updates")
    );
    assert_eq!(
        minutes(&s.tickets.opening(&billing).await.expect("reads")),
        vec![Some(30)],
        "a change is seen"
    );

    s.categories
        .update(
            &billing,
            CategoryChanges {
                active: Some(false),
                ..CategoryChanges::default()
            },
            at(3),
        )
        .await
        .expect("updates")
        .expect("exists");
    let closed = s.tickets.opening(&billing).await.expect("reads");
    assert_eq!(closed.category_active, Some(false), "a deactivation is seen");
    assert_eq!(minutes(&closed), vec![Some(30)]);

    assert!(s.policies.delete_policy(stored.id).await.expect("deletes"));
    assert!(
        s.tickets
            .opening(&billing)
            .await
            .expect("reads")
            .reference
            .policies
            .is_empty(),
        "a deletion is seen"
    );
}
