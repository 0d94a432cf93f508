//! A ticket's SLA through the use cases and the monitor, on the in-memory fakes with an
//! injected clock.

use std::sync::Arc;

use domain::sla::{DEFAULT_WARNING_PERCENT, SlaPolicy, TargetKind, TargetStatus};
use domain::{Actor, Priority, Role, TicketEventKind, TicketStatus, Timestamp, UserId};

use super::MonitorSla;
use crate::comments::{AddComment, AddCommentInput, AttachmentRules, CommentPorts};
use crate::testing::{Fake, START};
use crate::tickets::{
    ChangeStatus, ChangeStatusInput, CreateTicket, CreateTicketInput, UpdateTicket, UpdateTicketInput,
};

const CUSTOMER: i64 = 1;
const AGENT: i64 = 3;

fn actor(id: i64) -> Actor {
    let role = if id == AGENT { Role::Agent } else { Role::Customer };
    Actor::new(UserId::new(id), role)
}

fn policy(
    id: i64,
    priorities: &[Priority],
    first: Option<u32>,
    next: Option<u32>,
    resolution: Option<u32>,
) -> SlaPolicy {
    SlaPolicy {
        id,
        name: format!("policy {id}"),
        priorities: priorities.to_vec(),
        category: None,
        calendar_id: None,
        first_response_minutes: first,
        next_response_minutes: next,
        resolution_minutes: resolution,
        warning_percent: DEFAULT_WARNING_PERCENT,
        pause_statuses: vec![TicketStatus::WaitingCustomer],
    }
}

fn fake(policies: Vec<SlaPolicy>) -> Fake {
    let fake = Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(AGENT, Role::Agent)
        .with_category("billing", true);
    fake.state().policies = policies;
    fake
}

fn minutes(m: i64) -> Timestamp {
    START.plus_seconds(m * 60)
}

async fn open(fake: &Fake, priority: &str) -> String {
    let input = CreateTicketInput {
        subject: "Invoice is wrong".into(),
        description: "Charged twice".into(),
        category: "billing".into(),
        priority: Some(priority.into()),
        ..CreateTicketInput::default()
    };
    let created = CreateTicket::new(fake.ports())
        .execute(actor(CUSTOMER), input)
        .await
        .expect("opens");
    created.ticket.id().to_string()
}

fn monitor(fake: &Fake) -> MonitorSla {
    MonitorSla::new(
        Arc::new(fake.clone()),
        Arc::new(fake.clone()),
        Arc::new(fake.clone()),
        100,
        60,
    )
}

async fn status_to(fake: &Fake, ticket: &str, to: &str) {
    let input = ChangeStatusInput {
        to: to.into(),
        ..ChangeStatusInput::default()
    };
    ChangeStatus::new(fake.ports())
        .execute(actor(AGENT), ticket, input, None)
        .await
        .expect("status changes");
}

async fn comment(fake: &Fake, ticket: &str, by: i64) {
    let ports = CommentPorts {
        tickets: fake.ports(),
        comments: Arc::new(fake.clone()),
        blobs: Arc::new(fake.clone()),
        intents: Arc::new(fake.clone()),
    };
    let input = AddCommentInput {
        ticket: ticket.to_owned(),
        body: Some("hello".into()),
        ..AddCommentInput::default()
    };
    AddComment::new(ports, AttachmentRules::default())
        .execute(actor(by), input)
        .await
        .expect("comment added");
}

fn target_status(fake: &Fake, kind: TargetKind) -> Option<TargetStatus> {
    let s = fake.state();
    let (stored, _) = s.slas.values().next()?;
    stored.sla.target(kind).map(|t| t.status(s.now))
}

/// `(event type, target)` of the SLA events recorded so far.
fn sla_events(fake: &Fake) -> Vec<(&'static str, TargetKind)> {
    fake.state()
        .events
        .iter()
        .filter_map(|e| match e.kind {
            TicketEventKind::SlaCrossed { target, .. } => Some((e.kind.event_type(), target)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_ticket_goes_active_at_risk_paused_and_breached_with_one_warning_and_one_breach() {
    let fake = fake(vec![policy(1, &[Priority::Normal], None, None, Some(240))]);
    let ticket = open(&fake, "normal").await;
    let res = TargetKind::Resolution;
    assert_eq!(target_status(&fake, res), Some(TargetStatus::Active));

    fake.set_now(minutes(100));
    assert_eq!(monitor(&fake).tick().await.expect("tick").claimed, 0, "nothing due yet");

    // 80 % of 240 minutes is 192.
    fake.set_now(minutes(200));
    let tick = monitor(&fake).tick().await.expect("tick");
    assert_eq!((tick.claimed, tick.warnings, tick.breaches), (1, 1, 0));
    assert_eq!(target_status(&fake, res), Some(TargetStatus::AtRisk));
    assert_eq!(monitor(&fake).tick().await.expect("tick").claimed, 0, "recorded once");

    // Waiting for the customer pauses the clock with 210 minutes consumed.
    fake.set_now(minutes(210));
    status_to(&fake, &ticket, "assigned").await;
    status_to(&fake, &ticket, "in_progress").await;
    status_to(&fake, &ticket, "waiting_customer").await;
    fake.set_now(minutes(1000));
    assert_eq!(target_status(&fake, res), Some(TargetStatus::Paused));
    assert_eq!(
        monitor(&fake).tick().await.expect("tick").claimed,
        0,
        "no deadline while paused"
    );

    // The customer's reply resumes it: 30 minutes left.
    comment(&fake, &ticket, CUSTOMER).await;
    let due = fake
        .state()
        .slas
        .values()
        .next()
        .and_then(|(s, _)| s.sla.target(res)?.due_at);
    assert_eq!(due, Some(minutes(1030)));
    assert_eq!(
        target_status(&fake, res),
        Some(TargetStatus::AtRisk),
        "the warning stays"
    );
    assert_eq!(fake.state().tickets[0].parts().sla_due_at, Some(minutes(1030)));

    fake.set_now(minutes(1031));
    let tick = monitor(&fake).tick().await.expect("tick");
    assert_eq!((tick.warnings, tick.breaches), (0, 1));
    assert_eq!(target_status(&fake, res), Some(TargetStatus::Breached));
    fake.set_now(minutes(2000));
    assert_eq!(monitor(&fake).tick().await.expect("tick").claimed, 0);
    assert_eq!(sla_events(&fake), [("SlaWarning", res), ("SlaBreached", res)]);
    let events = fake.state().events.clone();
    let breach = events
        .iter()
        .find(|e| e.kind.event_type() == "SlaBreached")
        .expect("breach");
    assert_eq!(breach.actor, None, "recorded by the system");
    assert_eq!(breach.kind.visibility(), domain::Visibility::Internal, "staff only");
}

#[tokio::test]
async fn a_command_records_a_crossing_the_monitor_has_not_seen_and_the_monitor_does_not_repeat_it() {
    let fake = fake(vec![policy(1, &[Priority::Normal], Some(60), None, None)]);
    let ticket = open(&fake, "normal").await;
    fake.set_now(minutes(70));
    // Staff reply late: the first response is met, after its due instant.
    comment(&fake, &ticket, AGENT).await;
    assert_eq!(
        target_status(&fake, TargetKind::FirstResponse),
        Some(TargetStatus::Breached)
    );
    let first = TargetKind::FirstResponse;
    assert_eq!(sla_events(&fake), [("SlaWarning", first), ("SlaBreached", first)]);
    assert_eq!(monitor(&fake).tick().await.expect("tick").claimed, 0);
    assert_eq!(sla_events(&fake).len(), 2);
}

#[tokio::test]
async fn a_lease_keeps_a_second_monitor_off_and_a_lost_race_writes_nothing() {
    let fake = fake(vec![policy(1, &[Priority::Normal], Some(60), None, None)]);
    open(&fake, "normal").await;
    fake.set_now(minutes(61));
    // Someone else holds the lease: this monitor finds nothing.
    fake.state()
        .slas
        .values_mut()
        .for_each(|(_, lease)| *lease = Some(minutes(62)));
    assert_eq!(monitor(&fake).tick().await.expect("tick").claimed, 0);
    // The lease expired but a command saved the targets first: the stale save loses.
    fake.set_now(minutes(63));
    fake.state().lose_sla_races = 1;
    let tick = monitor(&fake).tick().await.expect("tick");
    assert_eq!((tick.claimed, tick.conflicts, tick.warnings), (1, 1, 0));
    assert!(sla_events(&fake).is_empty(), "nothing written by the loser");
    assert_eq!(
        monitor(&fake).tick().await.expect("tick").claimed,
        0,
        "its lease runs to 64:00"
    );
    fake.set_now(minutes(65));
    let tick = monitor(&fake).tick().await.expect("tick");
    assert_eq!((tick.warnings, tick.breaches), (1, 1), "the next tick records both");
}

#[tokio::test]
async fn next_response_cycles_start_with_a_customer_comment_after_a_staff_reply() {
    let fake = fake(vec![policy(1, &[Priority::Normal], Some(60), Some(30), None)]);
    let ticket = open(&fake, "normal").await;
    fake.set_now(minutes(5));
    comment(&fake, &ticket, CUSTOMER).await;
    assert_eq!(
        target_status(&fake, TargetKind::NextResponse),
        None,
        "no staff reply yet"
    );
    fake.set_now(minutes(10));
    comment(&fake, &ticket, AGENT).await;
    assert_eq!(target_status(&fake, TargetKind::FirstResponse), Some(TargetStatus::Met));
    fake.set_now(minutes(20));
    comment(&fake, &ticket, CUSTOMER).await;
    assert_eq!(
        target_status(&fake, TargetKind::NextResponse),
        Some(TargetStatus::Active)
    );
    fake.set_now(minutes(40));
    comment(&fake, &ticket, AGENT).await;
    assert_eq!(target_status(&fake, TargetKind::NextResponse), Some(TargetStatus::Met));
    assert!(sla_events(&fake).is_empty());
}

#[tokio::test]
async fn a_priority_change_reapplies_with_the_time_consumed_and_no_policy_drops_open_targets() {
    let fake = fake(vec![
        policy(1, &[Priority::Normal], None, None, Some(600)),
        policy(2, &[Priority::Urgent], None, None, Some(120)),
    ]);
    let ticket = open(&fake, "normal").await;
    fake.set_now(minutes(100));
    let update = |priority: &str| UpdateTicketInput {
        priority: Some(priority.into()),
        ..UpdateTicketInput::default()
    };
    UpdateTicket::new(fake.ports())
        .execute(actor(AGENT), &ticket, update("urgent"), None)
        .await
        .expect("updates");
    let (policy_id, due) = {
        let s = fake.state();
        let (stored, _) = s.slas.values().next().expect("stored");
        (
            stored.policy_id,
            stored.sla.target(TargetKind::Resolution).and_then(|t| t.due_at),
        )
    };
    assert_eq!(policy_id, Some(2));
    assert_eq!(due, Some(minutes(120)), "100 minutes consumed, 20 left");
    assert_eq!(target_status(&fake, TargetKind::Resolution), Some(TargetStatus::AtRisk));

    UpdateTicket::new(fake.ports())
        .execute(actor(AGENT), &ticket, update("low"), None)
        .await
        .expect("updates");
    let s = fake.state();
    let (stored, _) = s.slas.values().next().expect("stored");
    assert_eq!(stored.policy_id, None);
    assert!(stored.sla.targets.is_empty(), "no policy for low: nothing to promise");
    assert_eq!(s.tickets[0].parts().sla_due_at, None);
}

#[tokio::test]
async fn a_ticket_no_policy_matches_stores_nothing() {
    let fake = fake(vec![policy(1, &[Priority::Urgent], Some(60), None, None)]);
    let ticket = open(&fake, "normal").await;
    status_to(&fake, &ticket, "assigned").await;
    assert!(fake.state().slas.is_empty());
}

#[tokio::test]
async fn a_command_that_loses_only_to_the_monitor_is_retried_even_with_if_match() {
    let fake = fake(vec![policy(1, &[Priority::Normal], Some(60), None, Some(240))]);
    let ticket = open(&fake, "normal").await;
    fake.set_now(minutes(50));
    fake.state().lose_sla_races = 1;
    let input = ChangeStatusInput {
        to: "assigned".into(),
        ..ChangeStatusInput::default()
    };
    let moved = ChangeStatus::new(fake.ports())
        .execute(actor(AGENT), &ticket, input, Some(1))
        .await
        .expect("retried: the ticket itself did not move");
    assert_eq!(moved.status(), TicketStatus::Assigned);
    assert_eq!(sla_events(&fake), [("SlaWarning", TargetKind::FirstResponse)]);
}

#[tokio::test]
async fn a_policy_that_applies_later_counts_from_creation_without_the_pauses() {
    let fake = fake(vec![policy(2, &[Priority::Urgent], None, None, Some(120))]);
    let ticket = open(&fake, "normal").await;
    fake.set_now(minutes(10));
    status_to(&fake, &ticket, "assigned").await;
    status_to(&fake, &ticket, "in_progress").await;
    status_to(&fake, &ticket, "waiting_customer").await;
    fake.set_now(minutes(40));
    status_to(&fake, &ticket, "in_progress").await;
    assert!(fake.state().slas.is_empty(), "no policy for normal tickets");
    fake.set_now(minutes(100));
    let update = UpdateTicketInput {
        priority: Some("urgent".into()),
        ..UpdateTicketInput::default()
    };
    UpdateTicket::new(fake.ports())
        .execute(actor(AGENT), &ticket, update, None)
        .await
        .expect("updates");
    let s = fake.state();
    let (stored, _) = s.slas.values().next().expect("stored");
    let r = stored.sla.target(TargetKind::Resolution).expect("added");
    assert_eq!(r.started_at, START, "counts from creation");
    assert_eq!(
        r.consumed_before,
        70 * 60,
        "100 minutes open, 30 of them waiting for the customer"
    );
    assert_eq!(r.due_at, Some(minutes(150)));
}

#[tokio::test]
async fn a_pause_ended_by_unassigning_is_seen_when_a_policy_applies_later() {
    // Assignment events are internal; the pauses are still read from them.
    let fake = fake(vec![policy(2, &[Priority::Urgent], None, None, Some(120))]);
    let ticket = open(&fake, "normal").await;
    fake.set_now(minutes(10));
    status_to(&fake, &ticket, "assigned").await;
    status_to(&fake, &ticket, "in_progress").await;
    status_to(&fake, &ticket, "waiting_customer").await;
    fake.set_now(minutes(40));
    crate::tickets::UnassignTicket::new(fake.ports())
        .execute(actor(AGENT), &ticket, None, None)
        .await
        .expect("back to the queue");
    fake.set_now(minutes(100));
    let update = UpdateTicketInput {
        priority: Some("urgent".into()),
        ..UpdateTicketInput::default()
    };
    UpdateTicket::new(fake.ports())
        .execute(actor(AGENT), &ticket, update, None)
        .await
        .expect("updates");
    let s = fake.state();
    let (stored, _) = s.slas.values().next().expect("stored");
    let r = stored.sla.target(TargetKind::Resolution).expect("added");
    assert_eq!(
        r.consumed_before,
        70 * 60,
        "the pause ended when it went back to the queue"
    );
}

#[tokio::test]
async fn a_ticket_assigned_as_it_is_opened_starts_paused_under_a_policy_that_pauses_in_assigned() {
    let mut pausing = policy(3, &[Priority::Normal], None, None, Some(120));
    pausing.pause_statuses = vec![TicketStatus::Assigned];
    let fake = fake(vec![pausing]).with_agent(AGENT, domain::assignment::Availability::Online, 5, &["billing"]);
    open(&fake, "normal").await;
    assert_eq!(
        fake.state().tickets[0].status(),
        TicketStatus::Assigned,
        "auto-assigned"
    );
    assert_eq!(target_status(&fake, TargetKind::Resolution), Some(TargetStatus::Paused));
}

#[tokio::test]
async fn one_unreadable_ticket_does_not_hold_up_the_others() {
    use crate::ports::{MockSlaTargetRepository, StoreError, StoredSla};
    use domain::TicketId;
    let fake = fake(vec![policy(1, &[Priority::Normal], Some(60), None, None)]);
    open(&fake, "normal").await;
    let good = fake.state().slas.get(&1).map(|(s, _)| s.clone()).expect("stored");
    let mut targets = MockSlaTargetRepository::new();
    targets
        .expect_claim_due()
        .returning(|_, _, _| Ok(vec![TicketId::new(1), TicketId::new(2)]));
    targets
        .expect_slas_of()
        .returning(|_| Err(StoreError::Failure("corrupt SLA target row".into())));
    targets.expect_sla_of().returning(move |id| match id.get() {
        1 => Ok(good.clone()),
        _ => Err::<StoredSla, _>(StoreError::Failure("corrupt SLA target row".into())),
    });
    fake.set_now(minutes(61));
    let monitor = MonitorSla::new(
        Arc::new(targets),
        Arc::new(fake.clone()),
        Arc::new(fake.clone()),
        10,
        60,
    );
    let tick = monitor.tick().await.expect("ticks");
    assert_eq!((tick.claimed, tick.warnings, tick.breaches, tick.failed), (2, 1, 1, 1));
    assert!(tick.last_error.is_some_and(|e| e.contains("ticket 2")));
}
