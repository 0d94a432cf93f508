//! A person's escalation and the escalation record, against the in-memory fakes.

use domain::assignment::Availability;
use domain::{Actor, Priority, Role, TicketError, TicketEventKind, TicketStatus, UserId};

use super::*;
use crate::error::AppError;
use crate::testing::Fake;
use crate::tickets::{CreateTicket, CreateTicketInput};

const CUSTOMER: i64 = 1;
const AGENT: i64 = 2;
const SUPERVISOR: i64 = 3;
const OFFLINE: i64 = 4;

fn actor(id: i64) -> Actor {
    let role = match id {
        CUSTOMER => Role::Customer,
        SUPERVISOR => Role::Supervisor,
        _ => Role::Agent,
    };
    Actor::new(UserId::new(id), role)
}

fn fake() -> Fake {
    Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(AGENT, Role::Agent)
        .with_user(SUPERVISOR, Role::Supervisor)
        .with_user(OFFLINE, Role::Agent)
        .with_category("billing", true)
        .with_agent(AGENT, Availability::Online, 5, &["billing"])
        .with_agent(SUPERVISOR, Availability::Online, 5, &[])
}

async fn open(fake: &Fake) -> String {
    let input = CreateTicketInput {
        subject: "Invoice is wrong".into(),
        description: "Charged twice".into(),
        category: "billing".into(),
        ..CreateTicketInput::default()
    };
    let created = CreateTicket::new(fake.ports())
        .execute(actor(CUSTOMER), input)
        .await
        .expect("opens");
    created.ticket.id().to_string()
}

fn input(reason: &str, raise: Option<&str>, to: Option<i64>) -> EscalateInput {
    EscalateInput {
        reason: reason.into(),
        raise_priority: raise.map(str::to_owned),
        reassign_to: to,
    }
}

#[tokio::test]
async fn an_agent_escalates_with_a_reason_a_priority_raise_and_a_hand_over_in_one_commit() {
    let fake = fake();
    let id = open(&fake).await;
    let commits = fake.state().commits;
    let escalate = EscalateTicket::new(fake.ports());
    let t = escalate
        .execute(
            actor(AGENT),
            &id,
            input(" VIP customer ", Some("one_level"), Some(SUPERVISOR)),
            None,
        )
        .await
        .expect("escalates");
    assert_eq!(t.parts().escalation_level, 1);
    assert_eq!(t.parts().priority, Priority::High);
    assert_eq!(t.assignee_id(), Some(UserId::new(SUPERVISOR)));
    assert_eq!(fake.state().commits, commits + 1, "one transaction");
    let kinds: Vec<&str> = fake
        .state()
        .events
        .iter()
        .map(|e| e.kind.event_type())
        .collect::<Vec<_>>()[2..]
        .to_vec();
    assert_eq!(kinds, vec!["TicketEscalated", "TicketAssigned"]);

    let t = escalate
        .execute(actor(SUPERVISOR), &id, input("still stuck", Some("urgent"), None), None)
        .await
        .expect("escalates again");
    assert_eq!((t.parts().escalation_level, t.parts().priority), (2, Priority::Urgent));
    let records = TicketEscalations::new(fake.ports())
        .execute(actor(AGENT), &id)
        .await
        .expect("reads");
    let summary: Vec<_> = records
        .iter()
        .map(|r| (r.by.map(UserId::get), r.reason.as_str(), r.level, r.priority))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Some(AGENT), "VIP customer", (0, 1), (Priority::Normal, Priority::High)),
            (
                Some(SUPERVISOR),
                "still stuck",
                (1, 2),
                (Priority::High, Priority::Urgent)
            ),
        ]
    );
    assert!(matches!(
        TicketEscalations::new(fake.ports()).execute(actor(CUSTOMER), &id).await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn bad_escalations_are_refused_and_change_nothing() {
    let fake = fake();
    let id = open(&fake).await;
    let escalate = EscalateTicket::new(fake.ports());
    let commits = fake.state().commits;
    let bad = escalate
        .execute(actor(AGENT), &id, input("  ", Some("sky-high"), None), None)
        .await;
    assert!(
        matches!(&bad, Err(AppError::Invalid(f)) if f.len() == 2),
        "reason and raise_priority reported together: {bad:?}"
    );
    let customer = escalate
        .execute(actor(CUSTOMER), &id, input("please", None, None), None)
        .await;
    assert!(
        matches!(customer, Err(AppError::Ticket(TicketError::ActionForbidden { .. }))),
        "{customer:?}"
    );
    let to_customer = escalate
        .execute(actor(AGENT), &id, input("x", None, Some(CUSTOMER)), None)
        .await;
    assert!(matches!(to_customer, Err(AppError::Invalid(_))), "{to_customer:?}");
    let offline = escalate
        .execute(actor(AGENT), &id, input("x", None, Some(OFFLINE)), None)
        .await;
    assert!(
        matches!(
            offline,
            Err(AppError::Conflict {
                code: "agent_unavailable",
                ..
            })
        ),
        "the hand-over is checked like an assignment: {offline:?}"
    );
    let stale = escalate
        .execute(actor(AGENT), &id, input("x", None, None), Some(99))
        .await;
    assert!(matches!(stale, Err(AppError::PreconditionFailed { .. })), "{stale:?}");
    assert_eq!(fake.state().commits, commits, "nothing written");
    let s = fake.state();
    assert!(
        !s.events
            .iter()
            .any(|e| matches!(e.kind, TicketEventKind::Escalated { .. }))
    );
    assert_eq!(
        s.tickets[0].status(),
        TicketStatus::Assigned,
        "auto-assigned on creation, untouched"
    );
}

mod rules {
    use std::sync::Arc;

    use domain::escalation::{Action, Channel, Condition, PriorityRaise, Recipient, SlaTrouble};
    use domain::sla::TargetKind;
    use domain::{Priority, Role};

    use super::super::*;
    use super::{AGENT, CUSTOMER, actor, fake};
    use crate::error::AppError;
    use crate::testing::Fake;

    const ADMIN: i64 = 9;

    fn manage(fake: &Fake) -> ManageRules {
        ManageRules::new(RulePorts {
            rules: Arc::new(fake.clone()),
            categories: Arc::new(fake.clone()),
            users: Arc::new(fake.clone()),
            clock: Arc::new(fake.clone()),
            checks: Arc::new(fake.clone()),
        })
    }

    fn admin() -> domain::Actor {
        domain::Actor::new(domain::UserId::new(ADMIN), Role::Admin)
    }

    fn breach_rule(name: &str) -> RuleInput {
        RuleInput {
            name: Some(name.into()),
            active: None,
            conditions: Some(vec![
                ConditionInput {
                    kind: "sla".into(),
                    target: Some("resolution".into()),
                    trouble: Some("breached".into()),
                    ..Default::default()
                },
                ConditionInput {
                    kind: "priority_at_least".into(),
                    priority: Some("high".into()),
                    ..Default::default()
                },
            ]),
            actions: Some(vec![
                ActionInput {
                    kind: "raise_priority".into(),
                    ..Default::default()
                },
                ActionInput {
                    kind: "notify".into(),
                    recipient: Some("supervisors".into()),
                    channels: vec!["email".into(), "sms".into()],
                    ..Default::default()
                },
            ]),
        }
    }

    #[tokio::test]
    async fn admins_create_list_change_and_delete_rules() {
        let fake = fake().with_user(ADMIN, Role::Admin);
        let rules = manage(&fake);
        let rule = rules
            .create(admin(), breach_rule("Breach of a high ticket"))
            .await
            .expect("creates");
        assert!(rule.active);
        assert_eq!(
            rule.conditions,
            vec![
                Condition::Sla {
                    target: Some(TargetKind::Resolution),
                    trouble: SlaTrouble::Breached
                },
                Condition::PriorityAtLeast(Priority::High),
            ]
        );
        assert_eq!(
            rule.actions,
            vec![
                Action::RaisePriority(PriorityRaise::OneLevel),
                Action::Notify {
                    recipient: Recipient::Supervisors,
                    channels: vec![Channel::Email, Channel::Sms]
                },
            ]
        );
        let again = rules.create(admin(), breach_rule("Breach of a high ticket")).await;
        assert!(
            matches!(
                again,
                Err(AppError::Conflict {
                    code: "rule_exists",
                    ..
                })
            ),
            "{again:?}"
        );
        let off = RuleInput {
            active: Some(false),
            ..Default::default()
        };
        let changed = rules.update(admin(), rule.id, off).await.expect("updates");
        assert!(!changed.active);
        assert_eq!(changed.conditions, rule.conditions, "fields not sent are kept");
        assert_eq!(rules.list(admin()).await.expect("lists").len(), 1);
        rules.delete(admin(), rule.id).await.expect("deletes");
        assert!(matches!(
            rules.delete(admin(), rule.id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            rules.update(admin(), rule.id, RuleInput::default()).await,
            Err(AppError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn every_bad_part_is_reported_by_position_and_nothing_is_stored() {
        let fake = fake().with_user(ADMIN, Role::Admin);
        let rules = manage(&fake);
        let bad = RuleInput {
            name: Some("  ".into()),
            active: None,
            conditions: Some(vec![
                ConditionInput {
                    kind: "sla".into(),
                    trouble: Some("late".into()),
                    ..Default::default()
                },
                ConditionInput {
                    kind: "unassigned_for".into(),
                    business_minutes: Some(0),
                    ..Default::default()
                },
                ConditionInput {
                    kind: "moon_phase".into(),
                    ..Default::default()
                },
            ]),
            actions: Some(vec![ActionInput {
                kind: "notify".into(),
                recipient: Some("everyone".into()),
                channels: vec!["pigeon".into()],
                ..Default::default()
            }]),
        };
        let Err(AppError::Invalid(fields)) = rules.create(admin(), bad).await else {
            panic!("refused as invalid");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "name",
                "conditions[0].trouble",
                "conditions[1].business_minutes",
                "conditions[2].type",
                "actions[0].recipient",
                "actions[0].channels"
            ]
        );
        let two_triggers = RuleInput {
            conditions: Some(vec![
                ConditionInput {
                    kind: "unassigned_for".into(),
                    business_minutes: Some(30),
                    ..Default::default()
                },
                ConditionInput {
                    kind: "no_agent_reply_for".into(),
                    business_minutes: Some(30),
                    ..Default::default()
                },
            ]),
            ..breach_rule("two")
        };
        assert!(matches!(
            rules.create(admin(), two_triggers).await,
            Err(AppError::Invalid(f)) if f[0].field == "conditions"
        ));
        let to_customer = RuleInput {
            actions: Some(vec![ActionInput {
                kind: "reassign".into(),
                agent_id: Some(CUSTOMER),
                ..Default::default()
            }]),
            ..breach_rule("to a customer")
        };
        assert!(matches!(
            rules.create(admin(), to_customer).await,
            Err(AppError::Invalid(_))
        ));
        let unknown_category = RuleInput {
            actions: Some(vec![ActionInput {
                kind: "reassign".into(),
                category: Some("no-such".into()),
                ..Default::default()
            }]),
            ..breach_rule("nowhere")
        };
        assert!(matches!(
            rules.create(admin(), unknown_category).await,
            Err(AppError::Invalid(_))
        ));
        assert!(matches!(
            rules.create(actor(AGENT), breach_rule("x")).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(rules.list(actor(AGENT)).await, Err(AppError::Forbidden(_))));
        assert!(fake.state().rules.is_empty(), "nothing stored");
    }
}

mod automatic {
    //! The escalation loop: rules fire once per trigger and hand tickets on.

    use std::sync::Arc;

    use domain::escalation::{
        Action, Channel, Condition, EscalationRule, PriorityRaise, Reassign, Recipient, SlaTrouble,
    };
    use domain::sla::{DEFAULT_WARNING_PERCENT, SlaPolicy, TargetKind};
    use domain::{Priority, TicketEventKind, TicketId, TicketStatus, UserId};

    use super::{OFFLINE, SUPERVISOR, fake, open};
    use crate::escalation::RunEscalations;
    use crate::testing::{Fake, START};

    fn minutes(m: i64) -> domain::Timestamp {
        START.plus_seconds(m * 60)
    }

    fn policy() -> SlaPolicy {
        SlaPolicy {
            id: 1,
            name: "standard".into(),
            priorities: vec![Priority::Low, Priority::Normal, Priority::High, Priority::Urgent],
            category: None,
            calendar_id: None,
            first_response_minutes: Some(60),
            next_response_minutes: None,
            resolution_minutes: Some(480),
            warning_percent: DEFAULT_WARNING_PERCENT,
            pause_statuses: vec![TicketStatus::WaitingCustomer],
        }
    }

    fn rule(id: i64, trigger: Condition, actions: Vec<Action>) -> EscalationRule {
        EscalationRule {
            id,
            name: format!("rule {id}"),
            active: true,
            conditions: vec![trigger],
            actions,
        }
    }

    fn run(fake: &Fake) -> RunEscalations {
        RunEscalations::new(fake.ports(), Arc::new(fake.clone()), Arc::new(fake.clone()), 50, 60)
    }

    fn escalations(fake: &Fake) -> Vec<(Option<i64>, Priority, u8)> {
        fake.state()
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                TicketEventKind::Escalated {
                    rule_id,
                    priority_to,
                    level_to,
                    ..
                } => Some((*rule_id, *priority_to, *level_to)),
                _ => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn a_breach_raises_the_priority_once_and_the_next_look_waits_for_the_due_instant() {
        let fake = fake();
        fake.state().policies = vec![policy()];
        fake.state().rules = vec![rule(
            1,
            Condition::Sla {
                target: Some(TargetKind::FirstResponse),
                trouble: SlaTrouble::Breached,
            },
            vec![
                Action::RaisePriority(PriorityRaise::OneLevel),
                Action::RaiseLevel,
                Action::Notify {
                    recipient: Recipient::Supervisors,
                    channels: vec![Channel::Email],
                },
            ],
        )];
        let id: i64 = open(&fake).await.parse().expect("id");
        let loop_ = run(&fake);
        let tick = loop_.tick().await.expect("ticks");
        assert_eq!((tick.checked, tick.fired), (1, 0));
        let due = fake.state().checks.get(&id).and_then(|c| c.0);
        assert_eq!(
            due,
            Some(minutes(60).plus_micros(1)),
            "the next look is the instant the first response breaches"
        );
        fake.set_now(minutes(30));
        assert_eq!(loop_.tick().await.expect("ticks").checked, 0, "nothing due before then");

        fake.set_now(minutes(61));
        let tick = loop_.tick().await.expect("ticks");
        assert_eq!((tick.checked, tick.fired, tick.failed), (1, 1, 0), "{tick:?}");
        for later in [62, 120, 600] {
            fake.set_now(minutes(later));
            loop_.tick().await.expect("ticks");
        }
        assert_eq!(
            escalations(&fake),
            vec![(Some(1), Priority::High, 1)],
            "one breach, one escalation: the re-applied policy does not re-arm the rule"
        );
        let ticket = fake.state().tickets[0].clone();
        assert_eq!(
            (ticket.parts().priority, ticket.parts().escalation_level),
            (Priority::High, 1)
        );
        let event = fake
            .state()
            .events
            .iter()
            .find(|e| matches!(e.kind, TicketEventKind::Escalated { .. }))
            .cloned()
            .expect("escalated");
        assert_eq!(event.actor, None, "the system acted");
        let TicketEventKind::Escalated { reason, .. } = event.kind else {
            unreachable!()
        };
        assert_eq!(reason, "rule 1: first response breached");
        assert_eq!(fake.state().firings.len(), 1);
        assert_eq!(fake.state().tickets[0].id(), TicketId::new(id));
    }

    #[tokio::test]
    async fn a_ticket_waiting_in_the_queue_goes_to_the_named_agent_or_stays_when_they_cannot_take_it() {
        let fake = fake().with_category("hardware", true);
        fake.state().rules = vec![rule(
            1,
            Condition::UnassignedFor { business_minutes: 30 },
            vec![Action::Reassign(Reassign::Agent(UserId::new(SUPERVISOR)))],
        )];
        let input = crate::tickets::CreateTicketInput {
            subject: "Laptop dead".into(),
            description: "No power".into(),
            category: "hardware".into(),
            ..Default::default()
        };
        let created = crate::tickets::CreateTicket::new(fake.ports())
            .execute(super::actor(super::CUSTOMER), input)
            .await
            .expect("opens");
        assert_eq!(created.ticket.assignee_id(), None, "nobody handles hardware");
        let loop_ = run(&fake);
        loop_.tick().await.expect("ticks");
        fake.set_now(minutes(31));
        let tick = loop_.tick().await.expect("ticks");
        assert_eq!((tick.fired, tick.refused), (1, 0), "{tick:?}");
        let ticket = fake.state().tickets[0].clone();
        assert_eq!(ticket.assignee_id(), Some(UserId::new(SUPERVISOR)));
        assert_eq!(ticket.status(), TicketStatus::Assigned);

        // The same rule naming an offline agent: the escalation is recorded, the
        // hand-over refused and said so, the ticket still waits.
        let fake = super::fake().with_category("hardware", true);
        fake.state().rules = vec![rule(
            1,
            Condition::UnassignedFor { business_minutes: 30 },
            vec![Action::Reassign(Reassign::Agent(UserId::new(OFFLINE)))],
        )];
        crate::tickets::CreateTicket::new(fake.ports())
            .execute(
                super::actor(super::CUSTOMER),
                crate::tickets::CreateTicketInput {
                    subject: "Laptop dead".into(),
                    description: "No power".into(),
                    category: "hardware".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("opens");
        fake.set_now(minutes(31));
        let tick = run(&fake).tick().await.expect("ticks");
        assert_eq!((tick.fired, tick.refused), (1, 1), "{tick:?}");
        assert_eq!(fake.state().tickets[0].assignee_id(), None);
        let reasons: Vec<String> = fake
            .state()
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                TicketEventKind::Escalated { reason, .. } => Some(reason.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(reasons.len(), 1);
        assert!(reasons[0].contains("hand-over was refused"), "{reasons:?}");
        // It does not fire again for the same wait.
        fake.set_now(minutes(90));
        assert_eq!(run(&fake).tick().await.expect("ticks").fired, 0);
    }

    #[tokio::test]
    async fn without_an_active_rule_the_loop_claims_nothing_and_a_new_rule_rechecks_open_tickets() {
        let fake = fake();
        open(&fake).await;
        let loop_ = run(&fake);
        assert_eq!(loop_.tick().await.expect("ticks").checked, 0);
        fake.state().checks.clear();
        let rules = super::super::ManageRules::new(super::super::RulePorts {
            rules: Arc::new(fake.clone()),
            categories: Arc::new(fake.clone()),
            users: Arc::new(fake.clone()),
            clock: Arc::new(fake.clone()),
            checks: Arc::new(fake.clone()),
        });
        let admin = domain::Actor::new(UserId::new(99), domain::Role::Admin);
        rules
            .create(
                admin,
                super::super::RuleInput {
                    name: Some("queue watch".into()),
                    conditions: Some(vec![super::super::ConditionInput {
                        kind: "unassigned_for".into(),
                        business_minutes: Some(10),
                        ..Default::default()
                    }]),
                    actions: Some(vec![super::super::ActionInput {
                        kind: "raise_level".into(),
                        ..Default::default()
                    }]),
                    ..Default::default()
                },
            )
            .await
            .expect("creates");
        assert_eq!(
            loop_.tick().await.expect("ticks").checked,
            1,
            "the open ticket is looked at again"
        );
    }
}
