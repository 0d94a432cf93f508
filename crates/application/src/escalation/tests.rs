//! A person's escalation and the escalation record, against the in-memory fakes.

use domain::assignment::Availability;
use domain::{Actor, Priority, Role, TicketError, TicketEventKind, TicketStatus, UserId};

use super::*;
use crate::error::AppError;
use crate::tickets::fakes::Fake;
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
    use crate::tickets::fakes::Fake;

    const ADMIN: i64 = 9;

    fn manage(fake: &Fake) -> ManageRules {
        ManageRules::new(RulePorts {
            rules: Arc::new(fake.clone()),
            categories: Arc::new(fake.clone()),
            users: Arc::new(fake.clone()),
            clock: Arc::new(fake.clone()),
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
