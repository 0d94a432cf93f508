//! The reports' use cases on the fakes, against hand-computed fixtures: a period of three
//! local days in a Berlin-like zone holding the spring DST change (29 March 2026 has 23
//! hours), so a UTC bucketing would put several events on other days.

use std::sync::Arc;

use domain::report::AgeBucket;
use domain::sla::{LocalDate, SlaTarget, TargetKind, TicketSla, TimeZone, TransitionTable};
use domain::{
    Actor, CategorySlug, Description, NewTicket, Priority, Role, Subject, Tags, Ticket, TicketEvent, TicketEventKind,
    TicketId, TicketParts, TicketStatus, Timestamp, UserId,
};

use super::*;
use crate::ports::{CalendarSupport, HolidayRuleSpec, StoredSla};
use crate::testing::Fake;

/// UTC and a Berlin-like zone: CET, CEST from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC.
struct Zones;

impl CalendarSupport for Zones {
    fn zone(&self, name: &str) -> Option<Arc<dyn TimeZone>> {
        match name {
            "UTC" => Some(Arc::new(domain::sla::Utc)),
            "Europe/Berlin" => Some(Arc::new(TransitionTable::new(
                "Europe/Berlin",
                3600,
                vec![(1_774_746_000, 7200), (1_792_890_000, 3600)],
            ))),
            _ => None,
        }
    }
    fn zone_database_version(&self) -> &str {
        "test"
    }
    fn holidays(
        &self,
        _dates: Vec<LocalDate>,
        _rules: &[HolidayRuleSpec],
    ) -> Result<Arc<dyn domain::sla::Holidays>, (usize, String)> {
        Err((0, "not here".into()))
    }
}

/// 2026-03-`day` `h`:`m` UTC.
fn march(day: u32, h: i64, m: i64) -> Timestamp {
    let date = LocalDate::from_ymd(2026, 3, day).expect("valid");
    Timestamp::from_unix_seconds(date.days() * 86_400 + h * 3600 + m * 60)
}

const SUPERVISOR: i64 = 4;

fn actor(id: i64, role: Role) -> Actor {
    Actor::new(UserId::new(id), role)
}

fn params(group_by: Option<&str>) -> ReportParams {
    ReportParams {
        from: Some("2026-03-28".into()),
        to: Some("2026-03-30".into()),
        time_zone: Some("Europe/Berlin".into()),
        group_by: group_by.map(str::to_owned),
    }
}

fn open(fake: &Fake, id: i64, at: Timestamp, category: &str, priority: Priority, edit: impl FnOnce(&mut TicketParts)) {
    let new = NewTicket {
        id: TicketId::new(id),
        customer_id: UserId::new(1),
        subject: Subject::parse("Help").expect("valid"),
        description: Description::parse("Something").expect("valid"),
        priority,
        category: CategorySlug::parse(category).expect("valid"),
        tags: Tags::parse::<&str>(&[]).expect("valid"),
    };
    let (ticket, event) = Ticket::open(new, actor(1, Role::Customer), at).expect("opens");
    let mut parts = ticket.parts().clone();
    edit(&mut parts);
    let mut s = fake.state();
    s.tickets.push(Ticket::restore(parts));
    s.events.push(event);
}

fn event(fake: &Fake, id: i64, at: Timestamp, kind: TicketEventKind) {
    fake.state().events.push(TicketEvent {
        ticket_id: TicketId::new(id),
        actor: None,
        at,
        kind,
    });
}

fn assigned(agent: i64, from: TicketStatus, to: TicketStatus) -> TicketEventKind {
    TicketEventKind::Assigned {
        previous: None,
        assignee: UserId::new(agent),
        from,
        to,
        reason: None,
    }
}

fn status(from: TicketStatus, to: TicketStatus) -> TicketEventKind {
    TicketEventKind::StatusChanged { from, to, reason: None }
}

/// A settled target: `consumed` business seconds, met and/or breached at the instants.
fn target(kind: TargetKind, consumed: i64, met: Option<Timestamp>, breached: Option<Timestamp>) -> SlaTarget {
    SlaTarget {
        kind,
        target_seconds: 3600,
        warning_percent: 80,
        started_at: march(1, 0, 0),
        consumed_before: consumed,
        running_since: None,
        due_at: None,
        warn_at: None,
        warned_at: None,
        breached_at: breached,
        met_at: met,
    }
}

fn sla(fake: &Fake, id: i64, targets: Vec<SlaTarget>) {
    let stored = StoredSla {
        policy_id: Some(7),
        revision: 1,
        sla: TicketSla { targets },
    };
    fake.state().slas.insert(id, (stored, None));
}

/// The fixture; every figure below is computed by hand from it (times UTC; Berlin is
/// UTC+1 until 29 March 01:00 UTC, UTC+2 after). Days: 28 March = [27th 23:00, 28th
/// 23:00), 29 March = [28th 23:00, 29th 22:00) (23 hours), 30 March = [29th 22:00, 30th
/// 22:00).
fn desk() -> (Fake, Reports) {
    use TicketStatus::*;
    let fake = Fake::default()
        .with_user(1, Role::Customer)
        .with_user(2, Role::Agent)
        .with_user(3, Role::Agent)
        .with_user(SUPERVISOR, Role::Supervisor)
        .with_user(5, Role::Admin);
    fake.state().now = march(31, 12, 0);
    // A: opened 27th 22:00 (local 27th, before the period), agent 2, first response
    // 28th 00:10 (130 wall minutes, 10 business), resolution breached 27th 23:30 (local
    // 28th 00:30: in the period, outside it in UTC days). Still in progress.
    open(&fake, 1, march(27, 22, 0), "billing", Priority::High, |p| {
        p.status = InProgress;
        p.assignee_id = Some(UserId::new(2));
        p.first_response_at = Some(march(28, 0, 10));
    });
    event(&fake, 1, march(27, 22, 10), assigned(2, New, Assigned));
    event(&fake, 1, march(27, 22, 20), status(Assigned, InProgress));
    sla(
        &fake,
        1,
        vec![
            target(TargetKind::FirstResponse, 600, Some(march(28, 0, 10)), None),
            target(TargetKind::Resolution, 4000, None, Some(march(27, 23, 30))),
        ],
    );
    // B: opened 29th 22:30 UTC = 30th 00:30 local; new, nobody's.
    open(&fake, 2, march(29, 22, 30), "hardware", Priority::Normal, |_| {});
    // C: opened 28th 08:00, agent 3; first response 08:30 (30 wall, 20 business);
    // resolved 28th 10:00, reopened 29th 09:00, resolved again 29th 12:00 (1,680 wall
    // minutes from creation, 120 business), closed 30th 08:00.
    open(&fake, 3, march(28, 8, 0), "billing", Priority::Normal, |p| {
        p.status = Closed;
        p.assignee_id = Some(UserId::new(3));
        p.first_response_at = Some(march(28, 8, 30));
        p.resolved_at = Some(march(29, 12, 0));
        p.closed_at = Some(march(30, 8, 0));
    });
    event(&fake, 3, march(28, 8, 0), assigned(3, New, Assigned));
    event(&fake, 3, march(28, 8, 30), status(Assigned, InProgress));
    event(&fake, 3, march(28, 10, 0), status(InProgress, Resolved));
    event(&fake, 3, march(29, 9, 0), status(Resolved, InProgress));
    event(&fake, 3, march(29, 12, 0), status(InProgress, Resolved));
    event(&fake, 3, march(30, 8, 0), status(Resolved, Closed));
    sla(
        &fake,
        3,
        vec![
            target(TargetKind::FirstResponse, 1200, Some(march(28, 8, 30)), None),
            // Met late (due 10:00, met 12:00 on the 29th): breached only.
            target(
                TargetKind::NextResponse,
                5000,
                Some(march(29, 12, 0)),
                Some(march(29, 10, 0)),
            ),
            target(TargetKind::Resolution, 7200, Some(march(29, 12, 0)), None),
        ],
    );
    // D: opened 29th 10:00, agent 2, first response 10:05 (5 wall), no policy; closed
    // from in progress 30th 21:30 (local 23:30, still the 30th): resolution 2,130 wall.
    open(&fake, 4, march(29, 10, 0), "billing", Priority::Urgent, |p| {
        p.status = Closed;
        p.assignee_id = Some(UserId::new(2));
        p.first_response_at = Some(march(29, 10, 5));
        p.closed_at = Some(march(30, 21, 30));
    });
    event(&fake, 4, march(29, 10, 0), assigned(2, New, Assigned));
    event(&fake, 4, march(29, 10, 5), status(Assigned, InProgress));
    event(&fake, 4, march(30, 21, 30), status(InProgress, Closed));
    // E: opened 30th 20:00 (local 22:00); first response 30th 22:30 = 31st 00:30 local,
    // after the period, with its target met then.
    open(&fake, 5, march(30, 20, 0), "billing", Priority::Normal, |p| {
        p.first_response_at = Some(march(30, 22, 30));
    });
    sla(
        &fake,
        5,
        vec![target(TargetKind::FirstResponse, 60, Some(march(30, 22, 30)), None)],
    );
    // Surveys: C (agent 3) rated 5 on the 29th; D (agent 2) rated 2 "slow" at 21:45 UTC
    // on the 30th (23:45 local, still the 30th); A rated 4 at 22:30 UTC on the 30th,
    // the 31st in Berlin, outside.
    survey(&fake, 3, Some(3), 5, None, march(29, 13, 0));
    survey(&fake, 4, Some(2), 2, Some("slow"), march(30, 21, 45));
    survey(&fake, 1, Some(2), 4, None, march(30, 22, 30));
    let reports = Reports::new(Arc::new(fake.clone()), Arc::new(Zones), Arc::new(fake.clone()));
    (fake, reports)
}

fn survey(fake: &Fake, ticket: i64, agent: Option<i64>, rating: u8, comment: Option<&str>, answered: Timestamp) {
    use domain::survey::{Invitation, Rating, Survey, SurveyComment, SurveyRound, SurveySettings, SurveyTrigger};
    let invitation = Invitation {
        round: SurveyRound::new(1).expect("from 1"),
        trigger: SurveyTrigger::Closed,
        send_at: march(20, 0, 0),
    };
    let mut survey = Survey::invite(TicketId::new(ticket), invitation, &SurveySettings::default());
    survey
        .answer(
            Rating::parse(i64::from(rating)).expect("1 to 5"),
            SurveyComment::parse(comment).expect("valid"),
            answered,
        )
        .expect("answers");
    fake.state().surveys.push(crate::ports::StoredSurvey {
        survey,
        token_hash: crate::ports::TokenHash(format!("t{ticket}")),
        customer_id: UserId::new(1),
        agent_id: agent.map(UserId::new),
        category: CategorySlug::parse("billing").expect("valid"),
        priority: Priority::Normal,
    });
}

fn supervisor() -> Actor {
    actor(SUPERVISOR, Role::Supervisor)
}

#[tokio::test]
async fn sla_counts_targets_on_the_local_day_they_were_settled() {
    let (_, reports) = desk();
    let report = reports.sla(supervisor(), &params(None)).await.expect("report");
    let got: Vec<_> = report
        .lines
        .iter()
        .map(|l| (l.group.key.as_str(), l.kind, l.compliance.met, l.compliance.breached))
        .collect();
    assert_eq!(
        got,
        [
            ("all", TargetKind::FirstResponse, 2, 0),
            ("all", TargetKind::NextResponse, 0, 1),
            ("all", TargetKind::Resolution, 1, 1),
        ],
        "A's breach at 23:30 UTC on the 27th is the 28th in Berlin; E's response is the 31st"
    );
    let percent: Vec<_> = report
        .lines
        .iter()
        .map(|l| l.compliance.percent().map(|p| p.to_string()))
        .collect();
    assert_eq!(
        percent,
        [Some("100.0".into()), Some("0.0".into()), Some("50.0".into())],
        "a target met late counts as breached, not met"
    );

    // In UTC days the period starts an hour later: A's breach falls out.
    let mut utc = params(None);
    utc.time_zone = None;
    let report = reports.sla(supervisor(), &utc).await.expect("report");
    assert_eq!(
        (report.lines[2].compliance.met, report.lines[2].compliance.breached),
        (1, 0)
    );

    let by_agent = reports.sla(supervisor(), &params(Some("agent"))).await.expect("report");
    let got: Vec<_> = by_agent
        .lines
        .iter()
        .filter(|l| l.compliance.settled() > 0)
        .map(|l| {
            (
                l.group.key.as_str(),
                l.group.name.as_str(),
                l.kind,
                l.compliance.met,
                l.compliance.breached,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2", "User 2", TargetKind::FirstResponse, 1, 0),
            ("2", "User 2", TargetKind::Resolution, 0, 1),
            ("3", "User 3", TargetKind::FirstResponse, 1, 0),
            ("3", "User 3", TargetKind::NextResponse, 0, 1),
            ("3", "User 3", TargetKind::Resolution, 1, 0),
        ]
    );
    let by_policy = reports
        .sla(supervisor(), &params(Some("policy")))
        .await
        .expect("report");
    assert!(by_policy.lines.iter().all(|l| l.group.key == "7"));
    assert_eq!(by_policy.lines.len(), 3);
}

#[tokio::test]
async fn response_times_take_medians_and_p90_in_wall_and_business_minutes() {
    let (_, reports) = desk();
    let report = reports
        .response_times(supervisor(), &params(None))
        .await
        .expect("report");
    assert_eq!(report.lines.len(), 1);
    let l = &report.lines[0];
    // First responses A 130, C 30, D 5 wall: median 30, p90 at h = 1.8: 30 + 0.8 × 100.
    assert_eq!(
        l.first_response_wall,
        Durations {
            count: 3,
            median: Some(30),
            p90: Some(110)
        }
    );
    // Business: A 10, C 20 (D has no policy): median 15, p90 10 + 0.9 × 10 = 19.
    assert_eq!(
        l.first_response_business,
        Durations {
            count: 2,
            median: Some(15),
            p90: Some(19)
        }
    );
    // Resolutions C 1,680 (last resolve) and D 2,130 (closed unresolved): median 1,905,
    // p90 1,680 + 0.9 × 450 = 2,085; business C 120 only.
    assert_eq!(
        l.resolution_wall,
        Durations {
            count: 2,
            median: Some(1905),
            p90: Some(2085)
        }
    );
    assert_eq!(
        l.resolution_business,
        Durations {
            count: 1,
            median: Some(120),
            p90: Some(120)
        }
    );

    let by_agent = reports
        .response_times(supervisor(), &params(Some("agent")))
        .await
        .expect("report");
    let got: Vec<_> = by_agent
        .lines
        .iter()
        .map(|l| {
            (
                l.group.key.as_str(),
                l.first_response_wall.median,
                l.resolution_wall.median,
            )
        })
        .collect();
    assert_eq!(got, [("2", Some(67), Some(2130)), ("3", Some(30), Some(1680))]);
    let by_priority = reports
        .response_times(supervisor(), &params(Some("priority")))
        .await
        .expect("report");
    let keys: Vec<_> = by_priority.lines.iter().map(|l| l.group.key.as_str()).collect();
    assert_eq!(keys, ["normal", "high", "urgent"], "by rank");
}

#[tokio::test]
async fn volume_counts_events_per_local_day_and_the_backlog_at_each_days_end() {
    let (_, reports) = desk();
    let report = reports.volume(supervisor(), &params(None)).await.expect("report");
    let dates: Vec<_> = report.days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(dates, ["2026-03-28", "2026-03-29", "2026-03-30"]);
    let counts: Vec<_> = report
        .days
        .iter()
        .map(|d| (d.counts.created, d.counts.resolved, d.counts.closed, d.counts.reopened))
        .collect();
    // B (29th 22:30 UTC) is created on the 30th in Berlin; D closes at 23:30 local on
    // the 30th.
    assert_eq!(counts, [(1, 1, 0, 0), (1, 1, 0, 1), (2, 0, 2, 0)]);
    // Statuses: new, assigned, in_progress, waiting_customer, resolved.
    let by_status: Vec<_> = report.days.iter().map(|d| d.backlog_by_status).collect();
    assert_eq!(by_status, [[0, 0, 1, 0, 1], [0, 0, 2, 0, 1], [2, 0, 1, 0, 0]]);
    let ages: Vec<Vec<u64>> = report
        .days
        .iter()
        .map(|d| AgeBucket::ALL.iter().map(|b| d.backlog_by_age.get(*b)).collect())
        .collect();
    // End of the 30th (22:00 UTC): A is exactly 72 hours old, so 3d_7d.
    assert_eq!(ages, [vec![1, 1, 0, 0, 0], vec![1, 2, 0, 0, 0], vec![2, 0, 1, 0, 0]]);
    assert_eq!(report.days[2].backlog_by_age.get(AgeBucket::ThreeToSevenDays), 1);
    assert_eq!(
        report.days.iter().map(VolumeDay::backlog).collect::<Vec<_>>(),
        [2, 3, 3]
    );
}

#[tokio::test]
async fn csat_counts_answers_on_the_local_day_first_given_with_the_low_comments() {
    let (_, reports) = desk();
    let report = reports.csat(supervisor(), &params(None)).await.expect("report");
    let c = report.lines[0].csat;
    assert_eq!((c.responses(), c.satisfied()), (2, 1));
    assert_eq!(c.percent().map(|p| p.to_string()).as_deref(), Some("50.0"));
    assert_eq!(c.average().map(|a| a.to_string()).as_deref(), Some("3.50"));
    let low: Vec<_> = report
        .low_ratings
        .iter()
        .map(|l| (l.number.as_str(), l.rating, l.comment.as_deref()))
        .collect();
    assert_eq!(low, [("TKT-000004", 2, Some("slow"))]);
    let by_day = reports
        .csat(supervisor(), &params(Some("period")))
        .await
        .expect("report");
    let got: Vec<_> = by_day
        .lines
        .iter()
        .map(|l| {
            (
                l.group.key.as_str(),
                l.csat.responses(),
                l.csat.percent().map(|p| p.tenths()),
            )
        })
        .collect();
    assert_eq!(got, [("2026-03-29", 1, Some(1000)), ("2026-03-30", 1, Some(0))]);
    let by_agent = reports
        .csat(supervisor(), &params(Some("agent")))
        .await
        .expect("report");
    let got: Vec<_> = by_agent
        .lines
        .iter()
        .map(|l| (l.group.name.as_str(), l.csat.count(5), l.csat.count(2)))
        .collect();
    assert_eq!(got, [("User 2", 0, 1), ("User 3", 1, 0)]);
}

#[tokio::test]
async fn agents_get_handled_tickets_reopen_rate_medians_and_load() {
    let (_, reports) = desk();
    let report = reports.agents(supervisor(), &params(None)).await.expect("report");
    let got: Vec<_> = report
        .lines
        .iter()
        .map(|l| {
            (
                l.agent_id,
                l.reopen.handled(),
                l.reopen.reopened(),
                l.reopen.percent().map(|p| p.to_string()),
                l.first_response.median,
                l.resolution.median,
                l.load,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, 1, 0, Some("0.0".into()), Some(67), Some(2130), 1),
            (3, 1, 1, Some("100.0".into()), Some(30), Some(1680), 0),
            (4, 0, 0, None, None, None, 0),
            (5, 0, 0, None, None, None, 0),
        ],
        "C resolved twice and closed counts once for agent 3, reopened once"
    );
    assert_eq!(report.lines[0].name, "User 2");
    assert_eq!(report.lines[0].first_response_business.median, Some(10));
    let csat: Vec<_> = report
        .lines
        .iter()
        .map(|l| l.csat.percent().map(|p| p.tenths()))
        .collect();
    assert_eq!(csat, [Some(0), Some(1000), None, None]);
}

#[tokio::test]
async fn reports_are_for_supervisors_and_admins_with_checked_parameters() {
    let (_, reports) = desk();
    for role in [Role::Agent, Role::Customer] {
        let err = reports.sla(actor(2, role), &params(None)).await.expect_err("refused");
        assert!(matches!(err, crate::AppError::Forbidden(_)), "{role:?}: {err:?}");
    }
    assert!(reports.volume(actor(5, Role::Admin), &params(None)).await.is_ok());
    let field = |e: crate::AppError| match e {
        crate::AppError::Invalid(f) => f[0].field.clone(),
        other => panic!("not invalid: {other:?}"),
    };
    let mut p = params(None);
    p.time_zone = Some("Mars/Olympus".into());
    assert_eq!(
        field(reports.sla(supervisor(), &p).await.expect_err("bad zone")),
        "time_zone"
    );
    let mut p = params(None);
    p.from = Some("2026-13-01".into());
    assert_eq!(
        field(reports.sla(supervisor(), &p).await.expect_err("bad date")),
        "from"
    );
    let mut p = params(None);
    p.from = Some("2026-04-01".into());
    assert_eq!(field(reports.sla(supervisor(), &p).await.expect_err("reversed")), "to");
    assert_eq!(
        field(
            reports
                .csat(supervisor(), &params(Some("policy")))
                .await
                .expect_err("group")
        ),
        "group_by"
    );
    assert_eq!(
        field(
            reports
                .volume(supervisor(), &params(Some("agent")))
                .await
                .expect_err("group")
        ),
        "group_by"
    );
    // Defaults: the last 30 days ending today in the zone (now is 31 March 12:00 UTC).
    let report = reports
        .volume(supervisor(), &ReportParams::default())
        .await
        .expect("report");
    assert_eq!(report.days.len(), 30);
    assert_eq!(report.scope.period.to().to_string(), "2026-03-31");
    assert_eq!(report.scope.period.from().to_string(), "2026-03-02");
    assert_eq!(report.scope.time_zone, "UTC");
}
