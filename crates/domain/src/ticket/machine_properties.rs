//! Property tests: random command sequences never break the machine's rules.

use proptest::prelude::*;

use crate::access::{Actor, Role};
use crate::ids::{TicketId, UserId};
use crate::time::Timestamp;

use super::*;

#[derive(Debug, Clone)]
enum Command {
    Transition(TicketStatus),
    Assign,
    Update { priority: Priority, subject: bool },
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        proptest::sample::select(TicketStatus::ALL.to_vec()).prop_map(Command::Transition),
        Just(Command::Assign),
        (proptest::sample::select(Priority::ALL.to_vec()), any::<bool>())
            .prop_map(|(priority, subject)| Command::Update { priority, subject }),
    ]
}

fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::new(UserId::new(1), Role::Customer)),
        Just(Actor::new(UserId::new(2), Role::Customer)),
        Just(Actor::new(UserId::new(3), Role::Agent)),
        Just(Actor::new(UserId::new(4), Role::Admin)),
    ]
}

fn opened() -> Ticket {
    let new = NewTicket {
        id: TicketId::new(1),
        customer_id: UserId::new(1),
        subject: Subject::parse("subject").expect("valid"),
        description: Description::parse("description").expect("valid"),
        priority: Priority::Normal,
        category: CategorySlug::parse("general").expect("valid"),
        tags: Tags::default(),
    };
    Ticket::open(new, Actor::new(UserId::new(1), Role::Customer), Timestamp::UNIX_EPOCH)
        .expect("opens")
        .0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_command_sequence_breaks_the_machine(steps in proptest::collection::vec((actor(), command()), 0..40)) {
        let mut ticket = opened();
        for (i, (actor, cmd)) in steps.into_iter().enumerate() {
            let before = ticket.clone();
            let now = Timestamp::from_unix_seconds(i as i64 + 1);
            let outcome: Result<Option<TicketEvent>, TicketError> = match cmd {
                Command::Transition(to) => ticket.transition(to, actor, now, None).map(Some),
                Command::Assign => ticket.assign(UserId::new(3), actor, now, None).map(Some),
                Command::Update { priority, subject } => {
                    let update = TicketUpdate {
                        priority: Some(priority),
                        subject: subject.then(|| Subject::parse(&format!("subject {i}")).expect("valid")),
                        ..TicketUpdate::default()
                    };
                    ticket.update(update, actor, now)
                }
            };
            match outcome {
                Err(_) | Ok(None) => prop_assert_eq!(&ticket, &before, "refused or empty commands change nothing"),
                Ok(Some(event)) => {
                    prop_assert_eq!(ticket.version(), before.version().next(), "one change, one version");
                    prop_assert_eq!(event.ticket_id, ticket.id());
                    prop_assert_eq!(event.at, now);
                    prop_assert_eq!(ticket.parts().updated_at, now);
                    let (from, to) = (before.status(), ticket.status());
                    prop_assert!(from == to || from.can_transition_to(to), "{from} -> {to} is not an edge");
                    if from != to && !actor.is_staff() {
                        prop_assert!(to == TicketStatus::Closed || to == TicketStatus::InProgress);
                    }
                    if !actor.is_staff() {
                        prop_assert_eq!(before.customer_id(), actor.user_id, "customers change only their own tickets");
                    }
                }
            }
            let status = ticket.status();
            if !matches!(status, TicketStatus::New | TicketStatus::Closed) {
                prop_assert!(ticket.assignee_id().is_some(), "{status} without an assignee");
            }
        }
    }
}
