//! Contract cases of the reports: the same small history on every store, aggregated by
//! the store (SQL on the databases) and compared with hand-computed figures.

use domain::report::{AgeBucket, GroupBy};
use domain::sla::{SlaTarget, TargetKind, TicketSla};

use super::*;
use crate::ports::*;
use domain::*;

const H: i64 = 3600;

/// Applies one ticket command at its instant and commits it as the application does.
async fn act(s: &Store, id: TicketId, command: impl FnOnce(&mut Ticket) -> Result<TicketEvent, TicketError>) {
    let before = s.tickets.get(id).await.expect("reads").expect("exists");
    let mut after = before.clone();
    let event = command(&mut after).expect("accepted");
    s.uow.commit(update_of(&before, after, event)).await.expect("commits");
}

fn settled(kind: TargetKind, consumed: i64, met: Option<i64>, breached: Option<i64>) -> SlaTarget {
    SlaTarget {
        kind,
        target_seconds: 3600,
        warning_percent: 80,
        started_at: at(-2 * H),
        consumed_before: consumed,
        running_since: None,
        due_at: None,
        warn_at: None,
        warned_at: None,
        breached_at: breached.map(at),
        met_at: met.map(at),
    }
}

async fn save_sla(s: &Store, ticket: TicketId, policy: i64, revision: i64, targets: Vec<SlaTarget>) {
    let mut changes = ChangeSet::default();
    changes.push(Write::SaveSla {
        ticket_id: ticket,
        policy_id: Some(policy),
        revision,
        sla: TicketSla { targets },
    });
    s.uow.commit(changes).await.expect("saves SLA");
}

/// Three days of [`at`]`(0)`.. with a 23-hour middle day (as across a DST change).
fn window() -> ReportWindow {
    ReportWindow {
        bounds: vec![at(0), at(24 * H), at(47 * H), at(71 * H)],
        now: at(80 * H),
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// Contract: reports aggregate what was written.
pub async fn reports_aggregate_tickets_history_and_sla_targets(s: &Store) {
    let fixture = reports_fixture(s).await;
    reports_match_the_fixture(s, &fixture).await;
}

/// What [`reports_fixture`] wrote, for [`reports_match_the_fixture`].
#[derive(Debug, Clone, Copy)]
pub struct ReportsFixture {
    agent: UserId,
    lead: UserId,
    policy: i64,
}

/// Writes the reports' hand-computed data set through the ports: three tickets with
/// their assignments, status changes, responses and SLA outcomes around a three-day
/// window, and one after it.
pub async fn reports_fixture(s: &Store) -> ReportsFixture {
    use TicketStatus::*;
    let w = world(s).await;
    let lead = account(s, "lead@example.com", Role::Supervisor).await;
    let agent = Actor::new(w.agent.id, Role::Agent);
    let customer = Actor::new(w.customer.id, Role::Customer);
    let policy = s
        .policies
        .insert_policy(
            domain::sla::SlaPolicy {
                id: 1,
                name: "Gold".into(),
                priorities: Vec::new(),
                category: None,
                calendar_id: None,
                first_response_minutes: Some(60),
                next_response_minutes: None,
                resolution_minutes: Some(60),
                warning_percent: 80,
                pause_statuses: Vec::new(),
            },
            at(-10 * H),
        )
        .await
        .expect("stores policy")
        .id;

    // P: opened before the window, answered at 1h (180 wall minutes, 10 business), its
    // resolution breached at 30h (day 1); in progress throughout.
    let p = open(
        s,
        Spec {
            priority: Priority::High,
            ..spec(w.customer.id, "P", -2 * H)
        },
    )
    .await
    .id();
    act(s, p, |t| t.assign(w.agent.id, agent, at(-2 * H + 60), None)).await;
    act(s, p, |t| t.transition(InProgress, agent, at(-2 * H + 120), None)).await;
    comment_on(s, p, agent, Visibility::Public, "On it", &[], H)
        .await
        .expect("comments");
    save_sla(
        s,
        p,
        policy,
        0,
        vec![
            settled(TargetKind::FirstResponse, 600, Some(H), None),
            // Met late: breached at 10h, met at 20h — counts as breached only.
            settled(TargetKind::NextResponse, 9000, Some(20 * H), Some(10 * H)),
            settled(TargetKind::Resolution, 4000, None, Some(30 * H)),
        ],
    )
    .await;

    // Q: opened at 2h (hardware), answered after 30 minutes (20 business), resolved at
    // 5h, reopened at 25h, resolved again at 26h (1,440 wall minutes, 121 business),
    // closed at 50h.
    let q = open(
        s,
        Spec {
            category: "hardware",
            ..spec(w.customer.id, "Q", 2 * H)
        },
    )
    .await
    .id();
    act(s, q, |t| t.assign(w.agent.id, agent, at(2 * H), None)).await;
    act(s, q, |t| t.transition(InProgress, agent, at(2 * H + 600), None)).await;
    comment_on(s, q, agent, Visibility::Public, "Try this", &[], 2 * H + 1800)
        .await
        .expect("comments");
    act(s, q, |t| t.transition(Resolved, agent, at(5 * H), None)).await;
    act(s, q, |t| t.transition(InProgress, customer, at(25 * H), None)).await;
    act(s, q, |t| t.transition(Resolved, agent, at(26 * H), None)).await;
    act(s, q, |t| t.transition(Closed, customer, at(50 * H), None)).await;
    save_sla(
        s,
        q,
        policy,
        0,
        vec![
            settled(TargetKind::FirstResponse, 1200, Some(2 * H + 1800), None),
            settled(TargetKind::Resolution, 7300, Some(26 * H), None),
        ],
    )
    .await;

    // R: opened at 48h, new. X: opened at 72h, after the window.
    open(
        s,
        Spec {
            priority: Priority::Urgent,
            ..spec(w.customer.id, "R", 48 * H)
        },
    )
    .await;
    open(s, spec(w.customer.id, "X", 72 * H)).await;
    ReportsFixture {
        agent: w.agent.id,
        lead: lead.id,
        policy,
    }
}

/// Every report over [`reports_fixture`]'s data, against the figures computed by hand.
pub async fn reports_match_the_fixture(s: &Store, f: &ReportsFixture) {
    use TicketStatus::*;
    let policy = f.policy;
    let win = window();
    let sla_rows = |rows: Vec<SlaRow>| -> Vec<(String, &'static str, u64, u64)> {
        sorted(
            rows.into_iter()
                .map(|r| (format!("{:?}", r.group), r.kind.as_str(), r.met, r.breached))
                .collect(),
        )
    };
    let total = s.reports.sla_outcomes(&win, None).await.expect("sla");
    assert_eq!(
        sla_rows(total),
        [
            ("All".to_owned(), "first_response", 2, 0),
            ("All".to_owned(), "next_response", 0, 1),
            ("All".to_owned(), "resolution", 1, 1),
        ]
    );
    let agent_key = format!(
        "{:?}",
        GroupKey::Agent {
            id: Some(f.agent.get()),
            name: Some("Someone".into())
        }
    );
    let by_agent = s.reports.sla_outcomes(&win, Some(GroupBy::Agent)).await.expect("sla");
    assert_eq!(
        sla_rows(by_agent),
        [
            (agent_key.clone(), "first_response", 2, 0),
            (agent_key.clone(), "next_response", 0, 1),
            (agent_key.clone(), "resolution", 1, 1),
        ]
    );
    let by_policy = s.reports.sla_outcomes(&win, Some(GroupBy::Policy)).await.expect("sla");
    assert!(
        by_policy.iter().all(|r| r.group
            == GroupKey::Policy {
                id: Some(policy),
                name: Some("Gold".into())
            }),
        "{by_policy:?}"
    );
    let by_category = s
        .reports
        .sla_outcomes(&win, Some(GroupBy::Category))
        .await
        .expect("sla");
    assert_eq!(
        sla_rows(by_category),
        [
            ("Category(\"billing\")".to_owned(), "first_response", 1, 0),
            ("Category(\"billing\")".to_owned(), "next_response", 0, 1),
            ("Category(\"billing\")".to_owned(), "resolution", 0, 1),
            ("Category(\"hardware\")".to_owned(), "first_response", 1, 0),
            ("Category(\"hardware\")".to_owned(), "resolution", 1, 0),
        ]
    );

    let minutes = s.reports.response_minutes(&win, None).await.expect("minutes");
    let got = sorted(minutes.into_iter().map(|r| (r.measure, r.minutes, r.count)).collect());
    assert_eq!(
        got,
        [
            (Measure::FirstResponseWall, 30, 1),
            (Measure::FirstResponseWall, 180, 1),
            (Measure::FirstResponseBusiness, 10, 1),
            (Measure::FirstResponseBusiness, 20, 1),
            (Measure::ResolutionWall, 1440, 1),
            (Measure::ResolutionBusiness, 121, 1),
        ]
    );
    // Every response and resolution came while the agent had the ticket: the same
    // histogram, under the agent (one row each, none lost or doubled by the join).
    let by_agent = s
        .reports
        .response_minutes(&win, Some(GroupBy::Agent))
        .await
        .expect("minutes");
    let got = sorted(
        by_agent
            .into_iter()
            .map(|r| (format!("{:?}", r.group), r.measure, r.minutes, r.count))
            .collect(),
    );
    assert_eq!(
        got,
        [
            (agent_key.clone(), Measure::FirstResponseWall, 30, 1),
            (agent_key.clone(), Measure::FirstResponseWall, 180, 1),
            (agent_key.clone(), Measure::FirstResponseBusiness, 10, 1),
            (agent_key.clone(), Measure::FirstResponseBusiness, 20, 1),
            (agent_key.clone(), Measure::ResolutionWall, 1440, 1),
            (agent_key.clone(), Measure::ResolutionBusiness, 121, 1),
        ]
    );
    let by_priority = s
        .reports
        .response_minutes(&win, Some(GroupBy::Priority))
        .await
        .expect("minutes");
    let got = sorted(
        by_priority
            .into_iter()
            .filter(|r| r.measure == Measure::FirstResponseWall)
            .map(|r| (r.group, r.minutes))
            .collect(),
    );
    assert_eq!(
        got,
        [
            (GroupKey::Priority(Priority::Normal), 30),
            (GroupKey::Priority(Priority::High), 180)
        ]
    );

    let volume = s.reports.volume(&win).await.expect("volume");
    let days: Vec<_> = volume
        .days
        .iter()
        .map(|(d, c)| (*d, c.created, c.resolved, c.closed, c.reopened))
        .collect();
    assert_eq!(days, [(0, 1, 1, 0, 0), (1, 0, 1, 0, 1), (2, 1, 0, 1, 0)]);
    let backlog = sorted(
        volume
            .backlog
            .iter()
            .map(|b| (b.day, b.status, b.bucket, b.count))
            .collect(),
    );
    assert_eq!(
        backlog,
        [
            (0, InProgress, AgeBucket::OneToThreeDays, 1),
            (0, Resolved, AgeBucket::UnderOneDay, 1),
            (1, InProgress, AgeBucket::OneToThreeDays, 1),
            (1, Resolved, AgeBucket::OneToThreeDays, 1),
            (2, New, AgeBucket::UnderOneDay, 1),
            (2, InProgress, AgeBucket::ThreeToSevenDays, 1),
        ]
    );

    let handled = s.reports.handled(&win).await.expect("handled");
    assert_eq!(
        handled,
        [HandledRow {
            agent_id: f.agent.get(),
            handled: 1,
            reopened: 1
        }]
    );
    // No survey answered yet: every grouping of the ratings reads nothing.
    for g in [
        None,
        Some(GroupBy::Agent),
        Some(GroupBy::Category),
        Some(GroupBy::Period),
    ] {
        assert_eq!(s.reports.ratings(&win, g).await.expect("ratings"), []);
    }
    assert_eq!(s.reports.low_ratings(&win, 10).await.expect("low ratings"), []);
    let lines = s.reports.agent_lines().await.expect("agents");
    let got: Vec<_> = lines.iter().map(|l| (l.agent_id, l.load)).collect();
    assert_eq!(got, [(f.agent.get(), 1), (f.lead.get(), 0)]);
}

/// Records the first answer of `round` as the survey's use case does.
async fn answer_survey(s: &Store, ticket: TicketId, round: u32, answer: domain::survey::Answer) {
    let mut changes = ChangeSet::default();
    changes.push(Write::AnswerSurvey {
        ticket_id: ticket,
        round: domain::survey::SurveyRound::new(round).expect("from 1"),
        answer,
    });
    s.uow.commit(changes).await.expect("answers");
}

/// Contract: reports count survey answers on the day they were first given.
pub async fn reports_count_survey_answers_on_the_day_first_given(s: &Store) {
    let w = world(s).await;
    let agent = Actor::new(w.agent.id, Role::Agent);
    let t1 = open(s, spec(w.customer.id, "T1", -H)).await.id();
    act(s, t1, |t| t.assign(w.agent.id, agent, at(-H + 60), None)).await;
    let t1 = s.tickets.get(t1).await.expect("reads").expect("exists");
    let t2 = open(
        s,
        Spec {
            category: "hardware",
            ..spec(w.customer.id, "T2", -H)
        },
    )
    .await;
    let t3 = open(s, spec(w.customer.id, "T3", -H)).await;
    for (ticket, round, token) in [(&t1, 1, "r1"), (&t2, 1, "r2"), (&t3, 1, "r3"), (&t1, 2, "r4")] {
        insert_survey(s, survey_row(ticket, round, token, at(0)))
            .await
            .expect("invites");
    }
    // T1's first round rated 5 on day 0; T2 rated 2 with a comment on day 1; T1's
    // second round rated 4 on day 2 and changed to 1 later (the current rating counts,
    // on the day of the first answer); T3 answered after the window.
    answer_survey(s, t1.id(), 1, answer_of(5, Some("great"), at(H))).await;
    answer_survey(s, t2.id(), 1, answer_of(2, Some("slow, \"very\""), at(30 * H))).await;
    answer_survey(s, t1.id(), 2, answer_of(4, None, at(50 * H))).await;
    let mut changes = ChangeSet::default();
    changes.push(Write::ChangeSurveyAnswer {
        ticket_id: t1.id(),
        round: domain::survey::SurveyRound::new(2).expect("from 1"),
        answer: domain::survey::Answer {
            answered_at: at(50 * H),
            ..answer_of(1, None, at(51 * H))
        },
        expected_changed_at: at(50 * H),
    });
    s.uow.commit(changes).await.expect("changes");
    answer_survey(s, t3.id(), 1, answer_of(1, None, at(72 * H))).await;

    let win = window();
    let ratings = |rows: Vec<RatingRow>| {
        sorted(
            rows.into_iter()
                .map(|r| (r.group, r.rating, r.count))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        ratings(s.reports.ratings(&win, None).await.expect("ratings")),
        [(GroupKey::All, 1, 1), (GroupKey::All, 2, 1), (GroupKey::All, 5, 1)]
    );
    let agent_key = GroupKey::Agent {
        id: Some(w.agent.id.get()),
        name: Some("Someone".into()),
    };
    let nobody = GroupKey::Agent { id: None, name: None };
    assert_eq!(
        ratings(s.reports.ratings(&win, Some(GroupBy::Agent)).await.expect("ratings")),
        sorted(vec![(agent_key.clone(), 1, 1), (agent_key, 5, 1), (nobody, 2, 1)])
    );
    assert_eq!(
        ratings(s.reports.ratings(&win, Some(GroupBy::Category)).await.expect("ratings")),
        [
            (GroupKey::Category("billing".into()), 1, 1),
            (GroupKey::Category("billing".into()), 5, 1),
            (GroupKey::Category("hardware".into()), 2, 1),
        ]
    );
    assert_eq!(
        ratings(s.reports.ratings(&win, Some(GroupBy::Period)).await.expect("ratings")),
        [
            (GroupKey::Day(0), 5, 1),
            (GroupKey::Day(1), 2, 1),
            (GroupKey::Day(2), 1, 1)
        ]
    );
    let low = s.reports.low_ratings(&win, 10).await.expect("low ratings");
    let got: Vec<_> = low
        .iter()
        .map(|l| {
            (
                l.ticket_id,
                l.number.clone(),
                l.rating,
                l.comment.clone(),
                l.agent_id,
                l.answered_at,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                t2.id().get(),
                t2.parts().number.to_string(),
                2,
                Some("slow, \"very\"".to_owned()),
                None,
                at(30 * H)
            ),
            (
                t1.id().get(),
                t1.parts().number.to_string(),
                1,
                None,
                Some(w.agent.id.get()),
                at(50 * H)
            ),
        ]
    );
    assert_eq!(
        s.reports.low_ratings(&win, 1).await.expect("low ratings").len(),
        1,
        "the limit holds"
    );
}
