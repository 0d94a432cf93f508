//! Tests of redaction, file deletion and erasure on the fakes.

use std::sync::Arc;

use domain::{Actor, Role, TicketEventKind, UserId, Visibility};

use super::*;
use crate::comments::{
    AddComment, AddCommentInput, AddInternalNote, AttachmentRules, CommentPorts, SweepOrphanBlobs, Upload,
};
use crate::error::AppError;
use crate::notifications::{PlanNotifications, PlanPorts};
use crate::ports::{NotificationStatus, Session, TokenHash};
use crate::testing::Fake;
use crate::tickets::{CreateTicket, CreateTicketInput};

const CUSTOMER: i64 = 1;
const OTHER_CUSTOMER: i64 = 2;
const AGENT: i64 = 3;
const ADMIN: i64 = 4;
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn actor(id: i64) -> Actor {
    let role = match id {
        AGENT => Role::Agent,
        ADMIN => Role::Admin,
        _ => Role::Customer,
    };
    Actor::new(UserId::new(id), role)
}

fn fake() -> Fake {
    Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(OTHER_CUSTOMER, Role::Customer)
        .with_user(AGENT, Role::Agent)
        .with_user(ADMIN, Role::Admin)
        .with_category("billing", true)
}

fn ports(fake: &Fake) -> CommentPorts {
    CommentPorts {
        tickets: fake.ports(),
        comments: Arc::new(fake.clone()),
        blobs: Arc::new(fake.clone()),
        intents: Arc::new(fake.clone()),
    }
}

async fn open(fake: &Fake, subject: &str) -> String {
    let input = CreateTicketInput {
        subject: subject.into(),
        description: "Jane Roe's card was charged twice".into(),
        category: "billing".into(),
        ..CreateTicketInput::default()
    };
    let created = CreateTicket::new(fake.ports())
        .execute(actor(CUSTOMER), input)
        .await
        .expect("opens");
    created.ticket.id().to_string()
}

/// Adds a comment by `by` with `files` PNGs; its id.
async fn say(fake: &Fake, by: i64, ticket: &str, body: &str, files: usize) -> i64 {
    let input = AddCommentInput {
        ticket: ticket.to_owned(),
        body: Some(body.to_owned()),
        files: (0..files)
            .map(|i| Upload::in_memory(format!("f{i}.png"), Some("image/png".into()), PNG))
            .collect(),
        ..AddCommentInput::default()
    };
    let added = AddComment::new(ports(fake), AttachmentRules::default())
        .execute(actor(by), input)
        .await
        .expect("comments");
    added.comment.comment.id.get()
}

fn redact(fake: &Fake) -> RedactComment {
    RedactComment::new(ports(fake))
}

#[tokio::test]
async fn only_admins_redact_and_the_text_files_and_reason_go_where_they_should() {
    let fake = fake();
    let ticket = open(&fake, "Card charged twice").await;
    let id = say(&fake, CUSTOMER, &ticket, "my card is 4111 1111 1111 1111", 2).await;
    assert_eq!(fake.state().blobs.len(), 2);

    assert!(matches!(
        redact(&fake).execute(actor(OTHER_CUSTOMER), id, "x").await,
        Err(AppError::NotFound("comment"))
    ));
    for who in [CUSTOMER, AGENT] {
        assert!(matches!(
            redact(&fake).execute(actor(who), id, "pasted a card").await,
            Err(AppError::Forbidden(_))
        ));
    }
    assert!(matches!(
        redact(&fake).execute(actor(ADMIN), id, "  ").await,
        Err(AppError::Invalid(f)) if f[0].field == "reason"
    ));
    assert!(matches!(
        redact(&fake).execute(actor(ADMIN), id, &"x".repeat(501)).await,
        Err(AppError::Invalid(_))
    ));
    assert!(
        fake.state().redactions.is_empty(),
        "a refused redaction changes nothing"
    );

    let view = redact(&fake)
        .execute(actor(ADMIN), id, "pasted a card number")
        .await
        .expect("an admin redacts");
    assert_eq!(view.comment.body, None);
    assert!(view.attachments.is_empty());
    let redaction = view.redaction.expect("recorded");
    assert_eq!(
        (redaction.by, redaction.reason.as_str()),
        (UserId::new(ADMIN), "pasted a card number")
    );
    {
        let s = fake.state();
        assert!(s.blobs.is_empty(), "the files' blobs are deleted");
        assert!(s.intents.is_empty(), "and their intents forgotten once deleted");
        assert!(s.attachments.is_empty());
        let entry = s.events.last().expect("recorded");
        assert_eq!(entry.actor, Some(UserId::new(ADMIN)));
        assert!(matches!(
            &entry.kind,
            TicketEventKind::CommentRedacted { reason, files: 2, visibility: Visibility::Public, .. } if reason == "pasted a card number"
        ));
        assert_eq!(
            entry.kind.visibility(),
            Visibility::Internal,
            "the reason is staff-only: customers never see the entry"
        );
    }

    assert!(matches!(
        redact(&fake).execute(actor(ADMIN), id, "again").await,
        Err(AppError::Conflict {
            code: "already_redacted",
            ..
        })
    ));
}

#[tokio::test]
async fn an_internal_note_is_redacted_and_customers_cannot_even_find_it() {
    let fake = fake();
    let ticket = open(&fake, "Card charged twice").await;
    let note = AddInternalNote::new(ports(&fake), AttachmentRules::default())
        .execute(
            actor(AGENT),
            AddCommentInput {
                ticket: ticket.clone(),
                body: Some("customer sounds like Jane Roe".into()),
                ..AddCommentInput::default()
            },
        )
        .await
        .expect("notes");
    let id = note.comment.comment.id.get();
    assert!(matches!(
        redact(&fake).execute(actor(CUSTOMER), id, "x").await,
        Err(AppError::NotFound("comment"))
    ));
    let view = redact(&fake)
        .execute(actor(ADMIN), id, "personal data")
        .await
        .expect("redacts");
    assert_eq!(view.comment.body, None);
    assert!(matches!(
        fake.state().events.last().map(|e| &e.kind),
        Some(TicketEventKind::CommentRedacted {
            visibility: Visibility::Internal,
            ..
        })
    ));
}

#[tokio::test]
async fn a_blob_that_cannot_be_deleted_is_swept_later_and_the_text_is_gone_at_once() {
    let fake = fake();
    let ticket = open(&fake, "Card charged twice").await;
    let id = say(&fake, CUSTOMER, &ticket, "see my passport scan", 1).await;
    fake.state().fail_blob_deletes = true;
    let view = redact(&fake)
        .execute(actor(ADMIN), id, "identity document")
        .await
        .expect("the redaction stands although the blob store failed");
    assert_eq!(view.comment.body, None);
    assert!(view.attachments.is_empty(), "no download names the file any more");
    assert_eq!(fake.state().blobs.len(), 1, "the blob is still there");
    assert_eq!(fake.state().intents.len(), 1, "and its intent waits for the sweep");

    fake.state().fail_blob_deletes = false;
    let sweep = SweepOrphanBlobs::new(
        Arc::new(fake.clone()),
        Arc::new(fake.clone()),
        Arc::new(fake.clone()),
        3600,
    );
    assert_eq!(sweep.execute(10).await.expect("sweeps"), 0, "not before the orphan age");
    let later = fake.state().now.plus_seconds(3601);
    fake.state().now = later;
    assert_eq!(sweep.execute(10).await.expect("sweeps"), 1);
    assert!(fake.state().blobs.is_empty());
}

#[tokio::test]
async fn uploaders_delete_their_files_for_ten_minutes_and_admins_any_time() {
    let fake = fake();
    let ticket = open(&fake, "Card charged twice").await;
    say(&fake, CUSTOMER, &ticket, "two files", 2).await;
    let files: Vec<i64> = fake.state().attachments.iter().map(|a| a.id.get()).collect();
    let delete = DeleteAttachment::new(ports(&fake));
    assert!(matches!(
        delete.execute(actor(OTHER_CUSTOMER), files[0]).await,
        Err(AppError::NotFound("attachment"))
    ));
    assert!(matches!(
        delete.execute(actor(AGENT), files[0]).await,
        Err(AppError::Forbidden(_))
    ));

    let start = fake.state().now;
    fake.state().now = start.plus_seconds(600);
    delete
        .execute(actor(CUSTOMER), files[0])
        .await
        .expect("the uploader, within 10 minutes");
    assert!(matches!(
        fake.state().events.last().map(|e| &e.kind),
        Some(TicketEventKind::AttachmentDeleted { attachment_id, .. }) if attachment_id.get() == files[0]
    ));
    assert!(
        matches!(
            delete.execute(actor(CUSTOMER), files[0]).await,
            Err(AppError::NotFound("attachment"))
        ),
        "a deleted file is gone"
    );

    fake.state().now = start.plus_seconds(601);
    assert!(matches!(
        delete.execute(actor(CUSTOMER), files[1]).await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(fake.state().attachments.len(), 1, "a refused delete changes nothing");
    fake.state().now = start.plus_seconds(86_400);
    delete
        .execute(actor(ADMIN), files[1])
        .await
        .expect("an admin, any time");
    let s = fake.state();
    assert!(s.attachments.is_empty() && s.blobs.is_empty() && s.intents.is_empty());
}

#[tokio::test]
async fn an_unplanned_event_of_a_redacted_comment_never_quotes_it() {
    let fake = fake();
    let ticket = open(&fake, "Card charged twice").await;
    let id = say(&fake, AGENT, &ticket, "your code is 991234", 0).await;
    redact(&fake)
        .execute(actor(ADMIN), id, "a secret")
        .await
        .expect("redacts");
    let planner = PlanNotifications::new(
        PlanPorts {
            outbox: Arc::new(fake.clone()),
            notifications: Arc::new(fake.clone()),
            tickets: Arc::new(fake.clone()),
            comments: Arc::new(fake.clone()),
            rules: Arc::new(fake.clone()),
            uow: Arc::new(fake.clone()),
            clock: Arc::new(fake.clone()),
        },
        50,
        60,
    );
    planner.tick().await.expect("plans");
    let s = fake.state();
    assert!(!s.notifications.is_empty(), "the reply is still announced");
    assert!(
        s.notifications
            .iter()
            .all(|n| !n.spec.context.values().any(|v| v.contains("991234"))),
        "without the redacted text"
    );
}

#[tokio::test]
async fn a_pending_notification_quoting_a_redacted_comment_is_cancelled() {
    let fake = fake();
    let ticket = open(&fake, "Card charged twice").await;
    let id = say(&fake, AGENT, &ticket, "your code is 991234", 0).await;
    let planner = PlanNotifications::new(
        PlanPorts {
            outbox: Arc::new(fake.clone()),
            notifications: Arc::new(fake.clone()),
            tickets: Arc::new(fake.clone()),
            comments: Arc::new(fake.clone()),
            rules: Arc::new(fake.clone()),
            uow: Arc::new(fake.clone()),
            clock: Arc::new(fake.clone()),
        },
        50,
        60,
    );
    planner.tick().await.expect("plans");
    let quoting: Vec<i64> = fake
        .state()
        .notifications
        .iter()
        .filter(|n| n.spec.context.get("comment_body").is_some_and(|b| b.contains("991234")))
        .map(|n| n.id)
        .collect();
    assert!(!quoting.is_empty(), "the reply was planned with its text");
    redact(&fake)
        .execute(actor(ADMIN), id, "a secret")
        .await
        .expect("redacts");
    let s = fake.state();
    for n in s.notifications.iter().filter(|n| quoting.contains(&n.id)) {
        assert_eq!(n.status, NotificationStatus::Cancelled);
    }
}

fn erase(fake: &Fake) -> EraseCustomer {
    EraseCustomer::new(ports(fake))
}

#[tokio::test]
async fn erasure_is_for_admins_and_customers_only() {
    let fake = fake();
    for who in [CUSTOMER, AGENT] {
        assert!(matches!(
            erase(&fake).execute(actor(who), CUSTOMER).await,
            Err(AppError::Forbidden(_))
        ));
    }
    assert!(matches!(
        erase(&fake).execute(actor(ADMIN), AGENT).await,
        Err(AppError::Conflict {
            code: "not_a_customer",
            ..
        })
    ));
    assert!(matches!(
        erase(&fake).execute(actor(ADMIN), 999).await,
        Err(AppError::NotFound("user"))
    ));
    assert!(fake.state().users.iter().all(|u| u.active), "nothing was erased");
}

#[tokio::test]
async fn an_erased_customer_is_renamed_shut_out_and_their_words_redacted_but_tickets_stay() {
    let fake = fake();
    let first = open(&fake, "Jane Roe cannot pay").await;
    let second = open(&fake, "Refund for Jane").await;
    say(&fake, CUSTOMER, &first, "I am Jane Roe, call me", 1).await;
    let reply = say(&fake, AGENT, &first, "We will call you", 0).await;
    say(&fake, CUSTOMER, &second, "still waiting, Jane", 0).await;
    let now = fake.state().now;
    fake.state().sessions.push((
        Session {
            token_hash: TokenHash("t".into()),
            user_id: UserId::new(CUSTOMER),
            created_at: now,
            expires_at: now.plus_seconds(3600),
        },
        None,
    ));

    let done = erase(&fake).execute(actor(ADMIN), CUSTOMER).await.expect("erases");
    assert_eq!((done.tickets, done.comments, done.files), (2, 2, 1));
    {
        let s = fake.state();
        let user = s.users.iter().find(|u| u.id == UserId::new(CUSTOMER)).expect("kept");
        assert_eq!(user.display_name.as_str(), "Erased customer #1");
        assert_eq!(user.email.as_str(), "erased-1@erased.invalid");
        assert!(!user.active);
        assert!(
            s.sessions.iter().all(|(_, revoked)| revoked.is_some()),
            "sessions revoked"
        );
        assert_eq!(s.tickets.len(), 2, "tickets stay for the reports");
        for t in &s.tickets {
            assert_eq!(t.parts().subject.as_str(), "[erased]");
            assert_eq!(t.parts().description.as_str(), "[redacted]");
        }
        for c in &s.comments {
            if c.author_id == UserId::new(CUSTOMER) {
                assert_eq!(c.body, None);
                assert_eq!(s.redactions[&c.id.get()].reason.as_str(), "erasure");
            }
        }
        let kept = s.comments.iter().find(|c| c.id.get() == reply).expect("kept");
        assert!(
            kept.body.is_some(),
            "staff replies are the organisation's, not the customer's"
        );
        assert!(s.blobs.is_empty());
    }

    let again = erase(&fake)
        .execute(actor(ADMIN), CUSTOMER)
        .await
        .expect("erasing twice is fine");
    assert_eq!((again.tickets, again.comments, again.files), (2, 0, 0));
}

#[tokio::test]
async fn a_customer_with_many_comments_is_erased_in_small_transactions() {
    let fake = fake();
    let ticket = open(&fake, "Busy ticket").await;
    for i in 0..120 {
        say(&fake, CUSTOMER, &ticket, &format!("message {i}"), 0).await;
    }
    let before = fake.state().commits;
    let done = erase(&fake).execute(actor(ADMIN), CUSTOMER).await.expect("erases");
    assert_eq!(done.comments, 120);
    // The account, the ticket's text, then at most 50 comments per commit.
    assert_eq!(fake.state().commits - before, 1 + 1 + 3);
}
