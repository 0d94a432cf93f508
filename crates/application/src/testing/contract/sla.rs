//! Contract cases of SLA targets and batches of change sets.

use domain::sla::{BusinessCalendar, PolicyTerms, TargetKind, TargetStatus, TicketSla};

use super::*;
use crate::ports::*;
use domain::*;

/// SLA terms with these first-response and resolution targets, a 50 % warning, paused
/// while waiting for the customer.
pub fn terms(first: Option<i64>, resolution: Option<i64>) -> PolicyTerms {
    PolicyTerms {
        first_response: first,
        next_response: None,
        resolution,
        warning_percent: 50,
        pause_statuses: vec![TicketStatus::WaitingCustomer],
    }
}

/// The change set saving `sla` as a ticket's targets under `revision`.
pub fn save(ticket: TicketId, revision: i64, sla: TicketSla) -> ChangeSet {
    let mut changes = ChangeSet::default();
    changes.push(Write::SaveSla {
        ticket_id: ticket,
        policy_id: None,
        revision,
        sla,
    });
    changes
}

/// The SLA event types of a ticket's history.
/// Contract: sla history.
pub async fn sla_history(s: &Store, id: TicketId, include_internal: bool) -> Vec<&'static str> {
    s.tickets
        .history(id, include_internal, None, 100)
        .await
        .expect("reads history")
        .into_iter()
        .map(|e| e.kind.event_type())
        .filter(|t| t.starts_with("Sla"))
        .collect()
}

/// Contract: sla targets are saved under a revision and leased by their next deadline.
pub async fn sla_targets_are_saved_under_a_revision_and_leased_by_their_next_deadline(s: &Store) {
    let w = world(s).await;
    let a = open(s, spec(w.customer.id, "A", 0)).await;
    let b = open(s, spec(w.customer.id, "B", 0)).await;
    let cal = BusinessCalendar::always_open();
    let sla_a = TicketSla::open(&terms(Some(3600), Some(4 * 3600)), at(0), &cal).expect("opens");
    let sla_b = TicketSla::open(&terms(Some(3600), Some(4 * 3600)), at(600), &cal).expect("opens");
    s.uow.commit(save(a.id(), 0, sla_a.clone())).await.expect("commits");
    s.uow.commit(save(b.id(), 0, sla_b)).await.expect("commits");
    let stored = s.targets.sla_of(a.id()).await.expect("reads");
    assert_eq!((stored.policy_id, stored.revision, &stored.sla), (None, 1, &sla_a));
    assert_eq!(
        s.uow.commit(save(a.id(), 0, sla_a.clone())).await,
        Err(StoreError::VersionConflict),
        "a second first save loses"
    );
    let ticket = s.tickets.get(a.id()).await.expect("reads").expect("exists");
    assert_eq!(
        ticket.parts().sla_due_at,
        Some(at(3600)),
        "earliest running due instant"
    );
    assert_eq!(ticket.version(), a.version(), "the ticket's version does not move");

    let lease = |seconds: i64| at(seconds);
    assert!(
        s.targets
            .claim_due(at(1799), lease(3000), 10)
            .await
            .expect("claims")
            .is_empty()
    );
    // A's first-response warning (30 min) falls due first, then B's (at 40 min).
    assert_eq!(
        s.targets.claim_due(at(1800), lease(3000), 10).await.expect("claims"),
        vec![a.id()]
    );
    assert!(
        s.targets
            .claim_due(at(1800), lease(3000), 10)
            .await
            .expect("claims")
            .is_empty(),
        "leased"
    );
    assert_eq!(
        s.targets.claim_due(at(2400), lease(3000), 10).await.expect("claims"),
        vec![b.id()]
    );
    // A's lease expired: claimed again, earliest deadline first, at most `limit`.
    assert_eq!(
        s.targets.claim_due(at(3001), lease(4000), 1).await.expect("claims"),
        vec![a.id()]
    );

    // Saving A's observed state ends its lease and moves its deadline on.
    let mut observed = sla_a.clone();
    assert_eq!(observed.observe(at(3001)).len(), 1);
    s.uow.commit(save(a.id(), 1, observed.clone())).await.expect("commits");
    assert_eq!(
        s.targets.claim_due(at(3001), lease(4000), 10).await.expect("claims"),
        vec![b.id()]
    );
    assert_eq!(
        s.targets.claim_due(at(3600), lease(4000), 10).await.expect("claims"),
        Vec::<TicketId>::new()
    );
    assert_eq!(
        s.targets.claim_due(at(3601), lease(4000), 10).await.expect("claims"),
        vec![a.id()]
    );

    // A stale save writes nothing, not even the events that came with it.
    let mut stale = save(a.id(), 1, sla_a);
    stale.push(Write::Record(TicketEvent {
        ticket_id: a.id(),
        actor: None,
        at: at(3601),
        kind: TicketEventKind::SlaCrossed {
            target: TargetKind::FirstResponse,
            crossing: domain::sla::Crossing::Warning(at(1800)),
            policy_id: None,
        },
    }));
    assert_eq!(s.uow.commit(stale).await, Err(StoreError::VersionConflict));
    let stored = s.targets.sla_of(a.id()).await.expect("reads");
    assert_eq!((stored.revision, &stored.sla), (2, &observed));
    assert!(sla_history(s, a.id(), true).await.is_empty());
    let both = s
        .targets
        .slas_of(&[a.id(), b.id(), TicketId::new(999_999)])
        .await
        .expect("reads");
    assert_eq!(both.len(), 2);
    assert_eq!(
        s.targets.sla_of(TicketId::new(999_999)).await.expect("reads"),
        StoredSla::default()
    );
}

/// Contract: sla filters and due order agree with the targets.
pub async fn sla_filters_and_due_order_agree_with_the_targets(s: &Store) {
    let w = world(s).await;
    let cal = BusinessCalendar::always_open();
    let now = at(10_000);
    let mut slas = Vec::new();
    // Active: warning at 10 800, due at 12 600.
    slas.push((
        "active",
        9000,
        TicketSla::open(&terms(Some(3600), None), at(9000), &cal).expect("opens"),
    ));
    // At risk: warning at 8 800, due at 10 600.
    slas.push((
        "at_risk",
        7000,
        TicketSla::open(&terms(Some(3600), None), at(7000), &cal).expect("opens"),
    ));
    // Breached, not yet recorded: due at 3 600.
    slas.push((
        "breached",
        0,
        TicketSla::open(&terms(Some(3600), None), at(0), &cal).expect("opens"),
    ));
    // Met in time.
    let mut met = TicketSla::open(&terms(Some(3600), None), at(0), &cal).expect("opens");
    met.on_public_comment(&terms(Some(3600), None), true, false, at(100), &cal)
        .expect("meets");
    slas.push(("met", 0, met));
    // Paused in waiting_customer.
    let mut paused = TicketSla::open(&terms(None, Some(3600)), at(0), &cal).expect("opens");
    paused
        .on_status_change(
            &terms(None, Some(3600)),
            TicketStatus::InProgress,
            TicketStatus::WaitingCustomer,
            at(60),
            &cal,
        )
        .expect("pauses");
    slas.push(("paused", 0, paused));
    let mut ids = std::collections::BTreeMap::new();
    for (name, opened, sla) in slas {
        let t = open(s, spec(w.customer.id, name, opened)).await;
        let status = sla.targets[0].status(now);
        assert_eq!(status.as_str(), name, "the fixture is what it says");
        s.uow.commit(save(t.id(), 0, sla)).await.expect("commits");
        ids.insert(name, t.id());
    }
    let none = open(s, spec(w.customer.id, "no SLA", 0)).await;
    let list = |filter: TicketFilter, sort: TicketSort, after: Option<TicketCursor>| TicketQuery {
        filter,
        sort,
        limit: 2,
        after,
    };
    for status in TargetStatus::ALL {
        let filter = TicketFilter {
            sla_status: Some((status, now)),
            ..TicketFilter::default()
        };
        let page = s
            .tickets
            .list(&list(filter, TicketSort::default(), None))
            .await
            .expect("lists");
        let found: Vec<TicketId> = page.items.iter().map(Ticket::id).collect();
        assert_eq!(found, vec![ids[status.as_str()]], "sla_status={}", status.as_str());
    }
    let filter = TicketFilter {
        due_before: Some(at(10_700)),
        ..TicketFilter::default()
    };
    let mut found: Vec<TicketId> = s
        .tickets
        .list(&list(filter, TicketSort::default(), None))
        .await
        .expect("lists")
        .items
        .iter()
        .map(Ticket::id)
        .collect();
    found.sort();
    let mut expected = vec![ids["at_risk"], ids["breached"]];
    expected.sort();
    assert_eq!(found, expected, "running targets due before 10 700");

    // Soonest due first, then the tickets with no running target by id; pages of two.
    let mut order = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .tickets
            .list(&list(TicketFilter::default(), TicketSort::SlaDueAsc, after))
            .await
            .expect("lists");
        order.extend(page.items.iter().map(Ticket::id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected = vec![
        ids["breached"],
        ids["at_risk"],
        ids["active"],
        ids["met"],
        ids["paused"],
        none.id(),
    ];
    assert_eq!(order, expected);

    // The workload counts the same trouble per agent, aggregated by the store: one open
    // ticket at risk and one breached at `now` (the met, paused, active and unmeasured
    // ones count in neither).
    let mut assigned: Vec<TicketId> = ids.values().copied().collect();
    assigned.push(none.id());
    for id in assigned {
        let t = s.tickets.get(id).await.expect("reads").expect("exists");
        s.uow
            .commit(super::routing::assignment(
                &t,
                w.agent.id,
                domain::assignment::Strictness::Forced,
                10_000,
            ))
            .await
            .expect("assigns");
    }
    let lines = s.agents.workload(at(0), now).await.expect("reads");
    let line = lines.iter().find(|l| l.user_id == w.agent.id).expect("listed");
    assert_eq!((line.load.open(), line.at_risk, line.breached), (6, 1, 1));
    let later = s.agents.workload(at(0), at(20_000)).await.expect("reads");
    let line = later.iter().find(|l| l.user_id == w.agent.id).expect("listed");
    assert_eq!(
        (line.at_risk, line.breached),
        (0, 3),
        "active and at risk are overdue later"
    );
}

/// Contract: commit each rolls back only the change set that fails.
pub async fn commit_each_rolls_back_only_the_change_set_that_fails(s: &Store) {
    let w = world(s).await;
    let cal = BusinessCalendar::always_open();
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let t = open(s, spec(w.customer.id, name, 0)).await;
        let sla = TicketSla::open(&terms(Some(3600), None), at(0), &cal).expect("opens");
        s.uow.commit(save(t.id(), 0, sla)).await.expect("commits");
        ids.push(t.id());
    }
    let mut sets = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mut stored = s.targets.sla_of(*id).await.expect("reads");
        let crossed = stored.sla.observe(at(4000));
        assert_eq!(crossed.len(), 2, "warning and breach");
        // The second names a revision that is no longer stored.
        let revision = if i == 1 { 0 } else { stored.revision };
        let mut set = save(*id, revision, stored.sla);
        for (target, crossing) in crossed {
            set.push(Write::Record(TicketEvent {
                ticket_id: *id,
                actor: None,
                at: at(4000),
                kind: TicketEventKind::SlaCrossed {
                    target,
                    crossing,
                    policy_id: None,
                },
            }));
        }
        sets.push(set);
    }
    let outcomes = s.uow.commit_each(sets).await.expect("the batch commits");
    assert_eq!(outcomes, vec![Ok(()), Err(StoreError::VersionConflict), Ok(())]);
    assert_eq!(sla_history(s, ids[0], true).await, ["SlaWarning", "SlaBreached"]);
    assert!(
        sla_history(s, ids[1], true).await.is_empty(),
        "the refused set wrote nothing"
    );
    assert_eq!(sla_history(s, ids[2], true).await, ["SlaWarning", "SlaBreached"]);
    assert_eq!(s.targets.sla_of(ids[1]).await.expect("reads").revision, 1);
    assert_eq!(s.targets.sla_of(ids[2]).await.expect("reads").revision, 2);
}
