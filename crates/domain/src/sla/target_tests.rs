//! Pins `SLA.md`'s "Policies and targets" sentences on 24x7 calendar time.

use crate::ticket::TicketStatus::*;
use crate::time::Timestamp;

use super::*;

const H: i64 = 3600;

fn t(hours: f64) -> Timestamp {
    Timestamp::from_unix_seconds(1_800_000_000 + (hours * 3600.0) as i64)
}

fn terms() -> PolicyTerms {
    PolicyTerms {
        first_response: Some(4 * H),
        next_response: Some(2 * H),
        resolution: Some(10 * H),
        warning_percent: 80,
        pause_statuses: vec![WaitingCustomer],
    }
}

fn cal() -> BusinessCalendar {
    BusinessCalendar::always_open()
}

fn open() -> TicketSla {
    TicketSla::open(&terms(), t(0.0), &cal()).expect("opens")
}

fn status(sla: &TicketSla, kind: TargetKind, at: Timestamp) -> TargetStatus {
    sla.target(kind).expect("target").status(at)
}

#[test]
fn clocks_start_at_creation_and_the_first_reply_meets_the_first_response() {
    let mut sla = open();
    assert_eq!(
        sla.targets.len(),
        2,
        "next response starts with a later customer comment"
    );
    assert_eq!(
        sla.target(TargetKind::FirstResponse).and_then(|x| x.due_at),
        Some(t(4.0))
    );
    assert_eq!(status(&sla, TargetKind::FirstResponse, t(1.0)), TargetStatus::Active);
    sla.on_public_comment(&terms(), true, false, t(2.0), &cal())
        .expect("ok");
    assert_eq!(status(&sla, TargetKind::FirstResponse, t(9.0)), TargetStatus::Met);
}

#[test]
fn active_at_risk_breached_each_recorded_once() {
    let mut sla = open();
    // 80 % of 4 h is 3 h 12 min.
    assert_eq!(sla.next_deadline(), Some(t(3.2)));
    assert_eq!(status(&sla, TargetKind::FirstResponse, t(3.3)), TargetStatus::AtRisk);
    assert_eq!(
        sla.observe(t(3.3)),
        vec![(TargetKind::FirstResponse, Crossing::Warning(t(3.2)))]
    );
    assert!(sla.observe(t(3.5)).is_empty(), "once");
    let breaching = Timestamp::from_unix_micros(t(4.0).unix_micros() + 1);
    assert_eq!(sla.next_deadline(), Some(breaching), "the first instant past due");
    assert!(sla.observe(t(4.0)).is_empty(), "due is not yet breached");
    assert_eq!(
        status(&sla, TargetKind::FirstResponse, breaching),
        TargetStatus::Breached
    );
    assert_eq!(
        sla.observe(t(4.5)),
        vec![(TargetKind::FirstResponse, Crossing::Breach(t(4.0)))]
    );
    assert!(sla.observe(t(4.6)).is_empty());
    assert_eq!(status(&sla, TargetKind::FirstResponse, t(4.6)), TargetStatus::Breached);
    // Met after its due instant it stays breached, with both instants recorded.
    sla.on_public_comment(&terms(), true, false, t(5.0), &cal())
        .expect("ok");
    let first = sla.target(TargetKind::FirstResponse).expect("target");
    assert_eq!((first.breached_at, first.met_at), (Some(t(4.0)), Some(t(5.0))));
    assert_eq!(first.status(t(6.0)), TargetStatus::Breached);
}

#[test]
fn a_tick_that_jumps_past_both_records_the_warning_then_the_breach() {
    let mut sla = open();
    let crossed = sla.observe(t(20.0));
    assert_eq!(
        crossed,
        vec![
            (TargetKind::FirstResponse, Crossing::Warning(t(3.2))),
            (TargetKind::FirstResponse, Crossing::Breach(t(4.0))),
            (TargetKind::Resolution, Crossing::Warning(t(8.0))),
            (TargetKind::Resolution, Crossing::Breach(t(10.0))),
        ]
    );
    assert_eq!(sla.next_deadline(), None);
}

#[test]
fn resolution_pauses_while_waiting_and_resumes_with_the_time_consumed() {
    let mut sla = open();
    sla.on_status_change(&terms(), InProgress, WaitingCustomer, t(2.0), &cal())
        .expect("ok");
    let r = sla.target(TargetKind::Resolution).expect("target");
    assert_eq!(r.status(t(30.0)), TargetStatus::Paused, "no breach while paused");
    assert_eq!(r.consumed(t(30.0), &cal()), 2 * H);
    assert_eq!(r.next_deadline(), None);
    sla.on_status_change(&terms(), WaitingCustomer, InProgress, t(5.0), &cal())
        .expect("ok");
    // 2 h consumed before the pause, 8 h left from 5:00.
    assert_eq!(sla.target(TargetKind::Resolution).and_then(|x| x.due_at), Some(t(13.0)));
    // The first response does not pause.
    assert_eq!(
        sla.target(TargetKind::FirstResponse).and_then(|x| x.due_at),
        Some(t(4.0))
    );
}

#[test]
fn resolution_stops_at_resolved_and_a_reopen_resumes_it() {
    let mut sla = open();
    sla.on_status_change(&terms(), InProgress, Resolved, t(3.0), &cal())
        .expect("ok");
    assert_eq!(status(&sla, TargetKind::Resolution, t(50.0)), TargetStatus::Met);
    sla.on_status_change(&terms(), Resolved, InProgress, t(20.0), &cal())
        .expect("ok");
    let r = sla.target(TargetKind::Resolution).expect("target");
    assert_eq!(r.status(t(21.0)), TargetStatus::Active);
    assert_eq!(r.due_at, Some(t(27.0)), "3 h consumed, 7 h left from the reopen");
}

#[test]
fn a_policy_change_keeps_the_consumed_time_and_applies_the_new_length() {
    let mut sla = open();
    let urgent = PolicyTerms {
        first_response: Some(H),
        resolution: Some(4 * H),
        ..terms()
    };
    sla.reapply(&urgent, &facts(InProgress, false), t(2.0), &cal())
        .expect("ok");
    // 2 h consumed already exceed the new 1 h first response: due at once, at risk now.
    let first = sla.target(TargetKind::FirstResponse).expect("target");
    assert_eq!(first.due_at, Some(t(2.0)));
    assert_eq!(first.status(t(2.0)), TargetStatus::AtRisk, "due now, not yet passed");
    assert_eq!(first.status(t(2.0).plus_seconds(1)), TargetStatus::Breached);
    assert_eq!(sla.target(TargetKind::Resolution).and_then(|x| x.due_at), Some(t(4.0)));
    let none = PolicyTerms {
        first_response: None,
        ..urgent
    };
    sla.reapply(&none, &facts(InProgress, false), t(2.5), &cal())
        .expect("ok");
    assert!(
        sla.target(TargetKind::FirstResponse).is_none(),
        "dropped with the policy"
    );
}

fn facts(status: crate::ticket::TicketStatus, responded: bool) -> TicketFacts<'static> {
    TicketFacts {
        status,
        responded,
        opened_at: t(0.0),
        paused: &[],
    }
}

#[test]
fn a_reapply_adds_only_the_targets_the_ticket_has_not_passed_counting_from_its_creation() {
    let none = PolicyTerms {
        first_response: None,
        resolution: None,
        ..terms()
    };
    let mut replied = TicketSla::default();
    replied
        .reapply(&terms(), &facts(InProgress, true), t(1.0), &cal())
        .expect("ok");
    assert!(
        replied.target(TargetKind::FirstResponse).is_none(),
        "staff already replied"
    );
    let r = replied.target(TargetKind::Resolution).expect("added");
    assert_eq!(
        (r.started_at, r.due_at),
        (t(0.0), Some(t(10.0))),
        "as if it applied since creation"
    );

    let mut fresh = TicketSla::default();
    fresh.reapply(&terms(), &facts(New, false), t(3.5), &cal()).expect("ok");
    assert_eq!(
        status(&fresh, TargetKind::FirstResponse, t(3.5)),
        TargetStatus::AtRisk,
        "3.5 of 4 h gone"
    );

    // Paused half an hour, still waiting: added paused, with the pause not counted.
    let paused = [(t(0.5), None)];
    let waiting_facts = TicketFacts {
        paused: &paused,
        ..facts(WaitingCustomer, false)
    };
    let mut waiting = TicketSla::default();
    waiting.reapply(&terms(), &waiting_facts, t(1.0), &cal()).expect("ok");
    let r = waiting.target(TargetKind::Resolution).expect("added");
    assert_eq!(r.status(t(50.0)), TargetStatus::Paused, "added in a pausing status");
    assert_eq!(r.consumed(t(50.0), &cal()), H / 2);

    let mut resolved = TicketSla::default();
    resolved
        .reapply(&terms(), &facts(Resolved, false), t(1.0), &cal())
        .expect("ok");
    assert!(resolved.targets.is_empty(), "nothing to promise on a resolved ticket");

    // A policy whose pausing statuses include the current one pauses a running clock.
    let mut sla = open();
    let pauses_in_progress = PolicyTerms {
        pause_statuses: vec![InProgress],
        ..terms()
    };
    sla.reapply(&pauses_in_progress, &facts(InProgress, false), t(2.0), &cal())
        .expect("ok");
    assert_eq!(status(&sla, TargetKind::Resolution, t(3.0)), TargetStatus::Paused);
    sla.reapply(&terms(), &facts(InProgress, false), t(4.0), &cal())
        .expect("ok");
    assert_eq!(
        sla.target(TargetKind::Resolution).and_then(|r| r.due_at),
        Some(t(12.0)),
        "2 h consumed before the pause, 8 h left from 4:00"
    );
    sla.reapply(&none, &facts(InProgress, false), t(5.0), &cal())
        .expect("ok");
    assert!(sla.targets.is_empty(), "no policy, no open targets");
}

#[test]
fn a_pause_by_a_new_policy_records_a_warning_it_finds_due() {
    let mut sla = open();
    let shorter_pausing = PolicyTerms {
        resolution: Some(2 * H),
        pause_statuses: vec![InProgress],
        ..terms()
    };
    // 1.8 h of a new 2 h resolution: past 80 %, and the clock pauses at once.
    let crossed = sla
        .reapply(&shorter_pausing, &facts(InProgress, false), t(1.8), &cal())
        .expect("ok");
    assert_eq!(crossed, vec![(TargetKind::Resolution, Crossing::Warning(t(1.8)))]);
}

#[test]
fn a_shorter_target_on_a_paused_clock_records_what_it_already_exceeds() {
    let mut sla = open();
    sla.on_status_change(&terms(), InProgress, WaitingCustomer, t(3.0), &cal())
        .expect("pauses with 3 h consumed");
    let two_hours = PolicyTerms {
        resolution: Some(2 * H),
        ..terms()
    };
    let crossed = sla
        .reapply(&two_hours, &facts(WaitingCustomer, false), t(5.0), &cal())
        .expect("ok");
    let resolution: Vec<_> = crossed
        .into_iter()
        .filter(|(k, _)| *k == TargetKind::Resolution)
        .collect();
    assert_eq!(
        resolution,
        vec![
            (TargetKind::Resolution, Crossing::Warning(t(5.0))),
            (TargetKind::Resolution, Crossing::Breach(t(5.0)))
        ]
    );
    assert_eq!(status(&sla, TargetKind::Resolution, t(6.0)), TargetStatus::Breached);
    // Closing it later records nothing more.
    let closed = sla
        .on_status_change(&two_hours, WaitingCustomer, Closed, t(7.0), &cal())
        .expect("ok");
    assert!(closed.iter().all(|(k, _)| *k != TargetKind::Resolution), "{closed:?}");
}

#[test]
fn a_longer_target_after_a_warning_is_active_again_and_not_warned_twice() {
    let mut sla = open();
    assert_eq!(sla.observe(t(3.5)).len(), 1, "first response warned at 3.2 h");
    let longer = PolicyTerms {
        first_response: Some(8 * H),
        ..terms()
    };
    sla.reapply(&longer, &facts(InProgress, false), t(3.5), &cal())
        .expect("ok");
    assert_eq!(status(&sla, TargetKind::FirstResponse, t(4.0)), TargetStatus::Active);
    assert_eq!(status(&sla, TargetKind::FirstResponse, t(6.5)), TargetStatus::AtRisk);
    assert!(sla.observe(t(6.5)).is_empty(), "the warning is on record once");
    let first: Vec<_> = sla
        .observe(t(9.0))
        .into_iter()
        .filter(|(k, _)| *k == TargetKind::FirstResponse)
        .collect();
    assert_eq!(first, vec![(TargetKind::FirstResponse, Crossing::Breach(t(8.0)))]);
}

#[test]
fn a_reopen_into_a_pausing_status_pauses_and_a_later_resolve_meets_again() {
    let pausing_in_progress = PolicyTerms {
        pause_statuses: vec![WaitingCustomer, InProgress],
        ..terms()
    };
    let mut sla = open();
    sla.on_status_change(&pausing_in_progress, New, Resolved, t(2.0), &cal())
        .expect("ok");
    sla.on_status_change(&pausing_in_progress, Resolved, InProgress, t(3.0), &cal())
        .expect("ok");
    assert_eq!(status(&sla, TargetKind::Resolution, t(4.0)), TargetStatus::Paused);
    sla.on_status_change(&pausing_in_progress, InProgress, Resolved, t(5.0), &cal())
        .expect("ok");
    assert_eq!(sla.target(TargetKind::Resolution).and_then(|r| r.met_at), Some(t(5.0)));
}

#[test]
fn settling_on_the_old_calendar_keeps_what_it_counted() {
    let mut sla = open();
    sla.settle(t(2.0), &cal());
    let r = sla.target(TargetKind::Resolution).expect("target");
    assert_eq!((r.consumed_before, r.running_since), (2 * H, Some(t(2.0))));
    assert_eq!(r.due_at, Some(t(10.0)), "the due instant does not move");
}

#[test]
fn next_response_runs_in_cycles() {
    let mut sla = open();
    sla.on_public_comment(&terms(), false, false, t(0.5), &cal())
        .expect("ok");
    assert!(
        sla.target(TargetKind::NextResponse).is_none(),
        "no cycle before a staff reply"
    );
    sla.on_public_comment(&terms(), true, false, t(1.0), &cal())
        .expect("ok");
    sla.on_public_comment(&terms(), false, true, t(3.0), &cal())
        .expect("ok");
    assert_eq!(
        sla.target(TargetKind::NextResponse).and_then(|x| x.due_at),
        Some(t(5.0))
    );
    sla.on_public_comment(&terms(), false, true, t(3.5), &cal())
        .expect("ok");
    assert_eq!(
        sla.target(TargetKind::NextResponse).and_then(|x| x.due_at),
        Some(t(5.0)),
        "a second customer comment does not restart the running cycle"
    );
    sla.on_public_comment(&terms(), true, true, t(4.0), &cal()).expect("ok");
    assert_eq!(status(&sla, TargetKind::NextResponse, t(4.0)), TargetStatus::Met);
    sla.on_public_comment(&terms(), false, true, t(6.0), &cal())
        .expect("ok");
    assert_eq!(
        sla.target(TargetKind::NextResponse).and_then(|x| x.due_at),
        Some(t(8.0)),
        "a new cycle"
    );
    assert_eq!(
        sla.targets
            .iter()
            .filter(|x| x.kind == TargetKind::NextResponse)
            .count(),
        1
    );
}

#[test]
fn business_hours_drive_the_due_instants() {
    use std::sync::Arc;
    let mut days: [Vec<OpenInterval>; 7] = Default::default();
    for d in &mut days[..5] {
        *d = vec![OpenInterval {
            start: TimeOfDay::parse("09:00").expect("valid"),
            end: TimeOfDay::parse("17:00").expect("valid"),
        }];
    }
    let office = BusinessCalendar::new(
        Arc::new(Utc),
        WeeklyHours::new(days).expect("valid"),
        Arc::new(HolidaySet::default()),
    );
    // Friday 2026-11-27 16:00Z with a 4 h first response: due Monday 12:00Z.
    let friday = Timestamp::from_unix_seconds(LocalDate::parse("2026-11-27").expect("date").days() * 86_400 + 16 * H);
    let sla = TicketSla::open(&terms(), friday, &office).expect("opens");
    let due = sla.target(TargetKind::FirstResponse).and_then(|x| x.due_at);
    assert_eq!(due, Some(friday.plus_seconds(3 * 86_400 - 4 * H)));
}

#[test]
fn a_pause_after_the_due_instant_records_the_breach() {
    let mut sla = open();
    // Resolution (10 h) passed its due instant before anyone looked; the pause says so.
    let crossed = sla
        .on_status_change(&terms(), InProgress, WaitingCustomer, t(10.5), &cal())
        .expect("ok");
    assert_eq!(
        crossed,
        vec![
            (TargetKind::Resolution, Crossing::Warning(t(8.0))),
            (TargetKind::Resolution, Crossing::Breach(t(10.0)))
        ]
    );
    assert_eq!(status(&sla, TargetKind::Resolution, t(11.0)), TargetStatus::Breached);
    sla.on_status_change(&terms(), WaitingCustomer, Resolved, t(12.0), &cal())
        .expect("ok");
    assert_eq!(
        status(&sla, TargetKind::Resolution, t(13.0)),
        TargetStatus::Breached,
        "met late stays breached"
    );
}

#[test]
fn a_reply_exactly_at_the_due_instant_is_in_time() {
    let mut sla = open();
    let crossed = sla
        .on_public_comment(&terms(), true, false, t(4.0), &cal())
        .expect("ok");
    assert_eq!(crossed, vec![(TargetKind::FirstResponse, Crossing::Warning(t(3.2)))]);
    assert_eq!(status(&sla, TargetKind::FirstResponse, t(5.0)), TargetStatus::Met);
}

#[test]
fn a_next_response_cycle_needs_an_earlier_staff_reply() {
    let only_next = PolicyTerms {
        first_response: None,
        resolution: None,
        ..terms()
    };
    let mut sla = TicketSla::open(&only_next, t(0.0), &cal()).expect("opens");
    sla.on_public_comment(&only_next, false, false, t(1.0), &cal())
        .expect("ok");
    assert!(sla.target(TargetKind::NextResponse).is_none());
    sla.on_public_comment(&only_next, false, true, t(2.0), &cal())
        .expect("ok");
    assert!(sla.target(TargetKind::NextResponse).is_some());
}
