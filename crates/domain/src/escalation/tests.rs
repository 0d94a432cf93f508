//! Escalation rules: checking them, evaluating them on tickets, and the next check.

use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::access::{Actor, Role};
use crate::ids::{TicketId, UserId};
use crate::sla::{
    BusinessCalendar, HolidaySet, OpenInterval, PolicyTerms, TargetKind, TicketSla, TimeOfDay, Utc, WeeklyHours,
};
use crate::ticket::{CategorySlug, Description, NewTicket, Priority, Subject, Tags, Ticket, TicketStatus};
use crate::time::Timestamp;

const T0: i64 = 1_800_000_000;

fn t(minutes: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + minutes * 60)
}

fn ticket(priority: Priority, category: &str) -> Ticket {
    let new = NewTicket {
        id: TicketId::new(1),
        customer_id: UserId::new(10),
        subject: Subject::parse("Server down").expect("valid"),
        description: Description::parse("Nothing works").expect("valid"),
        priority,
        category: CategorySlug::parse(category).expect("valid"),
        tags: Tags::default(),
    };
    Ticket::open(new, Actor::new(UserId::new(10), Role::Customer), t(0))
        .expect("opens")
        .0
}

fn rule(id: i64, conditions: Vec<Condition>) -> EscalationRule {
    EscalationRule {
        id,
        name: format!("rule {id}"),
        active: true,
        conditions,
        actions: vec![Action::RaisePriority(PriorityRaise::OneLevel)],
    }
}

fn sla(first: i64, resolution: i64) -> TicketSla {
    let terms = PolicyTerms {
        first_response: Some(first * 60),
        next_response: None,
        resolution: Some(resolution * 60),
        warning_percent: 50,
        pause_statuses: vec![TicketStatus::WaitingCustomer],
    };
    TicketSla::open(&terms, t(0), &BusinessCalendar::always_open()).expect("opens")
}

fn with_sla<'a>(ticket: &'a Ticket, sla: &'a TicketSla) -> EscalationFacts<'a> {
    EscalationFacts {
        ticket: ticket.parts(),
        sla: Some(sla),
        unassigned_since: Some(t(0)),
        satisfaction: None,
    }
}

fn plain(ticket: &Ticket, unassigned_since: Option<Timestamp>) -> EscalationFacts<'_> {
    EscalationFacts {
        ticket: ticket.parts(),
        sla: None,
        unassigned_since,
        satisfaction: None,
    }
}

fn fired(rules: &[EscalationRule], facts: &EscalationFacts<'_>, now: Timestamp) -> Vec<(i64, String)> {
    evaluate(rules, facts, now, &BusinessCalendar::always_open())
        .expect("evaluates")
        .into_iter()
        .map(|f| (f.rule_id, f.trigger))
        .collect()
}

#[test]
fn a_rule_needs_exactly_one_trigger_an_action_and_channels() {
    let ok = rule(1, vec![Condition::UnassignedFor { business_minutes: 30 }]);
    assert_eq!(ok.check(), Ok(()));
    let filters_only = rule(2, vec![Condition::PriorityAtLeast(Priority::High)]);
    assert_eq!(filters_only.check(), Err(RuleError::Triggers { found: 0 }));
    let two = rule(
        3,
        vec![
            Condition::UnassignedFor { business_minutes: 30 },
            Condition::NoAgentReplyFor { business_minutes: 30 },
        ],
    );
    assert_eq!(two.check(), Err(RuleError::Triggers { found: 2 }));
    let zero = rule(4, vec![Condition::NoAgentReplyFor { business_minutes: 0 }]);
    assert_eq!(zero.check(), Err(RuleError::ZeroMinutes));
    let idle = EscalationRule {
        actions: vec![],
        ..ok.clone()
    };
    assert_eq!(idle.check(), Err(RuleError::NoActions));
    let silent = EscalationRule {
        actions: vec![Action::Notify {
            recipient: Recipient::Supervisors,
            channels: vec![],
        }],
        ..ok
    };
    assert_eq!(silent.check(), Err(RuleError::NoChannel));
}

#[test]
fn priority_goes_up_one_level_or_to_a_level_and_never_down() {
    assert_eq!(PriorityRaise::OneLevel.apply(Priority::Low), Priority::Normal);
    assert_eq!(PriorityRaise::OneLevel.apply(Priority::Urgent), Priority::Urgent);
    assert_eq!(
        PriorityRaise::To(Priority::Urgent).apply(Priority::Normal),
        Priority::Urgent
    );
    assert_eq!(
        PriorityRaise::To(Priority::Normal).apply(Priority::High),
        Priority::High
    );
}

#[test]
fn an_sla_rule_fires_once_per_target_trouble_from_the_warning_or_due_instant() {
    let ticket = ticket(Priority::Normal, "billing");
    let mut targets = sla(60, 240);
    let rules = [
        rule(
            1,
            vec![Condition::Sla {
                target: None,
                trouble: SlaTrouble::Breached,
            }],
        ),
        rule(
            2,
            vec![Condition::Sla {
                target: Some(TargetKind::Resolution),
                trouble: SlaTrouble::AtRisk,
            }],
        ),
    ];
    // First response due at 60 (at risk at 30), resolution due at 240 (at risk at 120).
    assert!(fired(&rules, &with_sla(&ticket, &targets), t(59)).is_empty());
    let start = t(0).unix_micros();
    assert_eq!(
        fired(&rules, &with_sla(&ticket, &targets), t(61)),
        vec![(1, format!("sla:first_response:breached:{start}"))],
        "a minute after the first response was due"
    );
    let cal = BusinessCalendar::always_open();
    assert_eq!(
        next_check(&rules, &with_sla(&ticket, &targets), t(61), &cal),
        Ok(Some(t(120)))
    );
    targets.observe(t(121));
    let both = fired(&rules, &with_sla(&ticket, &targets), t(121));
    assert_eq!(
        both,
        vec![
            (1, format!("sla:first_response:breached:{start}")),
            (2, format!("sla:resolution:at_risk:{start}")),
        ],
        "the same keys every time: storing them once makes each fire once"
    );
    assert_eq!(
        next_check(&rules, &with_sla(&ticket, &targets), t(121), &cal),
        Ok(Some(t(240).plus_micros(1))),
        "the resolution breach is the next instant"
    );
}

#[test]
fn filters_narrow_and_resolved_or_inactive_never_fire() {
    let urgent = ticket(Priority::Urgent, "billing");
    let low = ticket(Priority::Low, "billing");
    let hardware = ticket(Priority::Urgent, "hardware");
    let rules = [rule(
        1,
        vec![
            Condition::UnassignedFor { business_minutes: 10 },
            Condition::PriorityAtLeast(Priority::High),
            Condition::Category(CategorySlug::parse("billing").expect("valid")),
        ],
    )];
    assert_eq!(fired(&rules, &plain(&urgent, Some(t(0))), t(11)).len(), 1);
    assert!(
        fired(&rules, &plain(&low, Some(t(0))), t(11)).is_empty(),
        "priority filter"
    );
    assert!(
        fired(&rules, &plain(&hardware, Some(t(0))), t(11)).is_empty(),
        "category filter"
    );
    let mut inactive = rules.clone();
    inactive[0].active = false;
    assert!(fired(&inactive, &plain(&urgent, Some(t(0))), t(11)).is_empty());
    let mut closed = urgent.clone();
    closed
        .transition(
            TicketStatus::Closed,
            Actor::new(UserId::new(10), Role::Customer),
            t(5),
            None,
        )
        .expect("closes");
    assert!(fired(&rules, &plain(&closed, Some(t(0))), t(11)).is_empty());
}

#[test]
fn waiting_in_the_queue_counts_business_minutes_and_restarts_when_sent_back() {
    // Monday to Friday, 09:00 to 17:00 UTC; T0 is a Friday 08:00 UTC.
    let mut days: [Vec<OpenInterval>; 7] = Default::default();
    for day in days.iter_mut().take(5) {
        *day = vec![OpenInterval {
            start: TimeOfDay::parse("09:00").expect("valid"),
            end: TimeOfDay::parse("17:00").expect("valid"),
        }];
    }
    let office = BusinessCalendar::new(
        Arc::new(Utc),
        WeeklyHours::new(days).expect("valid"),
        Arc::new(HolidaySet::new([])),
    );
    let ticket = ticket(Priority::Normal, "billing");
    let rules = [rule(7, vec![Condition::UnassignedFor { business_minutes: 60 }])];
    let facts = EscalationFacts {
        ticket: ticket.parts(),
        sla: None,
        unassigned_since: Some(t(0)),
        satisfaction: None,
    };
    let due = next_check(&rules, &facts, t(0), &office)
        .expect("computes")
        .expect("pending");
    assert_eq!(
        due.to_utc_parts().hour,
        10,
        "opened before office hours: an hour of business time ends at 10:00"
    );
    assert!(
        evaluate(&rules, &facts, due.plus_micros(-1), &office)
            .expect("evaluates")
            .is_empty()
    );
    let fired = evaluate(&rules, &facts, due, &office).expect("evaluates");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].what, "unassigned for 60 business minutes");
    let back = EscalationFacts {
        unassigned_since: Some(t(600)),
        satisfaction: None,
        ..facts
    };
    let again = evaluate(&rules, &back, t(100_000), &office).expect("evaluates");
    assert_ne!(
        again[0].trigger,
        evaluate(&rules, &facts, due, &office).expect("evaluates")[0].trigger,
        "sent back to the queue later: a new stretch, a new trigger"
    );
    let mut assigned = ticket.clone();
    assigned
        .assign(UserId::new(20), Actor::new(UserId::new(20), Role::Agent), t(1), None)
        .expect("assigns");
    let with_agent = EscalationFacts {
        ticket: assigned.parts(),
        sla: None,
        unassigned_since: None,
        satisfaction: None,
    };
    assert!(
        evaluate(&rules, &with_agent, t(100_000), &office)
            .expect("evaluates")
            .is_empty()
    );
}

#[test]
fn no_agent_reply_counts_from_opening_or_the_customers_comment_after_the_last_reply() {
    let mut ticket = ticket(Priority::Normal, "billing");
    let rules = [rule(3, vec![Condition::NoAgentReplyFor { business_minutes: 30 }])];
    assert_eq!(
        fired(&rules, &plain(&ticket, None), t(30)).len(),
        1,
        "nobody answered since opening"
    );
    let mut parts = ticket.clone().into_parts();
    parts.last_agent_reply_at = Some(t(10));
    ticket = Ticket::restore(parts.clone());
    assert!(fired(&rules, &plain(&ticket, None), t(1000)).is_empty(), "answered");
    parts.last_customer_comment_at = Some(t(50));
    ticket = Ticket::restore(parts.clone());
    assert!(fired(&rules, &plain(&ticket, None), t(79)).is_empty());
    let fired_now = fired(&rules, &plain(&ticket, None), t(80));
    assert_eq!(fired_now, vec![(3, format!("no_reply:30:{}", t(50).unix_micros()))]);
    parts.status = TicketStatus::WaitingCustomer;
    ticket = Ticket::restore(parts);
    assert!(
        fired(&rules, &plain(&ticket, None), t(1000)).is_empty(),
        "the agent waits for the customer"
    );
}

proptest! {
    /// Whatever the clock says, a firing is never in the future, its key does not depend
    /// on when the rules are evaluated, and `next_check` is strictly later than now.
    #[test]
    fn firings_are_due_and_stable(now in 0i64..2000, later in 0i64..2000, minutes in 1u32..500) {
        let ticket = ticket(Priority::High, "billing");
        let targets = sla(60, 240);
        let rules = [
            rule(1, vec![Condition::UnassignedFor { business_minutes: minutes }]),
            rule(2, vec![Condition::NoAgentReplyFor { business_minutes: minutes }]),
            rule(3, vec![Condition::Sla { target: None, trouble: SlaTrouble::AtRisk }]),
            rule(4, vec![Condition::Sla { target: None, trouble: SlaTrouble::Breached }]),
        ];
        let facts = EscalationFacts { ticket: ticket.parts(), sla: Some(&targets), unassigned_since: Some(t(0)), satisfaction: None };
        let cal = BusinessCalendar::always_open();
        let early = evaluate(&rules, &facts, t(now.min(later)), &cal).expect("evaluates");
        let late = evaluate(&rules, &facts, t(now.max(later)), &cal).expect("evaluates");
        for f in &early {
            prop_assert!(f.at <= t(now.min(later)));
            prop_assert!(late.contains(f), "a trigger that fired stays the same trigger");
        }
        if let Some(next) = next_check(&rules, &facts, t(now), &cal).expect("computes") {
            prop_assert!(next > t(now));
            prop_assert!(evaluate(&rules, &facts, next, &cal).expect("evaluates").len()
                > evaluate(&rules, &facts, t(now), &cal).expect("evaluates").len());
        }
    }
}

fn answered(round: u32, rating: i64, minutes: i64) -> Option<Satisfaction> {
    Some(Satisfaction {
        round: crate::survey::SurveyRound::new(round).expect("from 1"),
        rating: crate::survey::Rating::parse(rating).expect("1 to 5"),
        at: t(minutes),
    })
}

fn closed(ticket: &Ticket) -> Ticket {
    let mut parts = ticket.clone().into_parts();
    parts.status = TicketStatus::Closed;
    Ticket::restore(parts)
}

#[test]
fn satisfaction_at_most_fires_once_per_round_at_or_below_the_rating_also_on_closed_tickets() {
    let at_most_two = rule(
        7,
        vec![Condition::SatisfactionAtMost {
            rating: crate::survey::Rating::parse(2).expect("valid"),
        }],
    );
    assert_eq!(at_most_two.check(), Ok(()), "a trigger of its own");
    let rules = [at_most_two];
    let done = closed(&ticket(Priority::Normal, "billing"));
    let facts = |satisfaction| EscalationFacts {
        ticket: done.parts(),
        sla: None,
        unassigned_since: None,
        satisfaction,
    };
    assert_eq!(fired(&rules, &facts(None), t(100)), vec![], "no answer, nothing");
    assert_eq!(fired(&rules, &facts(answered(1, 3, 50)), t(100)), vec![], "3 > 2");
    assert_eq!(
        fired(&rules, &facts(answered(1, 2, 50)), t(100)),
        vec![(7, "satisfaction:1".to_owned())],
        "2 fires, on a closed ticket"
    );
    assert_eq!(
        fired(&rules, &facts(answered(1, 1, 60)), t(100)),
        vec![(7, "satisfaction:1".to_owned())],
        "a change within the round keeps the key: recorded once, it fires once"
    );
    assert_eq!(
        fired(&rules, &facts(answered(2, 1, 90)), t(100)),
        vec![(7, "satisfaction:2".to_owned())],
        "a new round fires anew"
    );
    let next = next_check(
        &rules,
        &facts(answered(1, 1, 60)),
        t(100),
        &BusinessCalendar::always_open(),
    );
    assert_eq!(next, Ok(None), "nothing pending after an answer");

    // Other triggers stay silent on a finished ticket.
    let unassigned = [rule(8, vec![Condition::UnassignedFor { business_minutes: 1 }])];
    let finished = EscalationFacts {
        unassigned_since: Some(t(0)),
        ..facts(answered(1, 1, 60))
    };
    assert_eq!(fired(&unassigned, &finished, t(1_000)), vec![]);
}

#[test]
fn a_rule_notifies_on_a_closed_ticket_but_raises_nothing_there() {
    let mut done = closed(&ticket(Priority::Normal, "billing"));
    let notify_only = crate::ticket::Escalation {
        rule_id: Some(7),
        reason: "poor rating".into(),
        raise_level: false,
        raise_priority: None,
    };
    let event = done.escalate(None, t(5), notify_only.clone()).expect("the event alone");
    assert!(matches!(event.kind, crate::ticket::TicketEventKind::Escalated { .. }));
    assert_eq!(done.version(), closed(&ticket(Priority::Normal, "billing")).version());
    let raising = crate::ticket::Escalation {
        raise_priority: Some(PriorityRaise::OneLevel),
        ..notify_only.clone()
    };
    assert_eq!(
        done.escalate(None, t(5), raising),
        Err(crate::ticket::TicketError::Closed)
    );
    let person = Actor::new(UserId::new(3), Role::Supervisor);
    assert_eq!(
        done.escalate(Some(person), t(5), notify_only),
        Err(crate::ticket::TicketError::Closed),
        "a person escalates open tickets only"
    );
}
