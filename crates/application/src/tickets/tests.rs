//! Use-case tests of the ticket commands against the in-memory fakes.

use domain::{Actor, Role, TicketError, TicketStatus, UserId};

use super::*;
use crate::error::AppError;
use crate::testing::Fake;

const CUSTOMER: i64 = 1;
const OTHER_CUSTOMER: i64 = 2;
const AGENT: i64 = 3;

fn actor(id: i64) -> Actor {
    let role = match id {
        AGENT => Role::Agent,
        _ => Role::Customer,
    };
    Actor::new(UserId::new(id), role)
}

fn fake() -> Fake {
    Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(OTHER_CUSTOMER, Role::Customer)
        .with_user(AGENT, Role::Agent)
        .with_category("billing", true)
        .with_category("retired", false)
}

fn input() -> CreateTicketInput {
    CreateTicketInput {
        subject: "Invoice is wrong".into(),
        description: "Charged twice in November".into(),
        category: "billing".into(),
        tags: vec!["Refund".into()],
        ..CreateTicketInput::default()
    }
}

async fn open(fake: &Fake) -> domain::Ticket {
    CreateTicket::new(fake.ports())
        .execute(actor(CUSTOMER), input())
        .await
        .expect("opens")
        .ticket
        .ticket
}

#[tokio::test]
async fn customer_opens_a_ticket_with_one_history_entry_in_one_commit() {
    let fake = fake();
    let ticket = open(&fake).await;
    assert_eq!(ticket.parts().number.as_str(), "TKT-000001");
    assert_eq!(
        ticket.parts().priority,
        domain::Priority::Normal,
        "priority defaults to normal"
    );
    assert_eq!(ticket.parts().tags.to_strings(), ["refund"]);
    let s = fake.state();
    assert_eq!((s.commits, s.events.len(), s.tickets.len()), (1, 1, 1));
}

#[tokio::test]
async fn every_bad_field_is_reported_and_nothing_is_written() {
    let fake = fake();
    let bad = CreateTicketInput {
        subject: "x".repeat(201),
        description: " ".into(),
        priority: Some("critical".into()),
        category: "Not A Slug".into(),
        tags: vec!["no spaces".into()],
        ..CreateTicketInput::default()
    };
    let Err(AppError::Invalid(fields)) = CreateTicket::new(fake.ports()).execute(actor(CUSTOMER), bad).await else {
        panic!("expected a validation error");
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["subject", "description", "priority", "category", "tags"]);
    assert_eq!(fake.state().commits, 0);
}

#[tokio::test]
async fn an_inactive_or_unknown_category_is_refused() {
    let fake = fake();
    for category in ["retired", "nope"] {
        let result = CreateTicket::new(fake.ports())
            .execute(
                actor(CUSTOMER),
                CreateTicketInput {
                    category: category.into(),
                    ..input()
                },
            )
            .await;
        assert!(
            matches!(result, Err(AppError::Invalid(ref f)) if f[0].field == "category"),
            "{category}: {result:?}"
        );
    }
    assert_eq!(fake.state().commits, 0);
}

#[tokio::test]
async fn staff_open_tickets_for_a_named_customer_only() {
    let fake = fake();
    let create = CreateTicket::new(fake.ports());
    let missing = create.execute(actor(AGENT), input()).await;
    assert!(matches!(missing, Err(AppError::Invalid(ref f)) if f[0].field == "customer_id"));
    let agent_as_customer = create
        .execute(
            actor(AGENT),
            CreateTicketInput {
                customer_id: Some(AGENT),
                ..input()
            },
        )
        .await;
    assert!(matches!(agent_as_customer, Err(AppError::Invalid(_))));
    let ok = create
        .execute(
            actor(AGENT),
            CreateTicketInput {
                customer_id: Some(CUSTOMER),
                ..input()
            },
        )
        .await
        .expect("opens");
    assert_eq!(ok.ticket.customer_id(), UserId::new(CUSTOMER));
    assert_eq!(ok.ticket.parts().created_by, UserId::new(AGENT));
}

#[tokio::test]
async fn customers_cannot_open_tickets_for_others() {
    let fake = fake();
    let result = CreateTicket::new(fake.ports())
        .execute(
            actor(CUSTOMER),
            CreateTicketInput {
                customer_id: Some(OTHER_CUSTOMER),
                ..input()
            },
        )
        .await;
    assert!(matches!(
        result,
        Err(AppError::Ticket(TicketError::ActionForbidden { .. }))
    ));
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_returns_the_first_ticket() {
    let fake = fake();
    let create = CreateTicket::new(fake.ports());
    let keyed = CreateTicketInput {
        idempotency_key: Some("k-1".into()),
        ..input()
    };
    let first = create.execute(actor(CUSTOMER), keyed.clone()).await.expect("opens");
    let again = create.execute(actor(CUSTOMER), keyed.clone()).await.expect("replays");
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.ticket.id(), again.ticket.id());
    assert_eq!(fake.state().tickets.len(), 1);
    let different = CreateTicketInput {
        subject: "Something else".into(),
        ..keyed
    };
    assert!(matches!(
        create.execute(actor(CUSTOMER), different).await,
        Err(AppError::IdempotencyKeyReused)
    ));
}

#[tokio::test]
async fn another_customers_ticket_is_not_found_for_every_use_case() {
    let fake = fake();
    let ticket = open(&fake).await;
    let id = ticket.id().to_string();
    let other = actor(OTHER_CUSTOMER);
    let ports = fake.ports();
    assert!(matches!(
        GetTicket::new(ports.clone()).execute(other, &id).await,
        Err(AppError::NotFound("ticket"))
    ));
    assert!(matches!(
        TicketHistory::new(ports.clone()).execute(other, &id, None, None).await,
        Err(AppError::NotFound("ticket"))
    ));
    let update = UpdateTicketInput {
        subject: Some("mine now".into()),
        ..Default::default()
    };
    assert!(matches!(
        UpdateTicket::new(ports.clone()).execute(other, &id, update, None).await,
        Err(AppError::NotFound("ticket"))
    ));
    assert!(matches!(
        CloseTicket::new(ports.clone()).execute(other, &id, None, None).await,
        Err(AppError::NotFound("ticket"))
    ));
    let to = ChangeStatusInput {
        to: "closed".into(),
        ..Default::default()
    };
    assert!(matches!(
        ChangeStatus::new(ports).execute(other, &id, to, None).await,
        Err(AppError::NotFound("ticket"))
    ));
    assert_eq!(fake.state().events.len(), 1, "only the creation was recorded");
}

#[tokio::test]
async fn a_stale_if_match_is_refused_and_a_current_one_accepted() {
    let fake = fake();
    let ticket = open(&fake).await;
    let id = ticket.id().to_string();
    let update = UpdateTicket::new(fake.ports());
    let edit = |s: &str| UpdateTicketInput {
        subject: Some(s.into()),
        ..Default::default()
    };
    let updated = update
        .execute(actor(CUSTOMER), &id, edit("v2"), Some(1))
        .await
        .expect("current version");
    assert_eq!(updated.version().get(), 2);
    let stale = update.execute(actor(CUSTOMER), &id, edit("v3"), Some(1)).await;
    assert!(matches!(stale, Err(AppError::PreconditionFailed { expected: 1, current }) if current.get() == 2));
}

#[tokio::test]
async fn a_lost_race_is_retried_without_if_match_and_reported_with_it() {
    let fake = fake();
    let ticket = open(&fake).await;
    let id = ticket.id().to_string();
    let update = UpdateTicket::new(fake.ports());
    let edit = UpdateTicketInput {
        subject: Some("retried".into()),
        ..Default::default()
    };
    fake.state().lose_races = 1;
    assert!(update.execute(actor(CUSTOMER), &id, edit.clone(), None).await.is_ok());
    fake.state().lose_races = 1;
    let edit = UpdateTicketInput {
        subject: Some("raced".into()),
        ..Default::default()
    };
    assert!(matches!(
        update.execute(actor(CUSTOMER), &id, edit, Some(2)).await,
        Err(AppError::PreconditionFailed { .. })
    ));
}

#[tokio::test]
async fn a_forbidden_transition_names_the_allowed_targets_and_changes_nothing() {
    let fake = fake();
    let ticket = open(&fake).await;
    let id = ticket.id().to_string();
    let to = ChangeStatusInput {
        to: "resolved".into(),
        ..Default::default()
    };
    let result = ChangeStatus::new(fake.ports())
        .execute(actor(AGENT), &id, to, None)
        .await;
    let Err(AppError::Ticket(TicketError::TransitionForbidden { allowed, .. })) = result else {
        panic!("expected a forbidden transition, got {result:?}");
    };
    assert_eq!(allowed, [TicketStatus::Assigned, TicketStatus::Closed]);
    assert_eq!(fake.state().commits, 1);
}

#[tokio::test]
async fn assigning_defaults_to_the_acting_agent_and_checks_named_assignees() {
    let fake = fake();
    let ticket = open(&fake).await;
    let id = ticket.id().to_string();
    let change = ChangeStatus::new(fake.ports());
    let to_customer = ChangeStatusInput {
        to: "assigned".into(),
        assignee_id: Some(CUSTOMER),
        reason: None,
    };
    assert!(matches!(
        change.execute(actor(AGENT), &id, to_customer, None).await,
        Err(AppError::Invalid(_))
    ));
    let to_me = ChangeStatusInput {
        to: "assigned".into(),
        ..Default::default()
    };
    let assigned = change.execute(actor(AGENT), &id, to_me, None).await.expect("assigns");
    assert_eq!(assigned.assignee_id(), Some(UserId::new(AGENT)));
    assert_eq!(assigned.status(), TicketStatus::Assigned);
}

#[tokio::test]
async fn customers_list_only_their_own_tickets() {
    let fake = fake();
    open(&fake).await;
    CreateTicket::new(fake.ports())
        .execute(actor(OTHER_CUSTOMER), input())
        .await
        .expect("opens");
    let search = SearchTickets::new(fake.ports());
    let asked_for_other = TicketListInput {
        customer_id: Some(OTHER_CUSTOMER),
        ..Default::default()
    };
    let page = search.execute(actor(CUSTOMER), asked_for_other).await.expect("lists");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].customer_id(), UserId::new(CUSTOMER));
    assert_eq!(
        search
            .execute(actor(AGENT), TicketListInput::default())
            .await
            .expect("lists")
            .items
            .len(),
        2
    );
}

#[tokio::test]
async fn list_parameters_are_validated() {
    let fake = fake();
    let bad = TicketListInput {
        statuses: vec!["open".into()],
        sort: Some("age".into()),
        limit: Some(0),
        ..Default::default()
    };
    let Err(AppError::Invalid(fields)) = SearchTickets::new(fake.ports()).execute(actor(AGENT), bad).await else {
        panic!("expected a validation error");
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["status", "sort", "limit"]);
}

#[tokio::test]
async fn history_pages_oldest_first() {
    let fake = fake();
    let ticket = open(&fake).await;
    let id = ticket.id().to_string();
    let close = CloseTicket::new(fake.ports());
    close
        .execute(actor(CUSTOMER), &id, Some("solved myself".into()), None)
        .await
        .expect("closes");
    let history = TicketHistory::new(fake.ports());
    let first = history
        .execute(actor(CUSTOMER), &id, None, Some(1))
        .await
        .expect("reads");
    assert_eq!(first.items.len(), 1);
    assert_eq!(first.items[0].kind.event_type(), "TicketCreated");
    let second = history
        .execute(actor(CUSTOMER), &id, first.next, Some(1))
        .await
        .expect("reads");
    assert_eq!(second.items[0].kind.event_type(), "TicketStatusChanged");
    assert_eq!(second.next, None);
}

#[tokio::test]
async fn staff_assign_transfer_with_a_reason_and_send_back_to_the_queue() {
    let fake = fake()
        .with_user(4, Role::Agent)
        .with_agent(4, domain::assignment::Availability::Away, 5, &[]);
    let ticket = open(&fake).await;
    let id = ticket.id().to_string();
    let assign = AssignTicket::new(fake.ports());
    let to = |agent: i64, reason: Option<&str>| AssignInput {
        agent_id: agent,
        reason: reason.map(str::to_owned),
        force: false,
    };
    let t = assign
        .execute(actor(AGENT), &id, to(AGENT, None), None)
        .await
        .expect("assigns");
    assert_eq!(
        (t.status(), t.assignee_id()),
        (TicketStatus::Assigned, Some(UserId::new(AGENT)))
    );
    let t = assign
        .execute(actor(AGENT), &id, to(4, Some("  on leave ")), None)
        .await
        .expect("transfers");
    assert_eq!(
        (t.status(), t.assignee_id()),
        (TicketStatus::Assigned, Some(UserId::new(4)))
    );
    let last = fake.state().events.last().map(|e| e.kind.clone());
    assert!(
        matches!(last, Some(domain::TicketEventKind::Assigned { reason: Some(ref r), .. }) if r == "on leave"),
        "{last:?}"
    );
    let version = t.version();
    let same = assign
        .execute(actor(AGENT), &id, to(4, None), None)
        .await
        .expect("no change");
    assert_eq!(
        same.version(),
        version,
        "giving it to the agent who has it changes nothing"
    );

    let refused = assign.execute(actor(AGENT), &id, to(CUSTOMER, None), None).await;
    assert!(
        matches!(refused, Err(AppError::Invalid(ref f)) if f[0].field == "agent_id"),
        "{refused:?}"
    );
    let refused = assign.execute(actor(CUSTOMER), &id, to(AGENT, None), None).await;
    assert!(
        matches!(refused, Err(AppError::Ticket(TicketError::ActionForbidden { .. }))),
        "{refused:?}"
    );
    let refused = assign.execute(actor(OTHER_CUSTOMER), &id, to(AGENT, None), None).await;
    assert!(matches!(refused, Err(AppError::NotFound("ticket"))), "{refused:?}");

    let unassign = UnassignTicket::new(fake.ports());
    let t = unassign
        .execute(actor(AGENT), &id, Some("reshuffle".into()), None)
        .await
        .expect("unassigns");
    assert_eq!((t.status(), t.assignee_id()), (TicketStatus::New, None));
    let again = unassign.execute(actor(AGENT), &id, None, None).await;
    assert!(
        matches!(again, Err(AppError::Ticket(TicketError::TransitionForbidden { .. }))),
        "{again:?}"
    );
}

#[tokio::test]
async fn the_view_names_the_assignee_for_everyone_and_shows_staff_parts_to_staff_only() {
    let fake = fake();
    let ticket = open(&fake).await;
    let id = ticket.id().to_string();
    let to_me = ChangeStatusInput {
        to: "assigned".into(),
        ..Default::default()
    };
    let staff_view = ChangeStatus::new(fake.ports())
        .execute(actor(AGENT), &id, to_me, None)
        .await
        .expect("assigns");
    assert_eq!(staff_view.assignee_name.as_deref(), Some("User 3"));
    let staff = staff_view.staff.as_ref().expect("staff see the staff-only parts");
    assert_eq!(staff.internal_note_count, 0);
    assert_eq!(staff.escalation_level, 0);
    // No policy applies: an SLA without targets, not a missing one.
    assert_eq!(staff.sla, Some(crate::sla::SlaView::default()));

    let customer_view = GetTicket::new(fake.ports())
        .execute(actor(CUSTOMER), &id)
        .await
        .expect("reads");
    assert_eq!(customer_view.assignee_name.as_deref(), Some("User 3"));
    assert!(customer_view.staff.is_none(), "customers see no staff-only part");
    assert_eq!(
        customer_view.allowed_transitions,
        customer_view.ticket.allowed_targets_for(&actor(CUSTOMER))
    );

    let page = SearchTickets::new(fake.ports())
        .execute(actor(AGENT), TicketListInput::default())
        .await
        .expect("lists");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].assignee_name.as_deref(), Some("User 3"));
    assert!(page.items[0].staff.is_some());
}
