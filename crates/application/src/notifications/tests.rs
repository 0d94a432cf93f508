//! Notifications against the in-memory fakes: who hears about what (planning), how
//! delivery is retried and dead-lettered (dispatch), and the admins' view.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::assignment::Availability;
use domain::escalation::{Action, Channel, Condition, EscalationRule, Recipient};
use domain::sla::{Crossing, TargetKind};
use domain::{Actor, Priority, Role, TicketEvent, TicketEventKind, TicketId, UserId, Visibility};

use super::*;
use crate::comments::{AddComment, AddCommentInput, AddInternalNote, AttachmentRules, CommentPorts};
use crate::error::AppError;
use crate::escalation::{EscalateInput, EscalateTicket};
use crate::ports::{
    ChangeSet, Clock, MockNotificationGateway, MockTemplateRenderer, NewNotification, Notification,
    NotificationGateway, NotificationRepository, NotificationStatus, OutgoingMessage, Rendered, SendError, StoreError,
    TemplateContext, TemplateRenderer, UnitOfWork, Write,
};
use crate::testing::{Fake, START};
use crate::tickets::{AssignInput, AssignTicket, CreateTicket, CreateTicketInput};

const CUSTOMER: i64 = 1;
const AGENT: i64 = 2;
const SUPERVISOR: i64 = 3;
const SECOND_SUPERVISOR: i64 = 4;
const ADMIN: i64 = 9;
const SECRET: &str = "refund fraud suspected";

fn actor(id: i64) -> Actor {
    let role = match id {
        CUSTOMER => Role::Customer,
        SUPERVISOR | SECOND_SUPERVISOR => Role::Supervisor,
        ADMIN => Role::Admin,
        _ => Role::Agent,
    };
    Actor::new(UserId::new(id), role)
}

/// The agent handles billing (tickets in it are assigned to them on creation); nobody
/// handles hardware (tickets in it wait in the queue).
fn fake() -> Fake {
    Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(AGENT, Role::Agent)
        .with_user(SUPERVISOR, Role::Supervisor)
        .with_user(SECOND_SUPERVISOR, Role::Supervisor)
        .with_user(ADMIN, Role::Admin)
        .with_category("billing", true)
        .with_category("hardware", true)
        .with_agent(AGENT, Availability::Online, 5, &["billing"])
}

fn comment_ports(fake: &Fake) -> CommentPorts {
    CommentPorts {
        tickets: fake.ports(),
        comments: Arc::new(fake.clone()),
        blobs: Arc::new(fake.clone()),
        intents: Arc::new(fake.clone()),
    }
}

fn planner(fake: &Fake) -> PlanNotifications {
    let ports = PlanPorts {
        outbox: Arc::new(fake.clone()),
        notifications: Arc::new(fake.clone()),
        tickets: Arc::new(fake.clone()),
        comments: Arc::new(fake.clone()),
        rules: Arc::new(fake.clone()),
        uow: Arc::new(fake.clone()),
        clock: Arc::new(fake.clone()),
    };
    PlanNotifications::new(ports, 50, 60)
}

/// Opens a ticket as `by` for the customer; its id.
async fn open_as(fake: &Fake, by: i64, category: &str) -> i64 {
    let input = CreateTicketInput {
        subject: "Invoice is wrong".into(),
        description: "Charged twice".into(),
        category: category.into(),
        customer_id: (by != CUSTOMER).then_some(CUSTOMER),
        ..CreateTicketInput::default()
    };
    let created = CreateTicket::new(fake.ports())
        .execute(actor(by), input)
        .await
        .expect("opens");
    created.ticket.id().get()
}

async fn open(fake: &Fake, category: &str) -> i64 {
    open_as(fake, CUSTOMER, category).await
}

fn text(ticket: i64, body: &str) -> AddCommentInput {
    AddCommentInput {
        ticket: ticket.to_string(),
        body: Some(body.into()),
        ..AddCommentInput::default()
    }
}

async fn reply(fake: &Fake, by: i64, ticket: i64, body: &str) {
    AddComment::new(comment_ports(fake), AttachmentRules::default())
        .execute(actor(by), text(ticket, body))
        .await
        .expect("comment added");
}

async fn note(fake: &Fake, by: i64, ticket: i64, body: &str) {
    AddInternalNote::new(comment_ports(fake), AttachmentRules::default())
        .execute(actor(by), text(ticket, body))
        .await
        .expect("note added");
}

/// Appends an event to the history and the outbox, as a worker's commit does; its outbox id.
fn record(fake: &Fake, ticket: i64, by: Option<i64>, kind: TicketEventKind) -> i64 {
    let mut s = fake.state();
    let at = s.now;
    s.events.push(TicketEvent {
        ticket_id: TicketId::new(ticket),
        actor: by.map(UserId::new),
        at,
        kind,
    });
    s.events.len() as i64
}

fn queued(fake: &Fake) -> Vec<Notification> {
    fake.state().notifications.clone()
}

fn of_event(fake: &Fake, event: i64) -> Vec<Notification> {
    queued(fake)
        .into_iter()
        .filter(|n| n.spec.event_id == Some(event))
        .collect()
}

/// Recipient, template and channel of each notification, in queue order.
fn summary(rows: &[Notification]) -> Vec<(i64, &str, Channel)> {
    rows.iter()
        .map(|n| {
            let to = n.spec.recipient_id.map_or(0, UserId::get);
            (to, n.spec.template.as_str(), n.spec.channel)
        })
        .collect()
}

fn ctx<'a>(n: &'a Notification, key: &str) -> Option<&'a str> {
    n.spec.context.get(key).map(String::as_str)
}

// ---------------------------------------------------------------------------------------
// Planning: who hears about what.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_conversation_notifies_customer_and_assignee_and_never_leaks_the_internal_note() {
    let fake = fake();
    let ticket = open(&fake, "billing").await;
    note(&fake, AGENT, ticket, &format!("{SECRET}, check the card")).await;
    reply(&fake, AGENT, ticket, "We refunded you").await;
    reply(&fake, CUSTOMER, ticket, "Thanks, it arrived").await;
    let events = fake.state().events.clone();
    let assigned = events
        .iter()
        .find(|e| matches!(e.kind, TicketEventKind::Assigned { .. }))
        .expect("auto-assigned on creation");
    assert_eq!(assigned.actor, None, "the system assigned it");
    let note_event = events
        .iter()
        .position(|e| {
            matches!(
                e.kind,
                TicketEventKind::CommentAdded {
                    visibility: Visibility::Internal,
                    ..
                }
            )
        })
        .expect("the note is in the outbox") as i64
        + 1;

    let plan = planner(&fake);
    let tick = plan.tick().await.expect("plans");
    assert_eq!((tick.events, tick.failed), (events.len(), 0), "{tick:?}");
    let rows = queued(&fake);
    assert!(
        rows.iter().all(|n| n.spec.event_id != Some(note_event)),
        "the internal note calls for nothing: {:?}",
        summary(&rows)
    );
    for n in &rows {
        for (key, value) in &n.spec.context {
            assert!(!value.contains(SECRET), "{} leaks the note in {key}", n.spec.template);
        }
        if n.spec.recipient_id == Some(UserId::new(CUSTOMER)) {
            assert!(
                CUSTOMER_TEMPLATES.contains(&n.spec.template.as_str()),
                "{}",
                n.spec.template
            );
        }
    }
    let find = |template: &str| {
        rows.iter()
            .find(|n| n.spec.template == template)
            .unwrap_or_else(|| panic!("{template} queued: {:?}", summary(&rows)))
    };
    let replied = find("agent_replied");
    assert_eq!(replied.spec.recipient_id, Some(UserId::new(CUSTOMER)));
    assert_eq!(replied.spec.address, "u1@example.com");
    assert_eq!(ctx(replied, "comment_body"), Some("We refunded you"));
    let answered = find("customer_replied");
    assert_eq!(answered.spec.recipient_id, Some(UserId::new(AGENT)));
    assert_eq!(ctx(answered, "comment_body"), Some("Thanks, it arrived"));
    let given = find("ticket_assigned");
    assert_eq!(given.spec.recipient_id, Some(UserId::new(AGENT)));
    assert_eq!(ctx(given, "actor_name"), None, "nobody to name: the system assigned it");
    let keys: BTreeSet<&str> = rows.iter().map(|n| n.spec.idempotency_key.as_str()).collect();
    assert_eq!(keys.len(), rows.len(), "idempotency keys are unique");
    let all: BTreeSet<i64> = (1..=events.len() as i64).collect();
    assert_eq!(fake.state().outbox_done, all, "every event is processed");

    let again = plan.tick().await.expect("plans");
    assert_eq!((again.events, again.queued), (0, 0), "nothing left: {again:?}");
    assert_eq!(queued(&fake), rows);

    assert_eq!(
        summary(&rows),
        vec![
            (CUSTOMER, "ticket_created", Channel::Email),
            (AGENT, "ticket_assigned", Channel::Email),
            (CUSTOMER, "agent_replied", Channel::Email),
            (AGENT, "customer_replied", Channel::Email),
        ]
    );
    assert_eq!(tick.queued, 4);
}

#[tokio::test]
async fn the_customer_hears_that_their_ticket_was_opened_whoever_opened_it() {
    let fake = fake();
    let for_them = open_as(&fake, AGENT, "hardware").await;
    let by_them = open(&fake, "hardware").await;
    planner(&fake).tick().await.expect("plans");
    let created_for = |ticket: i64| {
        queued(&fake)
            .iter()
            .filter(|n| n.spec.ticket_id == Some(TicketId::new(ticket)) && n.spec.template == "ticket_created")
            .map(|n| n.spec.recipient_id.map(UserId::get))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        created_for(for_them),
        vec![Some(CUSTOMER)],
        "opened by an agent for them"
    );
    assert_eq!(
        created_for(by_them),
        vec![Some(CUSTOMER)],
        "opened by the customer: the receipt (\"We have received your request\") is for them"
    );
}

#[tokio::test]
async fn nobody_is_told_of_their_own_doing() {
    let fake = fake();
    let ticket = open(&fake, "hardware").await;
    let reference = ticket.to_string();
    let take = AssignInput {
        agent_id: AGENT,
        ..AssignInput::default()
    };
    AssignTicket::new(fake.ports())
        .execute(actor(AGENT), &reference, take.clone(), None)
        .await
        .expect("the agent takes it");
    reply(&fake, AGENT, ticket, "Looking into it").await;
    let escalation = EscalateInput {
        reason: "VIP".into(),
        raise_priority: None,
        reassign_to: None,
    };
    EscalateTicket::new(fake.ports())
        .execute(actor(SUPERVISOR), &reference, escalation, None)
        .await
        .expect("a supervisor escalates");
    // The contrast: a ticket someone else gives the agent.
    let given = open(&fake, "hardware").await;
    AssignTicket::new(fake.ports())
        .execute(actor(SUPERVISOR), &given.to_string(), take, None)
        .await
        .expect("the supervisor assigns it");

    let tick = planner(&fake).tick().await.expect("plans");
    assert_eq!(tick.failed, 0, "{tick:?}");
    let rows = queued(&fake);
    let to = |id: i64| -> Vec<(Option<i64>, String)> {
        rows.iter()
            .filter(|n| n.spec.recipient_id == Some(UserId::new(id)))
            .map(|n| (n.spec.ticket_id.map(TicketId::get), n.spec.template.clone()))
            .collect()
    };
    assert_eq!(
        to(AGENT),
        vec![(Some(given), "ticket_assigned".to_owned())],
        "not for taking the ticket, not for their own reply"
    );
    let handed = rows
        .iter()
        .find(|n| n.spec.template == "ticket_assigned")
        .expect("assigned");
    assert_eq!(ctx(handed, "actor_name"), Some("User 3"));
    assert!(
        to(CUSTOMER).contains(&(Some(ticket), "agent_replied".to_owned())),
        "{:?}",
        to(CUSTOMER)
    );
    assert_eq!(to(SUPERVISOR), vec![], "the escalating supervisor hears nothing");
    assert_eq!(
        to(SECOND_SUPERVISOR),
        vec![(Some(ticket), "ticket_escalated".to_owned())]
    );
}

#[tokio::test]
async fn planning_an_event_twice_queues_each_message_once() {
    let fake = fake();
    let ticket = open(&fake, "billing").await;
    reply(&fake, AGENT, ticket, "We refunded you").await;
    let plan = planner(&fake);
    plan.tick().await.expect("plans");
    let first = queued(&fake);
    assert!(first.len() >= 2, "{:?}", summary(&first));
    // As if the planner crashed after queuing but before the events were marked done.
    {
        let mut s = fake.state();
        s.outbox_done.clear();
        s.outbox_leases.clear();
    }
    let again = plan.tick().await.expect("plans again");
    assert_eq!(
        (again.events, again.failed),
        (fake.state().events.len(), 0),
        "{again:?}"
    );
    assert_eq!(queued(&fake), first, "the idempotency keys kept every row single");
}

#[tokio::test]
async fn an_sla_breach_reaches_the_assignee_and_every_active_supervisor_a_warning_only_the_assignee() {
    const RETIRED_SUPERVISOR: i64 = 5;
    let fake = fake().with_user(RETIRED_SUPERVISOR, Role::Supervisor);
    if let Some(u) = fake.state().users.iter_mut().find(|u| u.id.get() == RETIRED_SUPERVISOR) {
        u.active = false;
    }
    let ticket = open(&fake, "billing").await;
    let plan = planner(&fake);
    plan.tick().await.expect("plans the creation");
    let warned_at = START.plus_seconds(45 * 60);
    let due = START.plus_seconds(60 * 60);
    let warning = record(
        &fake,
        ticket,
        None,
        TicketEventKind::SlaCrossed {
            target: TargetKind::FirstResponse,
            crossing: Crossing::Warning(warned_at),
            policy_id: Some(1),
        },
    );
    let breach = record(
        &fake,
        ticket,
        None,
        TicketEventKind::SlaCrossed {
            target: TargetKind::Resolution,
            crossing: Crossing::Breach(due),
            policy_id: Some(1),
        },
    );
    let tick = plan.tick().await.expect("plans the crossings");
    assert_eq!((tick.events, tick.queued, tick.failed), (2, 4, 0), "{tick:?}");

    let warned = of_event(&fake, warning);
    assert_eq!(summary(&warned), vec![(AGENT, "sla_at_risk", Channel::Email)]);
    assert_eq!(ctx(&warned[0], "target"), Some("first_response"));
    assert_eq!(ctx(&warned[0], "due_at"), Some(warned_at.to_string().as_str()));

    let breached = of_event(&fake, breach);
    let mut who: Vec<i64> = summary(&breached).iter().map(|(to, _, _)| *to).collect();
    who.sort_unstable();
    assert_eq!(
        who,
        vec![AGENT, SUPERVISOR, SECOND_SUPERVISOR],
        "not the customer, not the inactive supervisor"
    );
    for n in &breached {
        assert_eq!(n.spec.template, "sla_breached");
        assert_eq!(ctx(n, "target"), Some("resolution"));
        assert_eq!(ctx(n, "due_at"), Some(due.to_string().as_str()));
    }
}

const RULE: i64 = 7;
const INTERNAL_REASON: &str = "internal reason XYZ";

/// A rule notifying the customer by e-mail and SMS, and supervisors by SMS and (again,
/// on top of the default) by e-mail, fires on an assigned ticket: the rows of that event.
/// The first supervisor has a phone and agreed to texts, the second only has a phone.
async fn escalated_by_rule(customer_phone: Option<(&str, bool)>) -> Vec<Notification> {
    let fake = fake();
    {
        let mut s = fake.state();
        s.rules.push(EscalationRule {
            id: RULE,
            name: "rule 7".into(),
            active: true,
            conditions: vec![Condition::UnassignedFor { business_minutes: 30 }],
            actions: vec![
                Action::Notify {
                    recipient: Recipient::Customer,
                    channels: vec![Channel::Email, Channel::Sms],
                },
                Action::Notify {
                    recipient: Recipient::Supervisors,
                    channels: vec![Channel::Sms],
                },
                Action::Notify {
                    recipient: Recipient::Supervisors,
                    channels: vec![Channel::Email],
                },
            ],
        });
        s.phones.insert(SUPERVISOR, ("+15550000003".into(), true));
        s.phones.insert(SECOND_SUPERVISOR, ("+15550000004".into(), false));
        if let Some((phone, opt_in)) = customer_phone {
            s.phones.insert(CUSTOMER, (phone.into(), opt_in));
        }
    }
    let ticket = open(&fake, "billing").await;
    let plan = planner(&fake);
    plan.tick().await.expect("plans the creation");
    let event = record(
        &fake,
        ticket,
        None,
        TicketEventKind::Escalated {
            rule_id: Some(RULE),
            reason: INTERNAL_REASON.into(),
            level_from: 0,
            level_to: 1,
            priority_from: Priority::Normal,
            priority_to: Priority::High,
        },
    );
    let tick = plan.tick().await.expect("plans the escalation");
    assert_eq!((tick.events, tick.failed), (1, 0), "{tick:?}");
    of_event(&fake, event)
}

#[tokio::test]
async fn a_rule_texts_the_customer_only_with_a_phone_and_their_consent_and_tells_them_nothing_internal() {
    let cases = [
        (None, vec![(Channel::Email, "u1@example.com")]),
        (Some(("+15550000001", false)), vec![(Channel::Email, "u1@example.com")]),
        (
            Some(("+15550000001", true)),
            vec![(Channel::Email, "u1@example.com"), (Channel::Sms, "+15550000001")],
        ),
    ];
    for (phone, expected) in cases {
        let rows = escalated_by_rule(phone).await;
        let to_customer: Vec<&Notification> = rows
            .iter()
            .filter(|n| n.spec.recipient_id == Some(UserId::new(CUSTOMER)))
            .collect();
        let reached: Vec<(Channel, &str)> = to_customer
            .iter()
            .map(|n| (n.spec.channel, n.spec.address.as_str()))
            .collect();
        assert_eq!(reached, expected, "phone {phone:?}");
        for n in to_customer {
            assert_eq!(n.spec.template, "escalation_customer");
            assert!(CUSTOMER_TEMPLATES.contains(&n.spec.template.as_str()));
            assert!(ctx(n, "ticket_number").is_some(), "{:?}", n.spec.context);
            for key in ["reason", "level", "rule_name", "priority_from"] {
                assert_eq!(ctx(n, key), None, "{key} is internal: {:?}", n.spec.context);
            }
            assert!(
                n.spec.context.values().all(|v| !v.contains("XYZ")),
                "{:?}",
                n.spec.context
            );
        }
    }
}

#[tokio::test]
async fn a_rule_reaches_each_supervisor_once_per_channel_and_texts_only_those_who_agreed() {
    let rows = escalated_by_rule(None).await;
    let mut supervisors: Vec<(i64, &str, &str, &str)> = rows
        .iter()
        .filter(|n| n.spec.template == "ticket_escalated")
        .map(|n| {
            let to = n.spec.recipient_id.map_or(0, UserId::get);
            (
                to,
                n.spec.template.as_str(),
                n.spec.channel.as_str(),
                n.spec.address.as_str(),
            )
        })
        .collect();
    supervisors.sort();
    assert_eq!(
        supervisors,
        vec![
            (SUPERVISOR, "ticket_escalated", "email", "u3@example.com"),
            (SUPERVISOR, "ticket_escalated", "sms", "+15550000003"),
            (SECOND_SUPERVISOR, "ticket_escalated", "email", "u4@example.com"),
        ],
        "one e-mail each despite the default and the rule both asking; SMS only with consent"
    );
    assert!(
        rows.iter().all(|n| n.spec.recipient_id != Some(UserId::new(AGENT))),
        "the rule does not name the assignee"
    );
    let staff = rows
        .iter()
        .find(|n| n.spec.recipient_id == Some(UserId::new(SUPERVISOR)))
        .expect("supervisor notified");
    assert_eq!(ctx(staff, "reason"), Some(INTERNAL_REASON), "staff see why");
    assert_eq!(ctx(staff, "rule_name"), Some("rule 7"));
    assert_eq!(ctx(staff, "level"), Some("1"));
}

#[tokio::test]
async fn a_failed_planning_gives_the_events_back_for_a_later_tick() {
    let fake = fake();
    open(&fake, "billing").await;
    let events = fake.state().events.len();
    fake.state().fail_commits = Some(StoreError::Unavailable("db down".into()));
    let plan = planner(&fake);
    let tick = plan.tick().await.expect("the tick itself succeeds");
    assert_eq!((tick.events, tick.queued, tick.failed), (events, 0, events), "{tick:?}");
    assert!(
        tick.last_error.as_deref().is_some_and(|e| e.contains("db down")),
        "{tick:?}"
    );
    {
        let s = fake.state();
        assert!(s.outbox_done.is_empty(), "not processed");
        assert!(s.notifications.is_empty());
        assert_eq!(s.outbox_leases.len(), events);
        assert!(
            s.outbox_leases.values().all(|retry| *retry > START),
            "{:?}",
            s.outbox_leases
        );
    }
    fake.state().fail_commits = None;
    fake.set_now(START.plus_seconds(30));
    assert_eq!(
        plan.tick().await.expect("ticks").events,
        0,
        "not before the retry instant"
    );
    let retry_at = fake.state().outbox_leases.values().max().copied().expect("leased");
    fake.set_now(retry_at.plus_seconds(1));
    let later = plan.tick().await.expect("ticks");
    assert_eq!((later.events, later.failed), (events, 0), "{later:?}");
    assert!(later.queued > 0, "{later:?}");
    assert_eq!(fake.state().outbox_done.len(), events);
}

// ---------------------------------------------------------------------------------------
// Dispatch: delivery, retries, dead letters, leases.
// ---------------------------------------------------------------------------------------

const ADDRESS: &str = "casey@example.com";

/// Queues a notification due now through the unit of work; its id.
async fn queue(fake: &Fake, key: &str, template: &str) -> i64 {
    let spec = NewNotification {
        idempotency_key: key.into(),
        event_id: None,
        ticket_id: Some(TicketId::new(1)),
        recipient_id: Some(UserId::new(CUSTOMER)),
        channel: Channel::Email,
        address: ADDRESS.into(),
        recipient_name: Some("Casey".into()),
        template: template.into(),
        context: TemplateContext::from([("recipient_name".to_owned(), "Casey".to_owned())]),
        at: Clock::now(fake),
    };
    let changes = ChangeSet {
        writes: vec![Write::QueueNotification(spec)],
    };
    UnitOfWork::commit(fake, changes).await.expect("queued");
    let s = fake.state();
    s.notifications
        .iter()
        .find(|n| n.spec.idempotency_key == key)
        .expect("stored")
        .id
}

fn stored(fake: &Fake, id: i64) -> Notification {
    fake.state()
        .notifications
        .iter()
        .find(|n| n.id == id)
        .cloned()
        .expect("stored")
}

/// Renders every template as "<template> for <recipient_name>".
fn renderer() -> Arc<dyn TemplateRenderer> {
    let mut r = MockTemplateRenderer::new();
    r.expect_render().returning(|template, _, context| {
        let name = context.get("recipient_name").map_or("?", String::as_str);
        Ok(Rendered {
            subject: format!("{template} for {name}"),
            text: format!("Dear {name}"),
            html: None,
        })
    });
    Arc::new(r)
}

/// A mock gateway failing the first `failures` sends with `error`, accepting the rest,
/// and keeping every message it was handed.
fn gateway(failures: usize, error: SendError) -> (Arc<dyn NotificationGateway>, Arc<Mutex<Vec<OutgoingMessage>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let calls = AtomicUsize::new(0);
    let mut g = MockNotificationGateway::new();
    let log = seen.clone();
    g.expect_send().returning(move |m| {
        log.lock().expect("lock").push(m.clone());
        match calls.fetch_add(1, Ordering::SeqCst) < failures {
            true => Err(error.clone()),
            false => Ok(()),
        }
    });
    (Arc::new(g), seen)
}

fn transient(retry_after_secs: Option<u64>) -> SendError {
    SendError::Transient {
        reason: "503 service unavailable".into(),
        retry_after_secs,
    }
}

fn dispatcher(
    fake: &Fake,
    claimant: &str,
    gateway: Arc<dyn NotificationGateway>,
    retry: RetryPolicy,
) -> DispatchNotifications {
    DispatchNotifications::new(
        Arc::new(fake.clone()),
        renderer(),
        gateway,
        Arc::new(fake.clone()),
        claimant.into(),
        10,
        60,
        3,
        retry,
    )
}

#[tokio::test]
async fn an_accepted_message_is_sent_once_with_its_rendering_address_and_key() {
    let fake = fake();
    let id = queue(&fake, "event:1:user:1:email", "agent_replied").await;
    fake.set_now(START.plus_seconds(5));
    let (gateway, seen) = gateway(0, transient(None));
    let d = dispatcher(&fake, "a", gateway, RetryPolicy::default());
    let tick = d.tick().await.expect("ticks");
    assert_eq!(
        (tick.claimed, tick.sent, tick.retried, tick.dead),
        (1, 1, 0, 0),
        "{tick:?}"
    );
    let n = stored(&fake, id);
    assert_eq!(n.status, NotificationStatus::Sent);
    assert_eq!(n.attempts, 1);
    assert_eq!(n.sent_at, Some(START.plus_seconds(5)));
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].idempotency_key, "event:1:user:1:email");
    assert_eq!(seen[0].to, ADDRESS);
    assert_eq!(seen[0].to_name.as_deref(), Some("Casey"));
    assert_eq!(seen[0].content.subject, "agent_replied for Casey");
    assert_eq!(seen[0].content.text, "Dear Casey");
    assert_eq!(d.tick().await.expect("ticks").claimed, 0, "nothing sent twice");
}

#[tokio::test]
async fn a_transient_failure_waits_at_least_the_retry_after_and_is_not_claimed_before() {
    let fake = fake();
    let id = queue(&fake, "k", "agent_replied").await;
    let (gateway, seen) = gateway(1, transient(Some(120)));
    let d = dispatcher(&fake, "a", gateway, RetryPolicy::default());
    let tick = d.tick().await.expect("ticks");
    assert_eq!((tick.claimed, tick.retried), (1, 1), "{tick:?}");
    let n = stored(&fake, id);
    assert_eq!(n.status, NotificationStatus::Pending);
    assert_eq!(n.attempts, 1);
    assert!(n.next_attempt_at >= START.plus_seconds(120), "{:?}", n.next_attempt_at);
    assert_eq!(n.last_error.as_deref(), Some("503 service unavailable"));

    fake.set_now(START.plus_seconds(60));
    assert_eq!(d.tick().await.expect("ticks").claimed, 0, "not before Retry-After");
    fake.set_now(n.next_attempt_at);
    let tick = d.tick().await.expect("ticks");
    assert_eq!((tick.claimed, tick.sent), (1, 1), "{tick:?}");
    let n = stored(&fake, id);
    assert_eq!((n.status, n.attempts), (NotificationStatus::Sent, 2));
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn without_retry_after_the_delay_backs_off_exponentially_with_jitter() {
    let fake = fake();
    let id = queue(&fake, "k", "agent_replied").await;
    let (gateway, _) = gateway(usize::MAX, transient(None));
    let policy = RetryPolicy {
        max_attempts: 10,
        base_delay_ms: 10_000,
        max_delay_ms: 3_600_000,
    };
    let d = dispatcher(&fake, "a", gateway, policy);
    let mut delays = Vec::new();
    for attempt in 1..=5_u32 {
        let before = Clock::now(&fake);
        let tick = d.tick().await.expect("ticks");
        assert_eq!(tick.retried, 1, "attempt {attempt}: {tick:?}");
        let n = stored(&fake, id);
        assert_eq!(n.attempts, attempt);
        let delay_ms = (n.next_attempt_at.unix_micros() - before.unix_micros()) / 1_000;
        let full = 10_000 * (1_i64 << (attempt - 1));
        assert!(
            (full / 2..=full).contains(&delay_ms),
            "attempt {attempt}: {delay_ms} ms outside [{}, {full}]",
            full / 2
        );
        delays.push(delay_ms);
        fake.set_now(n.next_attempt_at);
    }
    assert!(delays[4] > delays[0] * 4, "grows: {delays:?}");
}

#[test]
fn the_retry_policy_doubles_up_to_its_cap_spreads_with_the_seed_and_honours_retry_after() {
    let policy = RetryPolicy {
        max_attempts: 10,
        base_delay_ms: 1_000,
        max_delay_ms: 60_000,
    };
    for attempts in 1..=8_u32 {
        let full = (1_000_u64 << (attempts - 1)).min(60_000);
        for seed in 0..200_u64 {
            let d = policy.delay_ms(attempts, seed, None);
            assert!((full / 2..=full).contains(&d), "attempt {attempts}, seed {seed}: {d}");
        }
    }
    let spread: BTreeSet<u64> = (0..200_u64).map(|seed| policy.delay_ms(3, seed, None)).collect();
    assert!(spread.len() > 100, "jitter spreads replicas: {} distinct", spread.len());
    assert_eq!(
        policy.delay_ms(1, 42, Some(600)),
        600_000,
        "Retry-After wins when longer"
    );
    let backoff = policy.delay_ms(8, 42, None);
    assert_eq!(
        policy.delay_ms(8, 42, Some(1)),
        backoff,
        "a shorter Retry-After changes nothing"
    );
    assert!(
        (30_000..=60_000).contains(&policy.delay_ms(u32::MAX, 7, None)),
        "capped, no overflow"
    );
    assert_eq!(
        policy.delay_ms(1, 42, Some(4_294_967_296)),
        86_400_000,
        "a bogus Retry-After parks a notification for a day, not for years"
    );
}

#[tokio::test]
async fn a_permanent_refusal_is_dead_after_one_attempt_with_the_reason() {
    let fake = fake();
    let id = queue(&fake, "k", "agent_replied").await;
    let refused = SendError::Permanent {
        reason: "400 invalid address casey@".into(),
    };
    let (gateway, seen) = gateway(usize::MAX, refused);
    let d = dispatcher(&fake, "a", gateway, RetryPolicy::default());
    let tick = d.tick().await.expect("ticks");
    assert_eq!((tick.claimed, tick.dead, tick.retried), (1, 1, 0), "{tick:?}");
    let n = stored(&fake, id);
    assert_eq!(n.status, NotificationStatus::Dead);
    assert_eq!(n.attempts, 1);
    assert_eq!(n.last_error.as_deref(), Some("400 invalid address casey@"));
    fake.set_now(START.plus_seconds(86_400));
    assert_eq!(d.tick().await.expect("ticks").claimed, 0);
    assert_eq!(seen.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_message_failing_for_now_every_time_is_dead_after_the_last_attempt() {
    let fake = fake();
    let id = queue(&fake, "k", "agent_replied").await;
    let (gateway, seen) = gateway(usize::MAX, transient(None));
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let d = dispatcher(&fake, "a", gateway, policy);
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        let tick = d.tick().await.expect("ticks");
        outcomes.push((tick.claimed, tick.retried, tick.dead));
        fake.set_now(stored(&fake, id).next_attempt_at.plus_seconds(3_600));
    }
    assert_eq!(outcomes, vec![(1, 1, 0), (1, 1, 0), (1, 0, 1), (0, 0, 0)]);
    let n = stored(&fake, id);
    assert_eq!((n.status, n.attempts), (NotificationStatus::Dead, 3));
    let reason = n.last_error.expect("a reason");
    assert!(reason.contains("gave up after 3 attempts"), "{reason}");
    assert!(reason.contains("503 service unavailable"), "{reason}");
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn a_template_that_does_not_render_is_dead_and_never_sent() {
    let fake = fake();
    let id = queue(&fake, "k", "no_such_template").await;
    let mut r = MockTemplateRenderer::new();
    r.expect_render()
        .returning(|template, _, _| Err(format!("unknown template {template:?}")));
    let mut g = MockNotificationGateway::new();
    g.expect_send().never();
    let d = DispatchNotifications::new(
        Arc::new(fake.clone()),
        Arc::new(r),
        Arc::new(g),
        Arc::new(fake.clone()),
        "a".into(),
        10,
        60,
        1,
        RetryPolicy::default(),
    );
    let tick = d.tick().await.expect("ticks");
    assert_eq!((tick.claimed, tick.dead), (1, 1), "{tick:?}");
    let n = stored(&fake, id);
    assert_eq!((n.status, n.attempts), (NotificationStatus::Dead, 1));
    let reason = n.last_error.expect("a reason");
    assert!(reason.contains("no_such_template"), "{reason}");
}

/// Dispatcher A's gateway: A stalls past its lease, meanwhile B takes the row over and
/// sends it; then A's provider refuses it.
struct Overtaken {
    fake: Fake,
    rival: DispatchNotifications,
    rival_tick: Mutex<Option<DispatchTick>>,
}

#[async_trait]
impl NotificationGateway for Overtaken {
    async fn send(&self, _: &OutgoingMessage) -> Result<(), SendError> {
        let now = Clock::now(&self.fake);
        self.fake.set_now(now.plus_seconds(61));
        let tick = self.rival.tick().await.expect("b ticks");
        *self.rival_tick.lock().expect("lock") = Some(tick);
        Err(SendError::Permanent {
            reason: "a's late refusal".into(),
        })
    }
}

#[tokio::test]
async fn a_dispatcher_that_lost_its_lease_does_not_overwrite_the_new_holders_outcome() {
    let fake = fake();
    let id = queue(&fake, "k", "agent_replied").await;
    let (b_gateway, b_seen) = gateway(0, transient(None));
    let b = dispatcher(&fake, "b", b_gateway, RetryPolicy::default());
    let overtaken = Arc::new(Overtaken {
        fake: fake.clone(),
        rival: b,
        rival_tick: Mutex::new(None),
    });
    let a = dispatcher(&fake, "a", overtaken.clone(), RetryPolicy::default());
    let tick = a.tick().await.expect("a ticks");
    let rival = overtaken.rival_tick.lock().expect("lock").clone().expect("b ticked");
    assert_eq!(
        (rival.claimed, rival.sent),
        (1, 1),
        "b took the expired lease: {rival:?}"
    );
    assert_eq!((tick.claimed, tick.dead, tick.lost_lease), (1, 0, 1), "{tick:?}");
    let n = stored(&fake, id);
    assert_eq!(n.status, NotificationStatus::Sent, "b's outcome stands");
    assert_eq!(n.attempts, 1);
    assert_eq!(n.last_error, None);
    assert_eq!(b_seen.lock().expect("lock").len(), 1);
    let late = NotificationRepository::record_outcome(
        &fake,
        id,
        "a",
        Clock::now(&fake),
        crate::ports::Outcome::Dead { error: "late".into() },
    )
    .await
    .expect("records");
    assert!(!late, "a holds no lease");
}

/// Counts the sends per idempotency key, yielding so concurrent ticks interleave.
#[derive(Default)]
struct Counting {
    sends: Mutex<BTreeMap<String, usize>>,
}

#[async_trait]
impl NotificationGateway for Counting {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError> {
        tokio::task::yield_now().await;
        *self
            .sends
            .lock()
            .expect("lock")
            .entry(message.idempotency_key.clone())
            .or_default() += 1;
        Ok(())
    }
}

#[tokio::test]
async fn two_dispatchers_side_by_side_never_send_a_notification_twice() {
    let fake = fake();
    for i in 0..30 {
        queue(&fake, &format!("key-{i}"), "agent_replied").await;
    }
    let counting = Arc::new(Counting::default());
    let a = dispatcher(&fake, "a", counting.clone(), RetryPolicy::default());
    let b = dispatcher(&fake, "b", counting.clone(), RetryPolicy::default());
    let (mut by_a, mut by_b) = (0, 0);
    for _ in 0..10 {
        let (ta, tb) = tokio::join!(a.tick(), b.tick());
        let (ta, tb) = (ta.expect("a ticks"), tb.expect("b ticks"));
        assert_eq!((ta.lost_lease, tb.lost_lease), (0, 0));
        by_a += ta.sent;
        by_b += tb.sent;
        if ta.claimed + tb.claimed == 0 {
            break;
        }
    }
    assert_eq!(by_a + by_b, 30);
    assert!(by_a > 0 && by_b > 0, "both worked: {by_a} and {by_b}");
    let sends = counting.sends.lock().expect("lock").clone();
    assert_eq!(sends.len(), 30);
    assert!(sends.values().all(|n| *n == 1), "{sends:?}");
    assert!(
        fake.state()
            .notifications
            .iter()
            .all(|n| n.status == NotificationStatus::Sent && n.attempts == 1)
    );
}

// ---------------------------------------------------------------------------------------
// The admins' view.
// ---------------------------------------------------------------------------------------

/// Five notifications, ids 1 to 5: 1 and 3 dead, 4 sent, 2 and 5 pending.
async fn ledger(fake: &Fake) {
    for i in 1..=5 {
        queue(fake, &format!("key-{i}"), "agent_replied").await;
    }
    let mut s = fake.state();
    for n in s.notifications.iter_mut() {
        match n.id {
            1 | 3 => {
                n.status = NotificationStatus::Dead;
                n.attempts = 4;
                n.last_error = Some("400 bad address".into());
            }
            4 => {
                n.status = NotificationStatus::Sent;
                n.attempts = 1;
                n.sent_at = Some(START);
            }
            _ => {}
        }
    }
}

fn list_input(status: Option<&str>, before: Option<i64>, limit: Option<u32>) -> NotificationListInput {
    NotificationListInput {
        status: status.map(str::to_owned),
        before,
        limit,
    }
}

#[tokio::test]
async fn only_admins_see_and_retry_notifications() {
    let fake = fake();
    ledger(&fake).await;
    let list = ListNotifications::new(Arc::new(fake.clone()));
    let retry = RetryNotification::new(Arc::new(fake.clone()), Arc::new(fake.clone()));
    for who in [CUSTOMER, AGENT, SUPERVISOR] {
        let listed = list.execute(actor(who), NotificationListInput::default()).await;
        assert!(matches!(listed, Err(AppError::Forbidden(_))), "{who}: {listed:?}");
        let retried = retry.execute(actor(who), 1).await;
        assert!(matches!(retried, Err(AppError::Forbidden(_))), "{who}: {retried:?}");
    }
    assert_eq!(stored(&fake, 1).status, NotificationStatus::Dead, "nothing requeued");
}

#[tokio::test]
async fn the_list_filters_by_status_newest_first_in_pages() {
    let fake = fake();
    ledger(&fake).await;
    let list = ListNotifications::new(Arc::new(fake.clone()));
    let ids = |page: NotificationPage| page.items.into_iter().map(|n| n.id).collect::<Vec<_>>();
    let admin = actor(ADMIN);
    let page = |status, before, limit| list.execute(admin, list_input(status, before, limit));
    assert_eq!(ids(page(None, None, None).await.expect("lists")), vec![5, 4, 3, 2, 1]);
    assert_eq!(ids(page(Some("dead"), None, None).await.expect("lists")), vec![3, 1]);
    assert_eq!(ids(page(Some("pending"), None, None).await.expect("lists")), vec![5, 2]);
    assert_eq!(ids(page(Some("sent"), None, None).await.expect("lists")), vec![4]);
    assert_eq!(ids(page(None, None, Some(2)).await.expect("lists")), vec![5, 4]);
    assert_eq!(ids(page(None, Some(4), Some(2)).await.expect("lists")), vec![3, 2]);
    let full = page(None, None, Some(2)).await.expect("lists");
    assert_eq!(full.next_before, Some(4), "a full page points at the next");
    let last = page(None, Some(2), Some(2)).await.expect("lists");
    assert_eq!(last.next_before, None, "the last page does not");
    assert_eq!(ids(last), vec![1]);
    assert_eq!(ids(page(Some("dead"), Some(3), None).await.expect("lists")), vec![1]);
    for (before, limit, field) in [
        (None, Some(0), "limit"),
        (None, Some(101), "limit"),
        (Some(0), None, "before"),
    ] {
        let bad = page(None, before, limit).await;
        assert!(
            matches!(&bad, Err(AppError::Invalid(fields)) if fields.iter().any(|f| f.field == field)),
            "{field}: {bad:?}"
        );
    }
    let bad = page(Some("lost"), None, None).await;
    assert!(
        matches!(&bad, Err(AppError::Invalid(fields)) if fields.iter().any(|f| f.field == "status")),
        "{bad:?}"
    );
}

#[tokio::test]
async fn retrying_a_dead_notification_queues_it_afresh_and_only_dead_ones_are_retried() {
    let fake = fake();
    ledger(&fake).await;
    let later = START.plus_seconds(3_600);
    fake.set_now(later);
    let retry = RetryNotification::new(Arc::new(fake.clone()), Arc::new(fake.clone()));
    let n = retry.execute(actor(ADMIN), 3).await.expect("retries");
    assert_eq!(n.id, 3);
    assert_eq!((n.status, n.attempts), (NotificationStatus::Pending, 0));
    assert_eq!(n.next_attempt_at, later, "due now");
    assert_eq!(stored(&fake, 3), n);

    for not_dead in [4, 5] {
        let refused = retry.execute(actor(ADMIN), not_dead).await;
        assert!(
            matches!(
                &refused,
                Err(AppError::Conflict {
                    code: "notification_not_dead",
                    ..
                })
            ),
            "{not_dead}: {refused:?}"
        );
    }
    assert!(matches!(
        retry.execute(actor(ADMIN), 999).await,
        Err(AppError::NotFound(_))
    ));

    // The dispatcher picks the requeued one up at once.
    let (gateway, seen) = gateway(0, transient(None));
    let d = dispatcher(&fake, "a", gateway, RetryPolicy::default());
    let tick = d.tick().await.expect("ticks");
    assert_eq!(tick.sent, 3, "2, 3 and 5: {tick:?}");
    assert!(seen.lock().expect("lock").iter().any(|m| m.idempotency_key == "key-3"));
    assert_eq!(stored(&fake, 3).status, NotificationStatus::Sent);
}
