// SLA cases about the databases (calendars, use cases and monitors on them, races),
// included into `mod cases` of `contract.rs`; the others are in the shared contract.

use application::sla::{MonitorSla, ShowSla, SlaPorts};
use application::testing::UtcOnly;
use application::tickets::{ChangeStatus, ChangeStatusInput, CreateTicket, CreateTicketInput, TicketPorts};
use domain::sla::{BusinessCalendar, SlaPolicy, TargetKind, TargetStatus, TicketSla};

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
        surveys: db.clone(),
        routing: application::assignment::Routing {
            agents: db,
            assign_on_create: true,
            weights: Default::default(),
        },
    }
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

