//! Surveys against the in-memory fakes: invitations planned from the outbox (close,
//! exclusions, delay, SMS consent, rounds, idempotence) and answers through the token and
//! logged in.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use domain::assignment::Availability;
use domain::survey::SurveySettings;
use domain::{Actor, Role, TicketEventKind, UserId};

use super::*;
use crate::error::AppError;
use crate::notifications::{PlanNotifications, PlanPorts};
use crate::ports::{NotificationRepository, TokenHash, TokenIssuer};
use crate::testing::{Fake, START};
use crate::tickets::{ChangeStatus, ChangeStatusInput, CreateTicket, CreateTicketInput};

const CUSTOMER: i64 = 1;
const AGENT: i64 = 2;
const OTHER: i64 = 3;

/// Tokens `tok-1`, `tok-2`, … hashed as `hash:TOKEN`.
#[derive(Default)]
struct Tokens(AtomicUsize);

impl TokenIssuer for Tokens {
    fn issue(&self) -> (String, TokenHash) {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("tok-{n}");
        let hash = self.hash(&token);
        (token, hash)
    }

    fn hash(&self, token: &str) -> TokenHash {
        TokenHash(format!("hash:{token}"))
    }
}

fn actor(id: i64) -> Actor {
    let role = if id == AGENT { Role::Agent } else { Role::Customer };
    Actor::new(UserId::new(id), role)
}

fn fake() -> Fake {
    Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(AGENT, Role::Agent)
        .with_user(OTHER, Role::Customer)
        .with_category("billing", true)
        .with_agent(AGENT, Availability::Online, 5, &["billing"])
}

fn planner(fake: &Fake, settings: SurveySettings) -> PlanNotifications {
    let ports = PlanPorts {
        outbox: Arc::new(fake.clone()),
        notifications: Arc::new(fake.clone()),
        tickets: Arc::new(fake.clone()),
        comments: Arc::new(fake.clone()),
        rules: Arc::new(fake.clone()),
        uow: Arc::new(fake.clone()),
        clock: Arc::new(fake.clone()),
    };
    PlanNotifications::new(ports, 50, 60).with_surveys(SurveyInvitations {
        surveys: Arc::new(fake.clone()),
        tokens: Arc::new(Tokens::default()),
        settings,
        public_url: "https://desk.example.com/".into(),
    })
}

fn surveys(fake: &Fake) -> Surveys {
    Surveys::new(SurveyPorts {
        surveys: Arc::new(fake.clone()),
        tickets: Arc::new(fake.clone()),
        uow: Arc::new(fake.clone()),
        tokens: Arc::new(Tokens::default()),
        clock: Arc::new(fake.clone()),
    })
}

/// Opens a ticket as the customer (assigned to the agent on creation); its id as text.
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
    created.ticket.id().get().to_string()
}

async fn move_to(fake: &Fake, by: i64, ticket: &str, to: &str) {
    let input = ChangeStatusInput {
        to: to.into(),
        ..ChangeStatusInput::default()
    };
    ChangeStatus::new(fake.ports())
        .execute(actor(by), ticket, input, None)
        .await
        .unwrap_or_else(|e| panic!("moves to {to}: {e}"));
}

fn later(fake: &Fake, seconds: i64) {
    let now = fake.state().now;
    fake.set_now(now.plus_seconds(seconds));
}

/// The survey invitations queued: (channel, due, link).
fn invitations(fake: &Fake) -> Vec<(String, domain::Timestamp, String)> {
    fake.state()
        .notifications
        .iter()
        .filter(|n| n.spec.template == SURVEY_TEMPLATE)
        .map(|n| {
            (
                n.spec.channel.as_str().to_owned(),
                n.next_attempt_at,
                n.spec.context.get("survey_url").cloned().unwrap_or_default(),
            )
        })
        .collect()
}

fn rounds(fake: &Fake) -> Vec<u32> {
    fake.state().surveys.iter().map(|s| s.survey.round().get()).collect()
}

#[tokio::test]
async fn a_staff_close_invites_by_email_with_a_link_on_the_public_url_and_planning_twice_invites_once() {
    let fake = fake();
    let id = open(&fake).await;
    later(&fake, 3_600);
    move_to(&fake, AGENT, &id, "closed").await;
    let plan = planner(&fake, SurveySettings::default());
    plan.tick().await.expect("plans");
    assert_eq!(
        invitations(&fake),
        vec![(
            "email".to_owned(),
            START.plus_seconds(3_600),
            "https://desk.example.com/api/v1/surveys/tok-1".to_owned()
        )],
        "at once, e-mail only (no phone), the link's token only in the message"
    );
    let stored = fake.state().surveys.clone();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].token_hash,
        TokenHash("hash:tok-1".into()),
        "only the hash is stored"
    );
    assert_eq!(
        stored[0].agent_id,
        Some(UserId::new(AGENT)),
        "the assignee at invitation"
    );
    let context = fake.state().notifications.last().expect("queued").spec.context.clone();
    assert!(context.keys().all(|k| {
        [
            "recipient_name",
            "ticket_number",
            "ticket_subject",
            "survey_url",
            "valid_days",
        ]
        .contains(&k.as_str())
    }));

    // At-least-once: the event planned again (a planner whose lease ran out) adds nothing.
    let event = fake.state().events.len() as i64;
    fake.state().outbox_done.remove(&event);
    plan.tick().await.expect("plans again");
    assert_eq!(rounds(&fake), vec![1]);
    assert_eq!(invitations(&fake).len(), 1);
}

#[tokio::test]
async fn a_quick_customer_close_is_excluded_and_the_exclusion_can_be_turned_off() {
    let fake = fake();
    let id = open(&fake).await;
    later(&fake, 600);
    move_to(&fake, CUSTOMER, &id, "closed").await;
    planner(&fake, SurveySettings::default()).tick().await.expect("plans");
    assert_eq!(
        rounds(&fake),
        Vec::<u32>::new(),
        "closed by its customer within 10 minutes"
    );

    let fake2 = self::fake();
    let id = open(&fake2).await;
    later(&fake2, 600);
    move_to(&fake2, CUSTOMER, &id, "closed").await;
    let no_exclusion = SurveySettings {
        exclude_customer_close_within: None,
        ..SurveySettings::default()
    };
    planner(&fake2, no_exclusion).tick().await.expect("plans");
    assert_eq!(rounds(&fake2), vec![1]);
}

#[tokio::test]
async fn the_delay_sets_the_send_instant_and_sms_goes_only_with_consent() {
    let fake = fake();
    fake.set_contact(UserId::new(CUSTOMER), Some("+15550100".into()), false)
        .await
        .expect("stores");
    let id = open(&fake).await;
    move_to(&fake, AGENT, &id, "closed").await;
    let delayed = SurveySettings {
        delay: Duration::from_secs(30 * 60),
        ..SurveySettings::default()
    };
    planner(&fake, delayed).tick().await.expect("plans");
    let sent = invitations(&fake);
    assert_eq!(sent.len(), 1, "a number without consent gets no SMS: {sent:?}");
    assert_eq!(sent[0].1, START.plus_seconds(30 * 60), "due after the delay");
    let survey = fake.state().surveys[0].survey.clone();
    assert_eq!(survey.parts().invited_at, START.plus_seconds(30 * 60));
    assert_eq!(
        survey.parts().expires_at,
        START.plus_seconds(30 * 60 + 14 * 86_400),
        "the link lives from the send instant"
    );

    let consenting = self::fake();
    consenting
        .set_contact(UserId::new(CUSTOMER), Some("+15550100".into()), true)
        .await
        .expect("stores");
    let id = open(&consenting).await;
    move_to(&consenting, AGENT, &id, "closed").await;
    planner(&consenting, SurveySettings::default())
        .tick()
        .await
        .expect("plans");
    let channels: Vec<String> = invitations(&consenting).into_iter().map(|i| i.0).collect();
    assert_eq!(channels, ["email", "sms"]);
}

#[tokio::test]
async fn resolving_invites_only_when_configured_and_a_reopened_resolve_opens_the_next_round() {
    let fake = fake();
    let id = open(&fake).await;
    move_to(&fake, AGENT, &id, "in_progress").await;
    move_to(&fake, AGENT, &id, "resolved").await;
    planner(&fake, SurveySettings::default()).tick().await.expect("plans");
    assert_eq!(rounds(&fake), Vec::<u32>::new(), "close only by default");

    let on_resolved = SurveySettings {
        on_resolved: true,
        ..SurveySettings::default()
    };
    let fake = self::fake();
    let id = open(&fake).await;
    move_to(&fake, AGENT, &id, "in_progress").await;
    move_to(&fake, AGENT, &id, "resolved").await;
    let plan = planner(&fake, on_resolved);
    plan.tick().await.expect("plans");
    assert_eq!(rounds(&fake), vec![1]);
    // Reopened and resolved again in the same batch: the second round supersedes.
    later(&fake, 60);
    move_to(&fake, CUSTOMER, &id, "in_progress").await;
    later(&fake, 60);
    move_to(&fake, AGENT, &id, "resolved").await;
    // And closed straight from that invited resolve: no third invitation.
    later(&fake, 60);
    move_to(&fake, AGENT, &id, "closed").await;
    plan.tick().await.expect("plans");
    assert_eq!(rounds(&fake), vec![1, 2]);
    let s = surveys(&fake);
    s.by_token("tok-1")
        .await
        .map(|_| ())
        .map_err(|e| {
            matches!(
                e,
                AppError::Gone {
                    code: "survey_superseded",
                    ..
                }
            )
        })
        .expect_err("the old link is superseded");
    assert!(s.by_token("tok-2").await.is_ok());
}

fn input(rating: i64, comment: Option<&str>) -> SurveyAnswerInput {
    SurveyAnswerInput {
        rating: Some(rating),
        comment: comment.map(str::to_owned),
    }
}

fn code(e: AppError) -> String {
    match e {
        AppError::Gone { code, .. } | AppError::Conflict { code, .. } => code.to_owned(),
        AppError::Invalid(fields) => format!("invalid:{}", fields[0].field),
        AppError::NotFound(what) => format!("not_found:{what}"),
        AppError::Forbidden(_) => "forbidden".to_owned(),
        other => other.to_string(),
    }
}

/// A closed ticket with its invitation planned; the ticket's id.
async fn surveyed(fake: &Fake) -> String {
    let id = open(fake).await;
    move_to(fake, AGENT, &id, "closed").await;
    planner(fake, SurveySettings::default()).tick().await.expect("plans");
    id
}

#[tokio::test]
async fn the_token_answers_once_changes_within_the_window_and_is_spent_after() {
    let fake = fake();
    let id = surveyed(&fake).await;
    let s = surveys(&fake);
    let shown = s.by_token("tok-1").await.expect("shows");
    assert_eq!(shown.may, Some(domain::survey::TokenUse::Answer));
    assert_eq!(
        code(s.by_token("tok-x").await.expect_err("altered")),
        "not_found:survey"
    );
    assert_eq!(
        code(s.answer_by_token("tok-1", input(0, None)).await.expect_err("0")),
        "invalid:rating"
    );
    let long = "x".repeat(2_001);
    assert_eq!(
        code(
            s.answer_by_token("tok-1", input(3, Some(&long)))
                .await
                .expect_err("long")
        ),
        "invalid:comment"
    );
    assert_eq!(
        code(
            s.change_by_token("tok-1", input(3, None))
                .await
                .expect_err("nothing to change")
        ),
        "not_answered"
    );
    assert_eq!(
        fake.state().surveys[0].survey.current_answer(),
        None,
        "refusals record nothing"
    );

    let answered = s
        .answer_by_token("tok-1", input(2, Some("slow")))
        .await
        .expect("answers");
    assert_eq!(answered.may, Some(domain::survey::TokenUse::Change));
    assert_eq!(
        code(s.answer_by_token("tok-1", input(5, None)).await.expect_err("twice")),
        "already_answered"
    );
    let events: Vec<TicketEventKind> = fake.state().events.iter().map(|e| e.kind.clone()).collect();
    assert!(
        matches!(
            events.last(),
            Some(TicketEventKind::SurveyAnswered { changed: false, .. })
        ),
        "{events:?}"
    );
    let ticket_id = domain::TicketId::new(id.parse().expect("id"));
    let due = fake.state().checks.get(&ticket_id.get()).and_then(|c| c.0);
    assert_eq!(due, Some(fake.state().now), "due for an escalation look");

    later(&fake, 7 * 86_400);
    let changed = s
        .change_by_token("tok-1", input(4, None))
        .await
        .expect("at the window's end");
    assert_eq!(changed.survey.current_answer().map(|a| a.rating.get()), Some(4));
    later(&fake, 1);
    assert_eq!(
        code(s.change_by_token("tok-1", input(5, None)).await.expect_err("spent")),
        "survey_spent"
    );
    assert_eq!(code(s.by_token("tok-1").await.expect_err("spent")), "survey_spent");
}

#[tokio::test]
async fn an_unanswered_token_expires_and_logged_in_answers_follow_the_same_rules() {
    let fake = fake();
    let id = surveyed(&fake).await;
    let s = surveys(&fake);
    let ticket = domain::TicketId::new(id.parse().expect("id"));
    assert_eq!(
        code(
            s.answer_ticket(&actor(OTHER), ticket, input(5, None))
                .await
                .expect_err("other")
        ),
        "not_found:ticket"
    );
    assert_eq!(
        code(
            s.answer_ticket(&actor(AGENT), ticket, input(5, None))
                .await
                .expect_err("staff")
        ),
        "forbidden"
    );
    let read = s.for_ticket(&actor(AGENT), ticket).await.expect("staff read");
    assert_eq!(read.may, None, "staff may not answer");
    assert_eq!(
        code(s.for_ticket(&actor(OTHER), ticket).await.expect_err("other")),
        "not_found:ticket"
    );

    later(&fake, 14 * 86_400 + 1);
    assert_eq!(code(s.by_token("tok-1").await.expect_err("expired")), "survey_expired");
    assert_eq!(
        code(
            s.answer_ticket(&actor(CUSTOMER), ticket, input(5, None))
                .await
                .expect_err("expired")
        ),
        "survey_expired"
    );

    let fresh = self::fake();
    let id = surveyed(&fresh).await;
    let s = surveys(&fresh);
    let ticket = domain::TicketId::new(id.parse().expect("id"));
    let r = s
        .answer_ticket(&actor(CUSTOMER), ticket, input(1, Some("rude")))
        .await
        .expect("answers logged in");
    assert_eq!(r.survey.current_answer().map(|a| a.rating.get()), Some(1));
    later(&fresh, 7 * 86_400 + 1);
    assert_eq!(
        code(
            s.change_ticket(&actor(CUSTOMER), ticket, input(3, None))
                .await
                .expect_err("late")
        ),
        "edit_window_passed"
    );
}

#[tokio::test]
async fn a_delayed_invitation_superseded_before_its_send_instant_is_cancelled() {
    let fake = fake();
    let id = open(&fake).await;
    let delayed = SurveySettings {
        on_resolved: true,
        delay: Duration::from_secs(3_600),
        ..SurveySettings::default()
    };
    let plan = planner(&fake, delayed);
    move_to(&fake, AGENT, &id, "in_progress").await;
    move_to(&fake, AGENT, &id, "resolved").await;
    plan.tick().await.expect("plans");
    later(&fake, 60);
    move_to(&fake, CUSTOMER, &id, "in_progress").await;
    later(&fake, 60);
    move_to(&fake, AGENT, &id, "resolved").await;
    plan.tick().await.expect("plans");
    assert_eq!(rounds(&fake), vec![1, 2]);
    let statuses: Vec<(String, crate::ports::NotificationStatus)> = fake
        .state()
        .notifications
        .iter()
        .filter(|n| n.spec.template == SURVEY_TEMPLATE)
        .map(|n| (n.spec.context["survey_url"].clone(), n.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (
                "https://desk.example.com/api/v1/surveys/tok-1".to_owned(),
                crate::ports::NotificationStatus::Cancelled
            ),
            (
                "https://desk.example.com/api/v1/surveys/tok-2".to_owned(),
                crate::ports::NotificationStatus::Pending
            ),
        ],
        "the first round's invitation is never sent"
    );
}
