// SLA cases of the repository contract, included into `mod cases` of `contract.rs`.

use application::sla::{MonitorSla, ShowSla, SlaPorts};
use application::tickets::{ChangeStatus, ChangeStatusInput, CreateTicket, CreateTicketInput, TicketPorts};
use domain::sla::{BusinessCalendar, PolicyTerms, SlaPolicy, TargetKind, TargetStatus, TicketSla};

/// A clock the test sets.
struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    fn at(t: Timestamp) -> Arc<Self> {
        Arc::new(Self(std::sync::atomic::AtomicI64::new(t.unix_micros())))
    }

    fn set(&self, t: Timestamp) {
        self.0.store(t.unix_micros(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_micros(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// Zones: UTC only (the policies here count calendar time).
struct UtcOnly;

impl CalendarSupport for UtcOnly {
    fn zone(&self, name: &str) -> Option<Arc<dyn domain::sla::TimeZone>> {
        (name == "UTC").then(|| Arc::new(domain::sla::Utc) as Arc<dyn domain::sla::TimeZone>)
    }

    fn zone_database_version(&self) -> &str {
        "test"
    }

    fn holidays(
        &self,
        dates: Vec<domain::sla::LocalDate>,
        _: &[HolidayRuleSpec],
    ) -> Result<Arc<dyn domain::sla::Holidays>, (usize, String)> {
        Ok(Arc::new(domain::sla::HolidaySet::new(dates)))
    }
}

fn terms(first: Option<i64>, resolution: Option<i64>) -> PolicyTerms {
    PolicyTerms {
        first_response: first,
        next_response: None,
        resolution,
        warning_percent: 50,
        pause_statuses: vec![TicketStatus::WaitingCustomer],
    }
}

fn save(ticket: TicketId, revision: i64, sla: TicketSla) -> ChangeSet {
    let mut changes = ChangeSet::default();
    changes.push(Write::SaveSla {
        ticket_id: ticket,
        policy_id: None,
        revision,
        sla,
    });
    changes
}

fn ticket_ports(db: &Database, clock: Arc<ManualClock>) -> TicketPorts {
    let db = Arc::new(db.clone());
    TicketPorts {
        tickets: db.clone(),
        uow: db.clone(),
        users: db.clone(),
        categories: db.clone(),
        idempotency: db.clone(),
        clock,
        sla: SlaPorts {
            policies: db.clone(),
            calendars: db.clone(),
            targets: db.clone(),
            support: Arc::new(UtcOnly),
        },
        routing: application::assignment::Routing {
            agents: db,
            assign_on_create: true,
            weights: Default::default(),
        },
    }
}

async fn sla_history(db: &Database, id: TicketId, include_internal: bool) -> Vec<&'static str> {
    db.history(id, include_internal, None, 100)
        .await
        .expect("reads history")
        .into_iter()
        .map(|e| e.kind.event_type())
        .filter(|t| t.starts_with("Sla"))
        .collect()
}

pub async fn sla_targets_are_saved_under_a_revision_and_leased_by_their_next_deadline(db: &Database) {
    let w = world(db).await;
    let a = open(db, spec(w.customer.id, "A", 0)).await;
    let b = open(db, spec(w.customer.id, "B", 0)).await;
    let cal = BusinessCalendar::always_open();
    let sla_a = TicketSla::open(&terms(Some(3600), Some(4 * 3600)), at(0), &cal).expect("opens");
    let sla_b = TicketSla::open(&terms(Some(3600), Some(4 * 3600)), at(600), &cal).expect("opens");
    db.commit(save(a.id(), 0, sla_a.clone())).await.expect("commits");
    db.commit(save(b.id(), 0, sla_b)).await.expect("commits");
    let stored = db.sla_of(a.id()).await.expect("reads");
    assert_eq!((stored.policy_id, stored.revision, &stored.sla), (None, 1, &sla_a));
    assert_eq!(
        db.commit(save(a.id(), 0, sla_a.clone())).await,
        Err(StoreError::VersionConflict),
        "a second first save loses"
    );
    let ticket = TicketRepository::get(db, a.id()).await.expect("reads").expect("exists");
    assert_eq!(ticket.parts().sla_due_at, Some(at(3600)), "earliest running due instant");
    assert_eq!(ticket.version(), a.version(), "the ticket's version does not move");

    let lease = |s: i64| at(s);
    assert!(db.claim_due(at(1799), lease(3000), 10).await.expect("claims").is_empty());
    // A's first-response warning (30 min) falls due first, then B's (at 40 min).
    assert_eq!(db.claim_due(at(1800), lease(3000), 10).await.expect("claims"), vec![a.id()]);
    assert!(
        db.claim_due(at(1800), lease(3000), 10).await.expect("claims").is_empty(),
        "leased"
    );
    assert_eq!(db.claim_due(at(2400), lease(3000), 10).await.expect("claims"), vec![b.id()]);
    // A's lease expired: claimed again, earliest deadline first, at most `limit`.
    assert_eq!(db.claim_due(at(3001), lease(4000), 1).await.expect("claims"), vec![a.id()]);

    // Saving A's observed state ends its lease and moves its deadline on.
    let mut observed = sla_a.clone();
    assert_eq!(observed.observe(at(3001)).len(), 1);
    db.commit(save(a.id(), 1, observed.clone())).await.expect("commits");
    assert_eq!(db.claim_due(at(3001), lease(4000), 10).await.expect("claims"), vec![b.id()]);
    assert_eq!(db.claim_due(at(3600), lease(4000), 10).await.expect("claims"), Vec::<TicketId>::new());
    assert_eq!(db.claim_due(at(3601), lease(4000), 10).await.expect("claims"), vec![a.id()]);

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
    assert_eq!(db.commit(stale).await, Err(StoreError::VersionConflict));
    let stored = db.sla_of(a.id()).await.expect("reads");
    assert_eq!((stored.revision, &stored.sla), (2, &observed));
    assert!(sla_history(db, a.id(), true).await.is_empty());
    let both = db.slas_of(&[a.id(), b.id(), TicketId::new(999_999)]).await.expect("reads");
    assert_eq!(both.len(), 2);
    assert_eq!(
        db.sla_of(TicketId::new(999_999)).await.expect("reads"),
        StoredSla::default()
    );
}

pub async fn sla_filters_and_due_order_agree_with_the_targets(db: &Database) {
    let w = world(db).await;
    let cal = BusinessCalendar::always_open();
    let now = at(10_000);
    let mut slas = Vec::new();
    // Active: warning at 10 800, due at 12 600.
    slas.push(("active", 9000, TicketSla::open(&terms(Some(3600), None), at(9000), &cal).expect("opens")));
    // At risk: warning at 8 800, due at 10 600.
    slas.push(("at_risk", 7000, TicketSla::open(&terms(Some(3600), None), at(7000), &cal).expect("opens")));
    // Breached, not yet recorded: due at 3 600.
    slas.push(("breached", 0, TicketSla::open(&terms(Some(3600), None), at(0), &cal).expect("opens")));
    // Met in time.
    let mut met = TicketSla::open(&terms(Some(3600), None), at(0), &cal).expect("opens");
    met.on_public_comment(&terms(Some(3600), None), true, false, at(100), &cal)
        .expect("meets");
    slas.push(("met", 0, met));
    // Paused in waiting_customer.
    let mut paused = TicketSla::open(&terms(None, Some(3600)), at(0), &cal).expect("opens");
    paused
        .on_status_change(&terms(None, Some(3600)), TicketStatus::InProgress, TicketStatus::WaitingCustomer, at(60), &cal)
        .expect("pauses");
    slas.push(("paused", 0, paused));
    let mut ids = std::collections::BTreeMap::new();
    for (name, opened, sla) in slas {
        let t = open(db, spec(w.customer.id, name, opened)).await;
        let status = sla.targets[0].status(now);
        assert_eq!(status.as_str(), name, "the fixture is what it says");
        db.commit(save(t.id(), 0, sla)).await.expect("commits");
        ids.insert(name, t.id());
    }
    let none = open(db, spec(w.customer.id, "no SLA", 0)).await;
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
        let page = TicketRepository::list(db, &list(filter, TicketSort::default(), None)).await.expect("lists");
        let found: Vec<TicketId> = page.items.iter().map(Ticket::id).collect();
        assert_eq!(found, vec![ids[status.as_str()]], "sla_status={}", status.as_str());
    }
    let filter = TicketFilter {
        due_before: Some(at(10_700)),
        ..TicketFilter::default()
    };
    let mut found: Vec<TicketId> = TicketRepository::list(db, &list(filter, TicketSort::default(), None))
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
        let page = TicketRepository::list(db, &list(TicketFilter::default(), TicketSort::SlaDueAsc, after))
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
}

pub async fn sla_clocks_follow_the_use_cases_with_an_injected_clock(db: &Database) {
    let w = world(db).await;
    let policy = SlaPolicy {
        id: 0,
        name: "Normal".into(),
        priorities: vec![Priority::Normal],
        category: None,
        calendar_id: None,
        first_response_minutes: None,
        next_response_minutes: None,
        resolution_minutes: Some(240),
        warning_percent: 80,
        pause_statuses: vec![TicketStatus::WaitingCustomer],
    };
    let policy = db.insert_policy(policy, at(0)).await.expect("inserts policy");
    let clock = ManualClock::at(at(0));
    let ports = ticket_ports(db, clock.clone());
    let minutes = |m: i64| at(m * 60);
    let monitor = MonitorSla::new(Arc::new(db.clone()), Arc::new(db.clone()), clock.clone(), 10, 60);
    let input = CreateTicketInput {
        subject: "Printer on fire".into(),
        description: "Smoke everywhere".into(),
        category: "billing".into(),
        ..CreateTicketInput::default()
    };
    let customer = Actor::new(w.customer.id, Role::Customer);
    let agent = Actor::new(w.agent.id, Role::Agent);
    let ticket = CreateTicket::new(ports.clone())
        .execute(customer, input)
        .await
        .expect("opens")
        .ticket;
    let id = ticket.id();
    let reference = id.to_string();
    let status = |at_: Timestamp| {
        let db = db.clone();
        async move {
            let stored = db.sla_of(id).await.expect("reads");
            assert_eq!(stored.policy_id, Some(policy.id));
            stored.sla.target(TargetKind::Resolution).expect("target").status(at_)
        }
    };
    assert_eq!(status(minutes(0)).await, TargetStatus::Active);

    clock.set(minutes(100));
    assert_eq!(monitor.tick().await.expect("ticks").claimed, 0);
    // 80 % of 240 minutes: at risk from minute 192.
    clock.set(minutes(200));
    let tick = monitor.tick().await.expect("ticks");
    assert_eq!((tick.claimed, tick.warnings, tick.breaches), (1, 1, 0));
    assert_eq!(status(minutes(200)).await, TargetStatus::AtRisk);
    assert_eq!(monitor.tick().await.expect("ticks").claimed, 0);

    let move_to = |to: &str| ChangeStatusInput {
        to: to.into(),
        ..ChangeStatusInput::default()
    };
    clock.set(minutes(210));
    let change = ChangeStatus::new(ports.clone());
    for to in ["assigned", "in_progress", "waiting_customer"] {
        change.execute(agent, &reference, move_to(to), None).await.expect("moves");
    }
    clock.set(minutes(1000));
    assert_eq!(status(minutes(1000)).await, TargetStatus::Paused);
    assert_eq!(monitor.tick().await.expect("ticks").claimed, 0, "no deadline while paused");
    change
        .execute(agent, &reference, move_to("in_progress"), None)
        .await
        .expect("resumes");
    let stored = db.sla_of(id).await.expect("reads");
    let due = stored.sla.target(TargetKind::Resolution).and_then(|t| t.due_at);
    assert_eq!(due, Some(minutes(1030)), "210 minutes consumed, 30 left");

    clock.set(minutes(1031));
    let tick = monitor.tick().await.expect("ticks");
    assert_eq!((tick.warnings, tick.breaches), (0, 1));
    assert_eq!(status(minutes(1031)).await, TargetStatus::Breached);
    clock.set(minutes(5000));
    assert_eq!(monitor.tick().await.expect("ticks").claimed, 0);
    assert_eq!(sla_history(db, id, true).await, ["SlaWarning", "SlaBreached"]);
    assert!(sla_history(db, id, false).await.is_empty(), "customers see no SLA entries");

    let report = ShowSla::new(ports).report(agent, &reference).await.expect("reports");
    assert_eq!(report.paused, vec![(minutes(210), Some(minutes(1000)))]);
    assert_eq!(report.view.policy_name.as_deref(), Some("Normal"));
    let target = &report.view.targets[0];
    assert_eq!((target.status, target.consumed_seconds), (TargetStatus::Breached, (210 + 4000) * 60));
}

pub async fn concurrent_monitors_record_each_crossing_once(db: &Database) {
    const TICKETS: usize = 120;
    let w = world(db).await;
    let cal = BusinessCalendar::always_open();
    let mut ids = Vec::new();
    for i in 0..TICKETS {
        let t = open(db, spec(w.customer.id, "due", 0)).await;
        let sla = TicketSla::open(&terms(Some(60 + i as i64), None), at(0), &cal).expect("opens");
        db.commit(save(t.id(), 0, sla)).await.expect("commits");
        ids.push(t.id());
    }
    let clock = ManualClock::at(at(1000));
    let mut monitors = Vec::new();
    for _ in 0..4 {
        let monitor = MonitorSla::new(Arc::new(db.clone()), Arc::new(db.clone()), clock.clone(), 8, 600);
        monitors.push(tokio::spawn(async move {
            let mut total = (0, 0);
            loop {
                let tick = monitor.tick().await.expect("ticks");
                total.0 += tick.warnings;
                total.1 += tick.breaches;
                if tick.claimed == 0 {
                    break total;
                }
            }
        }));
    }
    let mut total = (0, 0);
    for m in monitors {
        let (w, b) = m.await.expect("joins");
        total.0 += w;
        total.1 += b;
    }
    assert_eq!(total, (TICKETS, TICKETS));
    for id in ids {
        assert_eq!(sla_history(db, id, true).await, ["SlaWarning", "SlaBreached"], "ticket {id}");
    }
}

pub async fn commit_each_rolls_back_only_the_change_set_that_fails(db: &Database) {
    let w = world(db).await;
    let cal = BusinessCalendar::always_open();
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let t = open(db, spec(w.customer.id, name, 0)).await;
        let sla = TicketSla::open(&terms(Some(3600), None), at(0), &cal).expect("opens");
        db.commit(save(t.id(), 0, sla)).await.expect("commits");
        ids.push(t.id());
    }
    let mut sets = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mut stored = db.sla_of(*id).await.expect("reads");
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
    let outcomes = db.commit_each(sets).await.expect("the batch commits");
    assert_eq!(outcomes, vec![Ok(()), Err(StoreError::VersionConflict), Ok(())]);
    assert_eq!(sla_history(db, ids[0], true).await, ["SlaWarning", "SlaBreached"]);
    assert!(sla_history(db, ids[1], true).await.is_empty(), "the refused set wrote nothing");
    assert_eq!(sla_history(db, ids[2], true).await, ["SlaWarning", "SlaBreached"]);
    assert_eq!(db.sla_of(ids[1]).await.expect("reads").revision, 1);
    assert_eq!(db.sla_of(ids[2]).await.expect("reads").revision, 2);
}
