//! Automatic assignment, the queue, the assignment record and the workload against the
//! in-memory fakes (and a mocked agent repository where a stale read is needed).

use std::sync::Arc;

use domain::assignment::{AgentSnapshot, Availability, Load, Skill};
use domain::{Actor, CategorySlug, Role, TicketEventKind, TicketStatus, UserId};

use super::*;
use crate::error::AppError;
use crate::ports::{AgentRepository, MockAgentRepository};
use crate::testing::Fake;
use crate::tickets::{AssignInput, AssignTicket, CreateTicket, CreateTicketInput, UnassignTicket};

const CUSTOMER: i64 = 1;
const ADMIN: i64 = 2;
const ANNA: i64 = 10;
const BORIS: i64 = 11;
const CHEN: i64 = 12;

fn actor(id: i64) -> Actor {
    let role = match id {
        CUSTOMER => Role::Customer,
        ADMIN => Role::Admin,
        _ => Role::Agent,
    };
    Actor::new(UserId::new(id), role)
}

fn fake() -> Fake {
    Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(ADMIN, Role::Admin)
        .with_user(ANNA, Role::Agent)
        .with_user(BORIS, Role::Agent)
        .with_user(CHEN, Role::Agent)
        .with_category("billing", true)
        .with_category("hardware", true)
}

fn input(category: &str, priority: &str) -> CreateTicketInput {
    CreateTicketInput {
        subject: "Invoice is wrong".into(),
        description: "Charged twice".into(),
        category: category.into(),
        priority: Some(priority.into()),
        ..CreateTicketInput::default()
    }
}

async fn open(fake: &Fake, category: &str, priority: &str) -> domain::Ticket {
    CreateTicket::new(fake.ports())
        .execute(actor(CUSTOMER), input(category, priority))
        .await
        .expect("opens")
        .ticket
        .ticket
}

fn set_availability(fake: &Fake, id: i64, availability: Availability) {
    if let Some(p) = fake.state().agents.get_mut(&id) {
        p.availability = availability;
    }
}

#[tokio::test]
async fn a_new_ticket_goes_to_the_least_loaded_skilled_online_agent_with_the_reason() {
    let fake = fake()
        .with_agent(ANNA, Availability::Online, 5, &["billing"])
        .with_agent(BORIS, Availability::Online, 5, &["billing", "hardware"])
        .with_agent(CHEN, Availability::Offline, 5, &["billing"]);
    let first = open(&fake, "billing", "urgent").await;
    assert_eq!(first.status(), TicketStatus::Assigned);
    let first_agent = first.assignee_id().expect("assigned");
    assert_eq!(
        first_agent,
        UserId::new(ANNA),
        "equal loads: the lowest id of the never assigned"
    );
    // Anna now weighs 5 (urgent); Boris 0.
    let second = open(&fake, "billing", "low").await;
    assert_eq!(second.assignee_id(), Some(UserId::new(BORIS)));
    // Anna 5, Boris 1: Boris again.
    let third = open(&fake, "billing", "normal").await;
    assert_eq!(third.assignee_id(), Some(UserId::new(BORIS)));

    let s = fake.state();
    let assigned: Vec<_> = s
        .events
        .iter()
        .filter(|e| e.ticket_id == first.id())
        .map(|e| (e.actor, e.kind.event_type()))
        .collect();
    assert_eq!(
        assigned,
        vec![(Some(UserId::new(CUSTOMER)), "TicketCreated"), (None, "TicketAssigned")],
        "opened by the customer, assigned by the system"
    );
    let reason = s.events.iter().rev().find_map(|e| match &e.kind {
        TicketEventKind::Assigned { reason, .. } if e.ticket_id == third.id() => reason.clone(),
        _ => None,
    });
    let reason = reason.expect("a reason");
    assert!(
        reason.starts_with("skill billing; load 1 of 5 open (weighted 1); online"),
        "{reason}"
    );
    assert_eq!(s.commits, 3, "each ticket opened and assigned in one commit");
    assert_eq!(
        s.agents.get(&BORIS).and_then(|p| p.last_assigned_at),
        Some(crate::testing::START),
        "the last assignment is noted for the round robin"
    );
}

#[tokio::test]
async fn without_a_qualified_agent_the_ticket_waits_and_the_queue_serves_it_when_one_comes_online() {
    let fake = fake().with_agent(ANNA, Availability::Away, 5, &["billing"]).with_agent(
        BORIS,
        Availability::Online,
        5,
        &["hardware"],
    );
    let waiting = open(&fake, "billing", "normal").await;
    assert_eq!((waiting.status(), waiting.assignee_id()), (TicketStatus::New, None));

    let queue = DrainQueue::new(fake.ports(), 100);
    let idle = queue.tick().await.expect("ticks");
    assert_eq!(
        (idle.considered, idle.assigned),
        (0, 0),
        "Boris has room but not for billing: nothing read"
    );
    set_availability(&fake, ANNA, Availability::Online);
    let tick = queue.tick().await.expect("ticks");
    assert_eq!((tick.considered, tick.assigned, tick.failed), (1, 1, 0));
    let ticket = fake.state().tickets[0].clone();
    assert_eq!(
        (ticket.status(), ticket.assignee_id()),
        (TicketStatus::Assigned, Some(UserId::new(ANNA)))
    );
    assert_eq!(queue.tick().await.expect("ticks").considered, 0, "drained");
}

#[tokio::test]
async fn the_queue_serves_the_most_urgent_then_the_earliest_due_then_the_oldest() {
    let fake = fake();
    let low = open(&fake, "billing", "low").await;
    fake.set_now(crate::testing::START.plus_seconds(60));
    let old_normal = open(&fake, "billing", "normal").await;
    let urgent = open(&fake, "billing", "urgent").await;
    let due_soon = open(&fake, "billing", "normal").await;
    {
        // The latest normal ticket has an SLA due instant; the older one none.
        let mut s = fake.state();
        let slot = s.tickets.iter_mut().find(|t| t.id() == due_soon.id()).expect("stored");
        let mut parts = slot.clone().into_parts();
        parts.sla_due_at = Some(crate::testing::START.plus_seconds(3_600));
        *slot = domain::Ticket::restore(parts);
    }
    let fake = fake.with_agent(ANNA, Availability::Online, 3, &["billing"]);
    let tick = DrainQueue::new(fake.ports(), 100).tick().await.expect("ticks");
    assert_eq!((tick.considered, tick.assigned), (3, 3), "three places, three read");
    let order: Vec<_> = fake
        .state()
        .events
        .iter()
        .filter(|e| e.kind.event_type() == "TicketAssigned")
        .map(|e| e.ticket_id)
        .collect();
    assert_eq!(order, vec![urgent.id(), due_soon.id(), old_normal.id()]);
    let s = fake.state();
    let left = s.tickets.iter().find(|t| t.id() == low.id()).expect("stored");
    assert_eq!(left.status(), TicketStatus::New, "no place left for the low one");
}

#[tokio::test]
async fn the_queue_never_fills_an_agent_past_capacity_and_spreads_the_load() {
    let fake = fake();
    for _ in 0..10 {
        open(&fake, "billing", "normal").await;
    }
    let fake = fake.with_agent(ANNA, Availability::Online, 3, &["billing"]).with_agent(
        BORIS,
        Availability::Online,
        4,
        &["billing"],
    );
    let tick = DrainQueue::new(fake.ports(), 100).tick().await.expect("ticks");
    assert_eq!(tick.assigned, 7);
    assert_eq!(fake.load_of(UserId::new(ANNA)).open(), 3);
    assert_eq!(fake.load_of(UserId::new(BORIS)).open(), 4);
    let again = DrainQueue::new(fake.ports(), 100).tick().await.expect("ticks");
    assert_eq!(
        (again.considered, again.assigned),
        (0, 0),
        "full agents: the queue is not read"
    );
}

/// An agent repository that reports agents as they were a moment ago, while the store
/// (the fake) knows better: the situation of a concurrent assignment.
fn stale(agents: Vec<AgentSnapshot>) -> Arc<dyn AgentRepository> {
    let mut mock = MockAgentRepository::new();
    mock.expect_online_agents().returning(move |_| Ok(agents.clone()));
    Arc::new(mock)
}

fn snapshot(id: i64) -> AgentSnapshot {
    AgentSnapshot {
        id: UserId::new(id),
        skills: vec![Skill {
            category: CategorySlug::parse("billing").expect("valid"),
            level: None,
        }],
        availability: Availability::Online,
        capacity: 1,
        load: Load::default(),
        last_assigned_at: None,
    }
}

#[tokio::test]
async fn an_agent_who_filled_up_meanwhile_is_passed_over_and_with_nobody_left_the_ticket_waits() {
    // Anna's only place was taken by someone else after the read; Boris is away by now.
    let fake = fake()
        .with_agent(ANNA, Availability::Online, 0, &["billing"])
        .with_agent(BORIS, Availability::Away, 1, &["billing"]);
    let mut ports = fake.ports();
    ports.routing.agents = stale(vec![snapshot(ANNA), snapshot(BORIS)]);
    let created = CreateTicket::new(ports.clone())
        .execute(actor(CUSTOMER), input("billing", "normal"))
        .await
        .expect("opens anyway");
    assert_eq!(
        (created.ticket.status(), created.ticket.assignee_id()),
        (TicketStatus::New, None),
        "both refused under the lock: the ticket is opened and queued, never lost"
    );
    assert_eq!(fake.state().tickets.len(), 1);

    let tick = DrainQueue::new(ports.clone(), 10).tick().await.expect("ticks");
    assert_eq!((tick.assigned, tick.refused), (0, 2));
    set_availability(&fake, BORIS, Availability::Online);
    let tick = DrainQueue::new(ports, 10).tick().await.expect("ticks");
    assert_eq!((tick.assigned, tick.refused), (1, 1), "Anna refused again, then Boris");
    assert_eq!(fake.state().tickets[0].assignee_id(), Some(UserId::new(BORIS)));
}

#[tokio::test]
async fn a_person_cannot_give_a_ticket_to_an_offline_or_full_agent_unless_an_admin_forces_it() {
    let fake = fake()
        .with_agent(ANNA, Availability::Offline, 5, &["billing"])
        .with_agent(BORIS, Availability::Away, 1, &["hardware"]);
    let first = open(&fake, "billing", "normal").await.id().to_string();
    let second = open(&fake, "billing", "normal").await.id().to_string();
    let assign = AssignTicket::new(fake.ports());
    let to = |agent: i64, force: bool| AssignInput {
        agent_id: agent,
        reason: None,
        force,
    };
    let refused = assign.execute(actor(CHEN), &first, to(ANNA, false), None).await;
    assert!(
        matches!(
            refused,
            Err(AppError::Conflict {
                code: "agent_unavailable",
                ..
            })
        ),
        "{refused:?}"
    );
    let t = assign
        .execute(actor(CHEN), &first, to(BORIS, false), None)
        .await
        .expect("an away agent may be handed a ticket by a person");
    assert_eq!(t.assignee_id(), Some(UserId::new(BORIS)));
    let full = assign.execute(actor(CHEN), &second, to(BORIS, false), None).await;
    assert!(
        matches!(full, Err(AppError::Conflict { code: "agent_at_capacity", ref message }) if message.contains("1 open of 1")),
        "{full:?}"
    );
    let not_allowed = assign.execute(actor(CHEN), &second, to(BORIS, true), None).await;
    assert!(matches!(not_allowed, Err(AppError::Forbidden(_))), "{not_allowed:?}");
    let commits = fake.state().commits;
    let forced = assign
        .execute(actor(ADMIN), &second, to(BORIS, true), None)
        .await
        .expect("an admin forces it");
    assert_eq!(forced.assignee_id(), Some(UserId::new(BORIS)));
    assert_eq!(fake.state().commits, commits + 1, "refusals wrote nothing");
    assert_eq!(
        fake.load_of(UserId::new(BORIS)).open(),
        2,
        "over capacity, by an admin's decision"
    );

    // An agent taking a ticket themselves is checked for capacity only.
    let third = open(&fake, "billing", "normal").await.id().to_string();
    let own = assign.execute(actor(CHEN), &third, to(CHEN, false), None).await;
    assert!(own.is_ok(), "{own:?}");
}

#[tokio::test]
async fn the_assignment_record_lists_automatic_and_manual_changes_for_staff_only() {
    let fake = fake()
        .with_agent(ANNA, Availability::Online, 5, &["billing"])
        .with_agent(BORIS, Availability::Online, 5, &[]);
    let ticket = open(&fake, "billing", "normal").await;
    let id = ticket.id().to_string();
    let input = AssignInput {
        agent_id: BORIS,
        reason: Some("Anna is on leave".into()),
        force: false,
    };
    AssignTicket::new(fake.ports())
        .execute(actor(ANNA), &id, input, None)
        .await
        .expect("transfers");
    UnassignTicket::new(fake.ports())
        .execute(actor(BORIS), &id, Some("wrong team".into()), None)
        .await
        .expect("unassigns");
    let records = TicketAssignments::new(fake.ports())
        .execute(actor(ADMIN), &id)
        .await
        .expect("reads");
    let summary: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.by.map(UserId::get),
                r.agent.map(UserId::get),
                r.previous.map(UserId::get),
                r.to,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (None, Some(ANNA), None, TicketStatus::Assigned),
            (Some(ANNA), Some(BORIS), Some(ANNA), TicketStatus::Assigned),
            (Some(BORIS), None, Some(BORIS), TicketStatus::New),
        ]
    );
    assert!(
        records[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("skill billing"))
    );
    assert_eq!(records[1].reason.as_deref(), Some("Anna is on leave"));
    let customer = TicketAssignments::new(fake.ports()).execute(actor(CUSTOMER), &id).await;
    assert!(matches!(customer, Err(AppError::Forbidden(_))), "{customer:?}");
}

#[tokio::test]
async fn the_workload_counts_open_tickets_by_status_and_priority_with_the_median_response() {
    let fake = fake().with_agent(ANNA, Availability::Online, 4, &["billing"]);
    open(&fake, "billing", "urgent").await;
    open(&fake, "billing", "low").await;
    open(&fake, "billing", "normal").await;
    {
        let mut s = fake.state();
        for (i, t) in s.tickets.iter_mut().enumerate() {
            let mut parts = t.clone().into_parts();
            let minutes = [10, 30, 20][i];
            parts.first_response_at = Some(parts.created_at.plus_seconds(minutes * 60));
            if i == 1 {
                parts.status = TicketStatus::InProgress;
            }
            *t = domain::Ticket::restore(parts);
        }
    }
    let workload = Workload::new(Arc::new(fake.clone()), Arc::new(fake.clone()), Default::default());
    let report = workload.execute(actor(BORIS), None).await.expect("staff read it");
    assert_eq!(report.window_days, 30);
    let anna = &report.agents[0];
    assert_eq!((anna.user_id, anna.open, anna.capacity), (UserId::new(ANNA), 3, 4));
    assert_eq!(
        anna.by_status,
        vec![
            (TicketStatus::Assigned, 2),
            (TicketStatus::InProgress, 1),
            (TicketStatus::WaitingCustomer, 0)
        ]
    );
    assert_eq!(anna.weighted_load, 5 + 1 + 2);
    assert_eq!(anna.utilisation, Some(0.75));
    assert_eq!(
        (anna.first_responses, anna.median_first_response_seconds),
        (3, Some(1_200))
    );
    assert!(matches!(
        workload.execute(actor(CUSTOMER), None).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        workload.execute(actor(ADMIN), Some(0)).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        workload.execute(actor(ADMIN), Some(91)).await,
        Err(AppError::Invalid(_))
    ));
    assert!(workload.execute(actor(ADMIN), Some(90)).await.is_ok());
}

/// A unit of work that counts the batches of assignments it is given and commits them
/// through the fake.
struct CountingBatches {
    fake: Fake,
    batches: std::sync::Mutex<Vec<usize>>,
}

#[async_trait::async_trait]
impl crate::ports::UnitOfWork for CountingBatches {
    async fn commit(&self, changes: crate::ports::ChangeSet) -> Result<(), crate::ports::StoreError> {
        self.fake.commit(changes).await
    }

    async fn commit_each(
        &self,
        sets: Vec<crate::ports::ChangeSet>,
    ) -> Result<Vec<Result<(), crate::ports::StoreError>>, crate::ports::StoreError> {
        self.fake.commit_each(sets).await
    }

    async fn commit_assignments(
        &self,
        batch: Vec<crate::ports::QueuedAssignment>,
    ) -> Result<Vec<Result<(), crate::ports::StoreError>>, crate::ports::StoreError> {
        self.batches.lock().expect("not poisoned").push(batch.len());
        self.fake.commit_assignments(batch).await
    }
}

#[tokio::test]
async fn a_tick_commits_its_plan_in_one_batch_reading_the_slas_once_and_retries_refused_choices_in_the_next() {
    use crate::ports::MockSlaTargetRepository;
    let fake = fake();
    for _ in 0..6 {
        open(&fake, "billing", "normal").await;
    }
    // Anna's places were taken by someone else after the read; Boris and Chen have three.
    let fake = fake
        .with_agent(ANNA, Availability::Online, 0, &["billing"])
        .with_agent(BORIS, Availability::Online, 3, &["billing"])
        .with_agent(CHEN, Availability::Online, 3, &["billing"]);
    let counting = Arc::new(CountingBatches {
        fake: fake.clone(),
        batches: std::sync::Mutex::new(Vec::new()),
    });
    let mut ports = fake.ports();
    ports.uow = counting.clone();
    ports.routing.agents = stale(vec![
        AgentSnapshot {
            capacity: 3,
            ..snapshot(ANNA)
        },
        AgentSnapshot {
            capacity: 3,
            ..snapshot(BORIS)
        },
        AgentSnapshot {
            capacity: 3,
            ..snapshot(CHEN)
        },
    ]);
    let mut targets = MockSlaTargetRepository::new();
    targets.expect_sla_of().never();
    targets.expect_slas_of().times(2).returning(|_| Ok(Vec::new()));
    ports.sla.targets = Arc::new(targets);
    let tick = DrainQueue::new(ports, 10).tick().await.expect("ticks");
    assert_eq!(
        (tick.considered, tick.assigned, tick.refused, tick.conflicts),
        (6, 6, 2, 0)
    );
    assert_eq!(
        *counting.batches.lock().expect("not poisoned"),
        vec![6, 2],
        "the whole plan in one batch (two to each), then Anna's two again without her"
    );
    assert_eq!(fake.load_of(UserId::new(BORIS)).open(), 3);
    assert_eq!(fake.load_of(UserId::new(CHEN)).open(), 3);
    assert_eq!(fake.load_of(UserId::new(ANNA)).open(), 0);
}

#[tokio::test]
async fn a_failed_batch_counts_each_of_its_tickets_as_failed_and_writes_nothing() {
    let fake = fake();
    for _ in 0..2 {
        open(&fake, "billing", "normal").await;
    }
    let fake = fake.with_agent(ANNA, Availability::Online, 5, &["billing"]);
    fake.state().fail_commits = Some(crate::ports::StoreError::Unavailable("down".into()));
    let tick = DrainQueue::new(fake.ports(), 10).tick().await.expect("ticks");
    assert_eq!((tick.considered, tick.assigned, tick.failed), (2, 0, 2));
    assert!(tick.last_error.is_some());
    fake.state().fail_commits = None;
    assert_eq!(fake.load_of(UserId::new(ANNA)).open(), 0);
}
