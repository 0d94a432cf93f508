//! Survey storage: invitations stored once per round and token, found by token and by
//! ticket, answered once and changed under the guard of what was read.

use domain::survey::{Answer, Invitation, Rating, Survey, SurveyComment, SurveyRound, SurveySettings, SurveyTrigger};
use domain::{Priority, Ticket, TicketId, Timestamp};

use super::{ChangeSet, Store, StoreError, Write, at, open, spec, world};
use crate::ports::{StoredSurvey, TokenHash};

/// The round `round` of `ticket`'s survey, invited at `invited_at` with the default
/// settings, unanswered, its token hashing to `token_hash`; category, priority and
/// assignee copied from the ticket.
pub fn survey_row(ticket: &Ticket, round: u32, token_hash: &str, invited_at: Timestamp) -> StoredSurvey {
    let invitation = Invitation {
        round: SurveyRound::new(round).expect("rounds count from 1"),
        trigger: SurveyTrigger::Closed,
        send_at: invited_at,
    };
    StoredSurvey {
        survey: Survey::invite(ticket.id(), invitation, &SurveySettings::default()),
        token_hash: TokenHash(token_hash.into()),
        customer_id: ticket.customer_id(),
        agent_id: ticket.parts().assignee_id,
        category: ticket.parts().category.clone(),
        priority: ticket.parts().priority,
    }
}

/// Stores `row` in a change set of its own.
pub async fn insert_survey(s: &Store, row: StoredSurvey) -> Result<(), StoreError> {
    let mut changes = ChangeSet::default();
    changes.push(Write::InsertSurvey(row));
    s.uow.commit(changes).await
}

/// An answer given (and last changed) at `when`.
pub fn answer_of(rating: u8, comment: Option<&str>, when: Timestamp) -> Answer {
    Answer {
        rating: Rating::parse(i64::from(rating)).expect("1 to 5"),
        comment: SurveyComment::parse(comment).expect("valid"),
        answered_at: when,
        changed_at: when,
    }
}

fn round(n: u32) -> SurveyRound {
    SurveyRound::new(n).expect("rounds count from 1")
}

async fn answer(s: &Store, ticket: TicketId, n: u32, answer: Answer) -> Result<(), StoreError> {
    let mut changes = ChangeSet::default();
    changes.push(Write::AnswerSurvey {
        ticket_id: ticket,
        round: round(n),
        answer,
    });
    s.uow.commit(changes).await
}

async fn change(s: &Store, ticket: TicketId, n: u32, answer: Answer, read: Timestamp) -> Result<(), StoreError> {
    let mut changes = ChangeSet::default();
    changes.push(Write::ChangeSurveyAnswer {
        ticket_id: ticket,
        round: round(n),
        answer,
        expected_changed_at: read,
    });
    s.uow.commit(changes).await
}

/// Every field round-trips; a ticket's latest round is the highest; a page's latest
/// rounds come in one call and tickets without a survey are absent.
pub async fn surveys_are_stored_found_by_token_and_latest_round(s: &Store) {
    let w = world(s).await;
    let mut urgent = spec(w.customer.id, "Printer on fire", 0);
    urgent.priority = Priority::Urgent;
    urgent.category = "hardware";
    let t1 = open(s, urgent).await;
    let t2 = open(s, spec(w.customer.id, "Invoice", 1)).await;
    let t3 = open(s, spec(w.other.id, "Never surveyed", 2)).await;

    let mut first = survey_row(&t1, 1, "hash-1", at(100));
    first.agent_id = Some(w.agent.id);
    insert_survey(s, first.clone()).await.expect("stores round 1");
    let second = survey_row(&t1, 2, "hash-2", at(200));
    insert_survey(s, second.clone()).await.expect("stores round 2");
    let other = survey_row(&t2, 1, "hash-3", at(300));
    insert_survey(s, other.clone()).await.expect("stores another ticket's");

    let found = s
        .surveys
        .survey_by_token(&TokenHash("hash-1".into()))
        .await
        .expect("reads");
    assert_eq!(found.as_ref(), Some(&first), "every field round-trips");
    let found = found.expect("found");
    assert_eq!(found.category.as_str(), "hardware");
    assert_eq!(found.priority, Priority::Urgent);
    assert_eq!(found.agent_id, Some(w.agent.id));
    assert_eq!(
        found.survey.parts().expires_at,
        at(100).plus_micros(14 * 86_400 * 1_000_000)
    );
    assert_eq!(
        s.surveys
            .survey_by_token(&TokenHash("nope".into()))
            .await
            .expect("reads"),
        None
    );

    assert_eq!(
        s.surveys.latest_survey(t1.id()).await.expect("reads"),
        Some(second.clone())
    );
    assert_eq!(s.surveys.latest_survey(t3.id()).await.expect("reads"), None);

    let mut page = s
        .surveys
        .latest_surveys(&[t1.id(), t2.id(), t3.id(), TicketId::new(999_999)])
        .await
        .expect("reads");
    page.sort_by_key(|v| v.survey.ticket_id());
    assert_eq!(page, vec![second, other]);
    assert_eq!(s.surveys.latest_surveys(&[]).await.expect("reads"), vec![]);
}

/// A second row for a ticket's round, or a taken token hash, fails the commit as a
/// duplicate and writes nothing else of its change set.
pub async fn a_survey_round_and_a_token_hash_are_stored_once(s: &Store) {
    let w = world(s).await;
    let t = open(s, spec(w.customer.id, "Twice", 0)).await;
    insert_survey(s, survey_row(&t, 1, "taken", at(10)))
        .await
        .expect("stores");

    assert_eq!(
        insert_survey(s, survey_row(&t, 1, "fresh", at(20))).await,
        Err(StoreError::Duplicate("survey")),
        "the same round again (two planners raced)"
    );
    let mut with_taken_hash = ChangeSet::default();
    with_taken_hash
        .push(Write::InsertSurvey(survey_row(&t, 2, "fresh-2", at(30))))
        .push(Write::InsertSurvey(survey_row(&t, 3, "taken", at(30))));
    assert_eq!(
        s.uow.commit(with_taken_hash).await,
        Err(StoreError::Duplicate("token_hash"))
    );
    let latest = s.surveys.latest_survey(t.id()).await.expect("reads").expect("stored");
    assert_eq!(latest.survey.round(), round(1), "nothing of the refused change set");
    assert_eq!(
        s.surveys
            .survey_by_token(&TokenHash("fresh-2".into()))
            .await
            .expect("reads"),
        None
    );
    let ghost = Ticket::restore({
        let mut parts = t.clone().into_parts();
        parts.id = TicketId::new(987_654);
        parts
    });
    assert!(
        matches!(
            insert_survey(s, survey_row(&ghost, 1, "ghost", at(40))).await,
            Err(StoreError::Reference(_))
        ),
        "a survey of no ticket"
    );
}

/// The first answer commits once (a second loses as a conflict, as does an answer to no
/// round); a change commits only over the `changed_at` it read and keeps `answered_at`.
pub async fn a_survey_is_answered_once_and_changed_under_its_guard(s: &Store) {
    let w = world(s).await;
    let t = open(s, spec(w.customer.id, "Rate me", 0)).await;
    insert_survey(s, survey_row(&t, 1, "answer-me", at(10)))
        .await
        .expect("stores");

    assert_eq!(
        change(s, t.id(), 1, answer_of(3, None, at(50)), at(50)).await,
        Err(StoreError::VersionConflict),
        "no answer to change yet"
    );
    answer(s, t.id(), 1, answer_of(2, Some("slow"), at(100)))
        .await
        .expect("the first answer commits");
    assert_eq!(
        answer(s, t.id(), 1, answer_of(5, None, at(101))).await,
        Err(StoreError::VersionConflict),
        "a second first answer loses"
    );
    assert_eq!(
        answer(s, t.id(), 2, answer_of(5, None, at(101))).await,
        Err(StoreError::VersionConflict),
        "no such round"
    );
    let stored = s.surveys.latest_survey(t.id()).await.expect("reads").expect("stored");
    assert_eq!(
        stored.survey.current_answer(),
        Some(&answer_of(2, Some("slow"), at(100)))
    );

    let changed = Answer {
        answered_at: at(100),
        ..answer_of(4, None, at(200))
    };
    assert_eq!(
        change(s, t.id(), 1, changed.clone(), at(150)).await,
        Err(StoreError::VersionConflict),
        "read at another changed_at: a concurrent change won"
    );
    change(s, t.id(), 1, changed.clone(), at(100)).await.expect("changes");
    assert_eq!(
        change(s, t.id(), 1, answer_of(1, None, at(300)), at(100)).await,
        Err(StoreError::VersionConflict),
        "the change moved changed_at"
    );
    let stored = s
        .surveys
        .survey_by_token(&TokenHash("answer-me".into()))
        .await
        .expect("reads")
        .expect("stored");
    let got = stored.survey.current_answer().expect("answered");
    assert_eq!(got.rating.get(), 4);
    assert_eq!(got.comment, None, "a change without a comment clears it");
    assert_eq!(got.answered_at, at(100), "the first answer's instant stays");
    assert_eq!(got.changed_at, at(200));
}

/// A customer's erasure clears the comments of their survey answers and keeps the
/// ratings; other customers' answers are left alone.
pub async fn erasure_clears_the_customers_survey_comments(s: &Store) {
    let w = world(s).await;
    let theirs = open(s, spec(w.customer.id, "Theirs", 0)).await;
    let others = open(s, spec(w.other.id, "Others", 1)).await;
    for (t, hash) in [(&theirs, "erase-1"), (&others, "erase-2")] {
        insert_survey(s, survey_row(t, 1, hash, at(10))).await.expect("stores");
        answer(s, t.id(), 1, answer_of(2, Some("Jane Doe was rude"), at(20)))
            .await
            .expect("answers");
    }
    let mut erase = ChangeSet::default();
    erase.push(Write::EraseAccount {
        user_id: w.customer.id,
        display_name: "Erased customer".into(),
        email: format!("erased-{}@erased.invalid", w.customer.id),
        password_hash: "!".into(),
        at: at(30),
    });
    s.uow.commit(erase).await.expect("erases");
    let read = |t: TicketId| async move {
        s.surveys
            .latest_survey(t)
            .await
            .expect("reads")
            .expect("stored")
            .survey
            .current_answer()
            .cloned()
            .expect("answered")
    };
    let erased = read(theirs.id()).await;
    assert_eq!(erased.comment, None, "the comment is erased");
    assert_eq!(erased.rating.get(), 2, "the rating stays for the reports");
    assert_eq!(
        read(others.id()).await.comment.map(|c| c.as_str().to_owned()),
        Some("Jane Doe was rude".to_owned()),
        "another customer's answer is theirs"
    );
}

/// `RecheckEscalation` makes a ticket due a look at once, without writing the ticket.
pub async fn a_recheck_makes_the_ticket_due_for_the_escalation_loop(s: &Store) {
    let w = world(s).await;
    let t = open(s, spec(w.customer.id, "Look again", 0)).await;
    // Nothing due after the opening's look is scheduled away.
    let claimed = s.checks.claim_checks(at(5), at(500), 10).await.expect("claims");
    assert_eq!(claimed, vec![t.id()]);
    let mut schedule = ChangeSet::default();
    schedule.push(Write::ScheduleEscalationCheck {
        ticket_id: t.id(),
        at: None,
        version: t.version(),
        lease: at(500),
    });
    s.uow.commit(schedule).await.expect("schedules");
    assert_eq!(
        s.checks.claim_checks(at(10), at(600), 10).await.expect("claims"),
        vec![]
    );

    let mut recheck = ChangeSet::default();
    recheck.push(Write::RecheckEscalation {
        ticket_id: t.id(),
        at: at(20),
    });
    s.uow.commit(recheck).await.expect("commits");
    assert_eq!(
        s.checks.claim_checks(at(19), at(600), 10).await.expect("claims"),
        vec![],
        "due from `at`"
    );
    assert_eq!(
        s.checks.claim_checks(at(20), at(600), 10).await.expect("claims"),
        vec![t.id()]
    );
    let stored = s.tickets.get(t.id()).await.expect("reads").expect("stored");
    assert_eq!(stored.version(), t.version(), "the ticket itself is not written");
}

/// `CancelSurveyInvitations` cancels the ticket's pending survey invitations, leaving its
/// other notifications and other tickets' invitations alone.
pub async fn a_newer_round_cancels_the_tickets_pending_invitations(s: &Store) {
    use crate::ports::{NewNotification, NotificationStatus};
    let w = world(s).await;
    let t = open(s, spec(w.customer.id, "Delayed", 0)).await;
    let other = open(s, spec(w.customer.id, "Other", 1)).await;
    let queued = |key: &str, ticket: TicketId, template: &str| NewNotification {
        idempotency_key: key.to_owned(),
        event_id: None,
        ticket_id: Some(ticket),
        recipient_id: Some(w.customer.id),
        channel: domain::escalation::Channel::Email,
        address: w.customer.email.as_str().to_owned(),
        recipient_name: None,
        template: template.to_owned(),
        context: Default::default(),
        at: at(600),
    };
    let mut queue = ChangeSet::default();
    queue
        .push(Write::QueueNotification(queued(
            "old-invite",
            t.id(),
            "survey_invitation",
        )))
        .push(Write::QueueNotification(queued("receipt", t.id(), "ticket_created")))
        .push(Write::QueueNotification(queued(
            "other-invite",
            other.id(),
            "survey_invitation",
        )));
    s.uow.commit(queue).await.expect("queues");
    let mut cancel = ChangeSet::default();
    cancel.push(Write::CancelSurveyInvitations {
        ticket_id: t.id(),
        at: at(60),
    });
    s.uow.commit(cancel).await.expect("cancels");
    let all = s
        .notifications
        .list_notifications(None, None, 100)
        .await
        .expect("lists");
    let status = |key: &str| {
        all.iter()
            .find(|n| n.spec.idempotency_key == key)
            .map(|n| n.status)
            .expect("queued")
    };
    assert_eq!(status("old-invite"), NotificationStatus::Cancelled);
    assert_eq!(status("receipt"), NotificationStatus::Pending);
    assert_eq!(status("other-invite"), NotificationStatus::Pending);
}
