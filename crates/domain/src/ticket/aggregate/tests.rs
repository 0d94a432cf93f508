//! The aggregate's unit tests.

use super::*;
use crate::access::Role;

pub(crate) fn customer() -> Actor {
    Actor::new(UserId::new(10), Role::Customer)
}

fn agent() -> Actor {
    Actor::new(UserId::new(20), Role::Agent)
}

fn t(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000 + seconds)
}

fn new_ticket() -> Ticket {
    let new = NewTicket {
        id: TicketId::new(7),
        customer_id: UserId::new(10),
        subject: Subject::parse("Printer on fire").expect("valid"),
        description: Description::parse("Smoke everywhere").expect("valid"),
        priority: Priority::High,
        category: CategorySlug::parse("hardware").expect("valid"),
        tags: Tags::default(),
    };
    Ticket::open(new, customer(), t(0))
        .expect("customer opens own ticket")
        .0
}

#[test]
fn a_transfer_keeps_the_status_and_records_the_reason() {
    let mut ticket = new_ticket();
    let other = UserId::new(21);
    assert!(
        matches!(
            ticket.transfer(other, agent(), t(1), None),
            Err(TicketError::TransitionForbidden { .. })
        ),
        "a new ticket is assigned, not transferred"
    );
    ticket.assign(agent().user_id, agent(), t(1), None).expect("assigns");
    ticket
        .transition(TicketStatus::InProgress, agent(), t(2), None)
        .expect("starts");
    let event = ticket
        .transfer(other, agent(), t(3), Some("on leave".into()))
        .expect("transfers")
        .expect("an event");
    assert_eq!(ticket.status(), TicketStatus::InProgress);
    assert_eq!(ticket.assignee_id(), Some(other));
    assert_eq!(
        event.kind,
        TicketEventKind::Assigned {
            previous: Some(agent().user_id),
            assignee: other,
            from: TicketStatus::InProgress,
            to: TicketStatus::InProgress,
            reason: Some("on leave".into()),
        }
    );
    let version = ticket.version();
    assert_eq!(ticket.transfer(other, agent(), t(4), None), Ok(None), "already theirs");
    assert_eq!(ticket.version(), version);
    assert_eq!(
        ticket.transfer(agent().user_id, customer(), t(5), None),
        Err(TicketError::ActionForbidden {
            action: TicketAction::Assign
        })
    );
}

#[test]
fn unassigning_sends_the_ticket_back_to_the_queue() {
    let mut ticket = new_ticket();
    assert!(ticket.unassign(agent(), t(1), None).is_err(), "nobody has it");
    ticket.assign(agent().user_id, agent(), t(1), None).expect("assigns");
    ticket
        .transition(TicketStatus::InProgress, agent(), t(2), None)
        .expect("starts");
    ticket
        .transition(TicketStatus::WaitingCustomer, agent(), t(3), None)
        .expect("waits");
    assert_eq!(
        ticket.unassign(customer(), t(4), None),
        Err(TicketError::ActionForbidden {
            action: TicketAction::Assign
        })
    );
    let event = ticket
        .unassign(agent(), t(4), Some("reshuffle".into()))
        .expect("unassigns");
    assert_eq!((ticket.status(), ticket.assignee_id()), (TicketStatus::New, None));
    assert_eq!(
        event.kind,
        TicketEventKind::Unassigned {
            previous: agent().user_id,
            from: TicketStatus::WaitingCustomer,
            reason: Some("reshuffle".into()),
        }
    );
    assert_eq!(event.kind.event_type(), "TicketUnassigned");
    ticket
        .assign(agent().user_id, agent(), t(5), None)
        .expect("assigned again from the queue");
    ticket
        .transition(TicketStatus::Closed, agent(), t(6), None)
        .expect("closes");
    assert_eq!(ticket.unassign(agent(), t(7), None), Err(TicketError::Closed));
}

#[test]
fn automatic_assignment_takes_only_a_queued_ticket_and_has_no_actor() {
    let mut ticket = new_ticket();
    let event = ticket
        .assign_automatically(agent().user_id, t(1), "skill billing".into())
        .expect("assigns");
    assert_eq!(event.actor, None, "the system chose");
    assert_eq!(
        (ticket.status(), ticket.assignee_id()),
        (TicketStatus::Assigned, Some(agent().user_id))
    );
    assert_eq!(
        event.kind,
        TicketEventKind::Assigned {
            previous: None,
            assignee: agent().user_id,
            from: TicketStatus::New,
            to: TicketStatus::Assigned,
            reason: Some("skill billing".into()),
        }
    );
    let version = ticket.version();
    assert!(
        ticket.assign_automatically(UserId::new(21), t(2), "x".into()).is_err(),
        "never takes a ticket from its agent"
    );
    assert_eq!(ticket.version(), version);
    ticket
        .transition(TicketStatus::Closed, agent(), t(3), None)
        .expect("closes");
    let mut closed_new = new_ticket();
    closed_new
        .transition(TicketStatus::Closed, customer(), t(1), None)
        .expect("closes");
    assert!(
        closed_new
            .assign_automatically(agent().user_id, t(2), "x".into())
            .is_err()
    );
}

#[test]
fn escalation_raises_level_and_priority_by_staff_or_a_rule_on_open_tickets_only() {
    use crate::escalation::PriorityRaise;
    let mut ticket = new_ticket();
    let manual = Escalation {
        rule_id: None,
        reason: "customer threatens to leave".into(),
        raise_level: true,
        raise_priority: Some(PriorityRaise::OneLevel),
    };
    assert_eq!(
        ticket.escalate(Some(customer()), t(1), manual.clone()),
        Err(TicketError::ActionForbidden {
            action: TicketAction::Escalate
        })
    );
    let event = ticket.escalate(Some(agent()), t(1), manual.clone()).expect("escalates");
    assert_eq!(
        (ticket.parts().escalation_level, ticket.parts().priority),
        (1, Priority::Urgent)
    );
    assert_eq!(event.actor, Some(agent().user_id));
    assert_eq!(event.kind.event_type(), "TicketEscalated");
    assert_eq!(event.kind.visibility(), Visibility::Internal);
    let by_rule = Escalation {
        rule_id: Some(4),
        reason: "rule 4: resolution breached".into(),
        raise_level: false,
        raise_priority: Some(PriorityRaise::OneLevel),
    };
    let event = ticket.escalate(None, t(2), by_rule).expect("a rule escalates");
    assert_eq!(event.actor, None);
    assert!(
        matches!(
            event.kind,
            TicketEventKind::Escalated {
                rule_id: Some(4),
                level_from: 1,
                level_to: 1,
                priority_from: Priority::Urgent,
                priority_to: Priority::Urgent,
                ..
            }
        ),
        "urgent stays urgent; the level only moves when the rule says so"
    );
    ticket
        .transition(TicketStatus::Closed, agent(), t(3), None)
        .expect("closes");
    assert_eq!(ticket.escalate(Some(agent()), t(4), manual), Err(TicketError::Closed));
}

#[test]
fn an_escalation_that_leaves_the_priority_alone_changes_nothing_a_customer_sees() {
    let mut ticket = new_ticket();
    let (public, updated_at, version) = (ticket.public_version(), ticket.parts().updated_at, ticket.version());
    let level_only = Escalation {
        rule_id: None,
        reason: "needs a second pair of eyes".into(),
        raise_level: true,
        raise_priority: None,
    };
    let event = ticket.escalate(Some(agent()), t(5), level_only).expect("escalates");
    assert_eq!(event.kind.visibility(), Visibility::Internal);
    assert_eq!(ticket.parts().escalation_level, 1, "staff see the new level");
    assert_eq!(ticket.public_version(), public, "the customer's version stays");
    assert_eq!(ticket.version_seen_by(&customer()), public);
    assert_eq!(
        ticket.parts().updated_at,
        updated_at,
        "the ticket does not move in lists"
    );
    assert_eq!(ticket.version(), version.next(), "staff's version moves");
    assert_eq!(ticket.version_seen_by(&agent()), version.next());

    let notify_only = Escalation {
        rule_id: Some(3),
        reason: "rule 3: tell the supervisors".into(),
        raise_level: false,
        raise_priority: None,
    };
    let before = ticket.clone();
    let event = ticket.escalate(None, t(6), notify_only).expect("a rule escalates");
    assert_eq!(
        event.kind.event_type(),
        "TicketEscalated",
        "still recorded and announced"
    );
    assert_eq!(ticket, before, "nothing changed, no version either");

    let raise = Escalation {
        rule_id: None,
        reason: "customer threatens to leave".into(),
        raise_level: false,
        raise_priority: Some(crate::escalation::PriorityRaise::OneLevel),
    };
    ticket.escalate(Some(agent()), t(7), raise).expect("escalates");
    assert_eq!(ticket.parts().priority, Priority::Urgent);
    assert_eq!(ticket.public_version(), public.next(), "customers see the priority");
    assert_eq!(ticket.parts().updated_at, t(7));
}

#[test]
fn opening_records_number_and_starts_new_at_version_one() {
    let ticket = new_ticket();
    assert_eq!(ticket.parts().number.as_str(), "TKT-000007");
    assert_eq!(ticket.status(), TicketStatus::New);
    assert_eq!(ticket.version(), Version::FIRST);
    assert_eq!(ticket.parts().created_by, UserId::new(10));
}

#[test]
fn customer_cannot_open_a_ticket_for_someone_else() {
    let new = NewTicket {
        customer_id: UserId::new(99),
        ..new_ticket_input()
    };
    assert_eq!(
        Ticket::open(new, customer(), t(0)).map(|_| ()),
        Err(TicketError::ActionForbidden {
            action: TicketAction::OpenForAnotherCustomer
        })
    );
    assert!(Ticket::open(new_ticket_input(), agent(), t(0)).is_ok());
}

fn new_ticket_input() -> NewTicket {
    NewTicket {
        id: TicketId::new(1),
        customer_id: UserId::new(10),
        subject: Subject::parse("s").expect("valid"),
        description: Description::parse("d").expect("valid"),
        priority: Priority::Normal,
        category: CategorySlug::parse("general").expect("valid"),
        tags: Tags::default(),
    }
}

#[test]
fn forbidden_transition_names_the_allowed_targets() {
    let mut ticket = new_ticket();
    let err = ticket.transition(TicketStatus::Resolved, agent(), t(1), None);
    assert_eq!(
        err,
        Err(TicketError::TransitionForbidden {
            from: TicketStatus::New,
            to: TicketStatus::Resolved,
            allowed: vec![TicketStatus::Assigned, TicketStatus::Closed],
        })
    );
    assert_eq!(ticket, new_ticket(), "a refused command changes nothing");
}

#[test]
fn customer_sees_only_the_targets_their_role_may_take() {
    let ticket = new_ticket();
    assert_eq!(ticket.allowed_targets_for(&customer()), vec![TicketStatus::Closed]);
}

#[test]
fn assigning_moves_new_to_assigned_and_names_the_agent() {
    let mut ticket = new_ticket();
    let event = ticket.assign(UserId::new(20), agent(), t(5), None).expect("allowed");
    assert_eq!(ticket.status(), TicketStatus::Assigned);
    assert_eq!(ticket.assignee_id(), Some(UserId::new(20)));
    assert_eq!(event.kind.event_type(), "TicketAssigned");
    assert_eq!(ticket.version(), Version::new(2));
    assert_eq!(ticket.parts().updated_at, t(5));
}

#[test]
fn customers_cannot_assign_or_start_work() {
    let mut ticket = new_ticket();
    assert_eq!(
        ticket.assign(UserId::new(10), customer(), t(1), None).map(|_| ()),
        Err(TicketError::ActionForbidden {
            action: TicketAction::Assign
        })
    );
    ticket
        .assign(UserId::new(20), agent(), t(1), None)
        .expect("agent assigns");
    assert_eq!(
        ticket
            .transition(TicketStatus::InProgress, customer(), t(2), None)
            .map(|_| ()),
        Err(TicketError::ActionForbidden {
            action: TicketAction::Transition(TicketStatus::InProgress)
        })
    );
}

#[test]
fn transition_to_assigned_needs_an_agent() {
    let mut ticket = new_ticket();
    assert_eq!(
        ticket
            .transition(TicketStatus::Assigned, agent(), t(1), None)
            .map(|_| ()),
        Err(TicketError::AssigneeRequired)
    );
}

#[test]
fn customer_may_reopen_a_resolved_ticket_and_close_their_own() {
    let mut ticket = new_ticket();
    ticket.assign(UserId::new(20), agent(), t(1), None).expect("ok");
    ticket
        .transition(TicketStatus::InProgress, agent(), t(2), None)
        .expect("ok");
    ticket
        .transition(TicketStatus::Resolved, agent(), t(3), None)
        .expect("ok");
    assert_eq!(ticket.parts().resolved_at, Some(t(3)));
    ticket
        .transition(TicketStatus::InProgress, customer(), t(4), None)
        .expect("customer reopens");
    ticket
        .transition(TicketStatus::Closed, customer(), t(5), Some("fixed".into()))
        .expect("customer closes");
    assert_eq!(ticket.parts().closed_at, Some(t(5)));
    assert_eq!(ticket.allowed_targets_for(&agent()), vec![]);
}

#[test]
fn customers_edit_words_only_and_closed_tickets_not_at_all() {
    let mut ticket = new_ticket();
    let update = TicketUpdate {
        priority: Some(Priority::Urgent),
        ..TicketUpdate::default()
    };
    assert_eq!(
        ticket.update(update, customer(), t(1)),
        Err(TicketError::ActionForbidden {
            action: TicketAction::EditField("priority")
        })
    );
    let same_priority = TicketUpdate {
        priority: Some(Priority::High),
        subject: Some(Subject::parse("Printer still on fire").expect("valid")),
        ..TicketUpdate::default()
    };
    let event = ticket.update(same_priority, customer(), t(2)).expect("allowed");
    let Some(TicketEvent {
        kind: TicketEventKind::Updated { changes },
        ..
    }) = event
    else {
        panic!("expected an update event, got {event:?}");
    };
    assert_eq!(changes.len(), 1, "an unchanged priority is not a change");
    assert_eq!(changes[0].field, "subject");
    ticket
        .transition(TicketStatus::Closed, customer(), t(3), None)
        .expect("close");
    let again = TicketUpdate {
        subject: Some(Subject::parse("x").expect("valid")),
        ..TicketUpdate::default()
    };
    assert_eq!(ticket.update(again, agent(), t(4)), Err(TicketError::Closed));
}

#[test]
fn an_update_that_changes_nothing_records_nothing() {
    let mut ticket = new_ticket();
    let update = TicketUpdate {
        priority: Some(Priority::High),
        ..TicketUpdate::default()
    };
    assert_eq!(ticket.update(update, agent(), t(1)), Ok(None));
    assert_eq!(ticket.version(), Version::FIRST);
}

#[test]
fn description_changes_are_recorded_without_the_text() {
    let mut ticket = new_ticket();
    let update = TicketUpdate {
        description: Some(Description::parse("More smoke").expect("valid")),
        ..TicketUpdate::default()
    };
    let event = ticket.update(update, agent(), t(1)).expect("ok").expect("changed");
    assert_eq!(
        event.kind,
        TicketEventKind::Updated {
            changes: vec![FieldChange {
                field: "description",
                from: None,
                to: None
            }]
        }
    );
}

fn body(text: &str) -> Option<CommentBody> {
    Some(CommentBody::parse(text).expect("valid"))
}

#[test]
fn an_internal_note_leaves_no_trace_a_customer_could_see() {
    let mut ticket = new_ticket();
    let before = ticket.clone();
    let (note, events) = ticket
        .add_comment(
            CommentId::new(1),
            body("customer is rude"),
            Visibility::Internal,
            0,
            agent(),
            t(9),
        )
        .expect("agents write notes");
    assert_eq!(note.visibility, Visibility::Internal);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind.visibility(), Visibility::Internal);
    assert_eq!(ticket.version(), before.version(), "the ETag does not move");
    assert_eq!(ticket.parts().updated_at, before.parts().updated_at);
    assert_eq!(ticket.parts().first_response_at, None, "a note is not a response");
    assert_eq!(ticket.comment_count_for(&customer()), 0);
    assert_eq!(ticket.comment_count_for(&agent()), 1);
    let mut expected = before.parts().clone();
    expected.internal_note_count = 1;
    assert_eq!(ticket.parts(), &expected, "only the staff-only counter changed");
}

#[test]
fn the_first_public_agent_reply_is_the_first_response() {
    let mut ticket = new_ticket();
    let (_, events) = ticket
        .add_comment(CommentId::new(1), body("looking"), Visibility::Public, 0, agent(), t(5))
        .expect("ok");
    assert_eq!(ticket.parts().first_response_at, Some(t(5)));
    assert_eq!(ticket.parts().last_agent_reply_at, Some(t(5)));
    assert_eq!(ticket.version(), Version::FIRST.next());
    assert!(matches!(
        events[0].kind,
        TicketEventKind::CommentAdded {
            first_response: true,
            ..
        }
    ));
    let (_, events) = ticket
        .add_comment(
            CommentId::new(2),
            body("still looking"),
            Visibility::Public,
            0,
            agent(),
            t(8),
        )
        .expect("ok");
    assert_eq!(ticket.parts().first_response_at, Some(t(5)), "recorded once");
    assert_eq!(ticket.parts().last_agent_reply_at, Some(t(8)));
    assert!(matches!(
        events[0].kind,
        TicketEventKind::CommentAdded {
            first_response: false,
            ..
        }
    ));
    assert_eq!(ticket.comment_count_for(&customer()), 2);
}

#[test]
fn a_customer_reply_reopens_or_resumes_and_closed_refuses() {
    for waiting in [TicketStatus::WaitingCustomer, TicketStatus::Resolved] {
        let mut ticket = new_ticket();
        ticket.assign(UserId::new(20), agent(), t(1), None).expect("ok");
        ticket
            .transition(TicketStatus::InProgress, agent(), t(2), None)
            .expect("ok");
        ticket.transition(waiting, agent(), t(3), None).expect("ok");
        let version = ticket.version();
        let (comment, events) = ticket
            .add_comment(CommentId::new(1), None, Visibility::Public, 2, customer(), t(4))
            .expect("customers reply with files only");
        assert!(!comment.by_staff);
        assert_eq!(ticket.status(), TicketStatus::InProgress);
        assert_eq!(ticket.version(), version.next(), "one command, one version");
        assert_eq!(ticket.parts().last_customer_comment_at, Some(t(4)));
        assert_eq!(events.len(), 2);
        assert!(matches!(
            events[1].kind,
            TicketEventKind::StatusChanged { from, to: TicketStatus::InProgress, .. } if from == waiting
        ));
    }
    let mut ticket = new_ticket();
    ticket
        .transition(TicketStatus::Closed, customer(), t(1), None)
        .expect("ok");
    let before = ticket.clone();
    assert_eq!(
        ticket
            .add_comment(
                CommentId::new(1),
                body("hello?"),
                Visibility::Public,
                0,
                customer(),
                t(2)
            )
            .map(|_| ()),
        Err(TicketError::Closed)
    );
    assert_eq!(ticket, before);
}

#[test]
fn customers_write_no_notes_and_strangers_nothing() {
    let mut ticket = new_ticket();
    assert_eq!(
        ticket
            .add_comment(
                CommentId::new(1),
                body("psst"),
                Visibility::Internal,
                0,
                customer(),
                t(1)
            )
            .map(|_| ()),
        Err(TicketError::ActionForbidden {
            action: TicketAction::WriteInternalNote
        })
    );
    let stranger = Actor::new(UserId::new(99), Role::Customer);
    assert_eq!(
        ticket
            .add_comment(CommentId::new(1), body("hi"), Visibility::Public, 0, stranger, t(1))
            .map(|_| ()),
        Err(TicketError::NotVisible)
    );
}

#[test]
fn a_rule_hands_a_ticket_to_an_agent_or_back_to_a_queue() {
    use crate::escalation::Reassign;
    let other = UserId::new(21);
    let mut ticket = new_ticket();
    let events = ticket
        .reassign_by_rule(&Reassign::Agent(other), t(1), "rule".into())
        .expect("assigns");
    assert_eq!(
        (ticket.status(), ticket.assignee_id()),
        (TicketStatus::Assigned, Some(other))
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, None);
    assert!(
        ticket
            .reassign_by_rule(&Reassign::Agent(other), t(2), "again".into())
            .expect("no change")
            .is_empty()
    );
    ticket
        .transition(TicketStatus::InProgress, Actor::new(other, Role::Agent), t(3), None)
        .expect("starts");
    let moved = ticket
        .reassign_by_rule(&Reassign::Agent(agent().user_id), t(4), "to 20".into())
        .expect("transfers");
    assert_eq!(ticket.status(), TicketStatus::InProgress, "a transfer keeps the status");
    assert!(matches!(&moved[0].kind, TicketEventKind::Assigned { previous: Some(p), .. } if *p == other));
    let version = ticket.version();
    let software = CategorySlug::parse("software").expect("valid");
    let queued = ticket
        .reassign_by_rule(
            &Reassign::Queue {
                category: Some(software.clone()),
            },
            t(5),
            "to software".into(),
        )
        .expect("queues");
    assert_eq!((ticket.status(), ticket.assignee_id()), (TicketStatus::New, None));
    assert_eq!(ticket.parts().category, software);
    assert_eq!(queued.len(), 2, "unassigned, then the category changed");
    assert!(ticket.version() > version);
    let mut done = new_ticket();
    done.assign(agent().user_id, agent(), t(1), None).expect("assigns");
    done.transition(TicketStatus::InProgress, agent(), t(2), None)
        .expect("starts");
    done.transition(TicketStatus::Resolved, agent(), t(2), None)
        .expect("resolves");
    assert_eq!(
        done.reassign_by_rule(&Reassign::Queue { category: None }, t(3), "late".into()),
        Err(TicketError::Resolved)
    );
}
