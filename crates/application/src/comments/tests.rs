//! Use-case tests of the conversation against the in-memory fakes.

use std::sync::Arc;

use domain::{Actor, Role, TicketError, TicketStatus, UserId, Visibility};

use super::*;
use crate::error::AppError;
use crate::ports::StoreError;
use crate::testing::Fake;
use crate::tickets::{ChangeStatus, ChangeStatusInput, CreateTicket, CreateTicketInput, TicketHistory};

const CUSTOMER: i64 = 1;
const OTHER_CUSTOMER: i64 = 2;
const AGENT: i64 = 3;
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn actor(id: i64) -> Actor {
    let role = if id == AGENT { Role::Agent } else { Role::Customer };
    Actor::new(UserId::new(id), role)
}

fn fake() -> Fake {
    Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(OTHER_CUSTOMER, Role::Customer)
        .with_user(AGENT, Role::Agent)
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

fn comment(ticket: &str, body: &str) -> AddCommentInput {
    AddCommentInput {
        ticket: ticket.to_owned(),
        body: Some(body.to_owned()),
        ..AddCommentInput::default()
    }
}

fn png(name: &str) -> Upload {
    Upload::in_memory(name, Some("image/png".into()), PNG)
}

/// The bytes of a download, read from its stream.
async fn bytes_of(download: super::Download) -> Vec<u8> {
    use futures_util::StreamExt as _;
    let mut out = Vec::new();
    let mut stream = download.body.stream;
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.expect("reads"));
    }
    assert_eq!(out.len() as u64, download.body.size, "the size announced");
    out
}

fn add(fake: &Fake) -> AddComment {
    AddComment::new(ports(fake), AttachmentRules::default())
}

#[tokio::test]
async fn an_internal_note_is_invisible_to_the_customer_everywhere() {
    let fake = fake();
    let ticket = open(&fake).await;
    let note = AddInternalNote::new(ports(&fake), AttachmentRules::default());
    let mut input = comment(&ticket, "refund fraud suspected");
    input.files = vec![png("evidence.png")];
    let added = note.execute(actor(AGENT), input).await.expect("agent writes a note");
    assert_eq!(added.comment.comment.visibility, Visibility::Internal);
    assert_eq!(
        added.ticket.parts().version.get(),
        1,
        "the ticket's version did not move"
    );

    let list = ListComments::new(ports(&fake));
    let seen = list.execute(actor(CUSTOMER), &ticket, None, None).await.expect("lists");
    assert!(seen.items.is_empty(), "customer sees no note");
    let staff = list.execute(actor(AGENT), &ticket, None, None).await.expect("lists");
    assert_eq!(staff.items.len(), 1);

    let files = ListAttachments::new(ports(&fake));
    assert!(
        files
            .execute(actor(CUSTOMER), &ticket, None, None)
            .await
            .expect("lists")
            .items
            .is_empty()
    );
    let id = added.comment.attachments[0].id.get();
    let download = DownloadAttachment::new(ports(&fake));
    assert!(matches!(
        download.execute(actor(CUSTOMER), id).await,
        Err(AppError::NotFound("attachment"))
    ));
    assert_eq!(
        bytes_of(download.execute(actor(AGENT), id).await.expect("staff downloads")).await,
        PNG
    );

    let history = TicketHistory::new(fake.ports());
    let customer_history = history
        .execute(actor(CUSTOMER), &ticket, None, None)
        .await
        .expect("history");
    assert_eq!(customer_history.items.len(), 1, "only the creation");
    assert_eq!(
        history
            .execute(actor(AGENT), &ticket, None, None)
            .await
            .expect("history")
            .items
            .len(),
        2
    );
}

#[tokio::test]
async fn customers_may_not_write_notes_and_strangers_see_nothing() {
    let fake = fake();
    let ticket = open(&fake).await;
    let mut input = comment(&ticket, "psst");
    input.visibility = Some("internal".into());
    assert!(matches!(
        add(&fake).execute(actor(CUSTOMER), input.clone()).await,
        Err(AppError::Ticket(TicketError::ActionForbidden { .. }))
    ));
    assert!(matches!(
        add(&fake).execute(actor(OTHER_CUSTOMER), comment(&ticket, "hi")).await,
        Err(AppError::NotFound("ticket"))
    ));
    assert!(matches!(
        ListComments::new(ports(&fake))
            .execute(actor(OTHER_CUSTOMER), &ticket, None, None)
            .await,
        Err(AppError::NotFound("ticket"))
    ));
    let s = fake.state();
    assert!(s.comments.is_empty() && s.blobs.is_empty());
}

#[tokio::test]
async fn a_reply_records_the_first_response_and_the_customer_answer_resumes_work() {
    let fake = fake();
    let ticket = open(&fake).await;
    let reply = add(&fake)
        .execute(actor(AGENT), comment(&ticket, "On it"))
        .await
        .expect("reply");
    let first = reply.ticket.parts().first_response_at;
    assert!(first.is_some());
    let status = ChangeStatus::new(fake.ports());
    for to in ["assigned", "in_progress", "waiting_customer"] {
        let input = ChangeStatusInput {
            to: to.into(),
            assignee_id: (to == "assigned").then_some(AGENT),
            ..ChangeStatusInput::default()
        };
        status.execute(actor(AGENT), &ticket, input, None).await.expect("moves");
    }
    let answer = add(&fake)
        .execute(actor(CUSTOMER), comment(&ticket, "Here it is"))
        .await
        .expect("answer");
    assert_eq!(answer.ticket.status(), TicketStatus::InProgress);
    assert_eq!(answer.ticket.parts().first_response_at, first);
    assert_eq!(answer.ticket.parts().public_comment_count, 2);
    let kinds: Vec<&str> = fake.state().events.iter().map(|e| e.kind.event_type()).collect();
    assert_eq!(
        kinds,
        [
            "TicketCreated",
            "CommentAdded",
            "TicketAssigned",
            "TicketStatusChanged",
            "TicketStatusChanged",
            "CommentAdded",
            "TicketStatusChanged"
        ]
    );
}

#[tokio::test]
async fn bad_files_are_refused_before_anything_is_stored() {
    let fake = fake();
    let ticket = open(&fake).await;
    let rules = AttachmentRules {
        max_file_bytes: 8,
        ..AttachmentRules::default()
    };
    let mut input = comment(&ticket, "see file");
    input.files = vec![png("big.png")];
    assert!(matches!(
        AddComment::new(ports(&fake), rules)
            .execute(actor(CUSTOMER), input)
            .await,
        Err(AppError::PayloadTooLarge(_))
    ));
    let mut input = comment(&ticket, "see file");
    input.files = vec![Upload::in_memory(
        "setup.png",
        Some("image/png".into()),
        &b"MZ\x90\0program"[..],
    )];
    assert!(matches!(
        add(&fake).execute(actor(CUSTOMER), input).await,
        Err(AppError::UnsupportedMediaType(_))
    ));
    let empty = AddCommentInput {
        ticket: ticket.clone(),
        ..AddCommentInput::default()
    };
    assert!(matches!(
        add(&fake).execute(actor(CUSTOMER), empty).await,
        Err(AppError::Invalid(_))
    ));
    let s = fake.state();
    assert!(s.comments.is_empty() && s.blobs.is_empty() && s.attachments.is_empty());
}

#[tokio::test]
async fn file_names_are_sanitised_and_never_reach_the_blob_key() {
    let fake = fake();
    let ticket = open(&fake).await;
    let mut input = comment(&ticket, "screenshot");
    input.files = vec![png("../../../etc/passwd.png")];
    let added = add(&fake).execute(actor(CUSTOMER), input).await.expect("added");
    let a = &added.comment.attachments[0];
    assert_eq!(a.file_name.as_str(), "passwd.png");
    assert_eq!(a.blob_key, format!("tickets/{ticket}/{}", a.id));
    assert_eq!(a.media_type.as_str(), "image/png");
    assert_eq!(a.size_bytes, PNG.len() as u64);
}

#[tokio::test]
async fn a_blob_store_fault_leaves_no_row_and_no_blob() {
    let fake = fake();
    let ticket = open(&fake).await;
    fake.state().blob_puts_left = Some(1);
    let mut input = comment(&ticket, "two files");
    input.files = vec![png("a.png"), png("b.png")];
    assert!(matches!(
        add(&fake).execute(actor(CUSTOMER), input).await,
        Err(AppError::Unavailable(_))
    ));
    let s = fake.state();
    assert!(s.blobs.is_empty(), "the first blob was deleted again");
    assert!(s.intents.is_empty(), "and its intent forgotten");
    assert!(s.comments.is_empty() && s.attachments.is_empty());
    assert_eq!(s.tickets[0].parts().public_comment_count, 0);
}

#[tokio::test]
async fn a_failed_commit_deletes_the_stored_blobs() {
    let fake = fake();
    let ticket = open(&fake).await;
    fake.state().fail_commits = Some(StoreError::Unavailable("database down".into()));
    let mut input = comment(&ticket, "file");
    input.files = vec![png("a.png")];
    assert!(matches!(
        add(&fake).execute(actor(CUSTOMER), input).await,
        Err(AppError::Unavailable(_))
    ));
    let s = fake.state();
    assert!(s.blobs.is_empty() && s.comments.is_empty());
}

#[tokio::test]
async fn a_ticket_closed_during_the_upload_refuses_the_comment_and_keeps_no_blob() {
    let fake = fake();
    let ticket = open(&fake).await;
    // The first commit finds the ticket closed (as a concurrent close would); the retry
    // reloads it closed and the domain refuses.
    {
        let mut s = fake.state();
        let parts = s.tickets[0].clone().into_parts();
        s.tickets[0] = domain::Ticket::restore(domain::TicketParts {
            status: TicketStatus::Closed,
            ..parts
        });
    }
    let mut input = comment(&ticket, "late");
    input.files = vec![png("a.png")];
    assert!(matches!(
        add(&fake).execute(actor(CUSTOMER), input).await,
        Err(AppError::Ticket(TicketError::Closed))
    ));
    assert!(fake.state().blobs.is_empty());
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_same_comment() {
    let fake = fake();
    let ticket = open(&fake).await;
    let mut input = comment(&ticket, "once");
    input.idempotency_key = Some("k1".into());
    let first = add(&fake).execute(actor(CUSTOMER), input.clone()).await.expect("adds");
    let again = add(&fake)
        .execute(actor(CUSTOMER), input.clone())
        .await
        .expect("replays");
    assert!(again.replayed);
    assert_eq!(again.comment.comment.id, first.comment.comment.id);
    input.body = Some("different".into());
    assert!(matches!(
        add(&fake).execute(actor(CUSTOMER), input).await,
        Err(AppError::IdempotencyKeyReused)
    ));
    assert_eq!(fake.state().comments.len(), 1);
}

#[tokio::test]
async fn a_committed_upload_leaves_no_intent_and_the_sweeper_keeps_its_blob() {
    let fake = fake();
    let ticket = open(&fake).await;
    let mut input = comment(&ticket, "file");
    input.files = vec![png("a.png")];
    add(&fake).execute(actor(CUSTOMER), input).await.expect("added");
    assert!(fake.state().intents.is_empty());
    let clock = Arc::new(crate::testing::FixedClock(domain::Timestamp::from_unix_seconds(
        1_900_000_000,
    )));
    let sweep = SweepOrphanBlobs::new(Arc::new(fake.clone()), Arc::new(fake.clone()), clock, 3600);
    assert_eq!(sweep.execute(100).await.expect("sweeps"), 0);
    assert_eq!(fake.state().blobs.len(), 1);
}

#[tokio::test]
async fn the_sweeper_deletes_blobs_of_uploads_that_never_committed() {
    use crate::ports::{BlobStore, UploadIntents};
    let fake = fake();
    let t0 = domain::Timestamp::from_unix_seconds(1_800_000_000);
    // A crash after storing: the intent and the blob exist, no row does.
    fake.record(&["tickets/1/1".to_owned()], t0).await.expect("records");
    fake.put("tickets/1/1", crate::ports::single_chunk(PNG))
        .await
        .expect("puts");
    // A young upload still in flight.
    fake.record(&["tickets/1/2".to_owned()], t0.plus_seconds(3000))
        .await
        .expect("records");
    fake.put("tickets/1/2", crate::ports::single_chunk(PNG))
        .await
        .expect("puts");
    let clock = Arc::new(crate::testing::FixedClock(t0.plus_seconds(3700)));
    let sweep = SweepOrphanBlobs::new(Arc::new(fake.clone()), Arc::new(fake.clone()), clock, 3600);
    assert_eq!(sweep.execute(100).await.expect("sweeps"), 1);
    let s = fake.state();
    assert_eq!(s.blobs.keys().collect::<Vec<_>>(), ["tickets/1/2"]);
    assert_eq!(s.intents.keys().collect::<Vec<_>>(), ["tickets/1/2"]);
}

#[tokio::test]
async fn a_commit_after_the_sweeper_claimed_its_upload_fails_and_keeps_nothing() {
    let fake = fake();
    let ticket = open(&fake).await;
    let mut input = comment(&ticket, "slow upload");
    input.files = vec![png("a.png")];
    let mut swept = ports(&fake);
    swept.intents = Arc::new(Forgetful);
    let result = AddComment::new(swept, AttachmentRules::default())
        .execute(actor(CUSTOMER), input)
        .await;
    assert!(matches!(result, Err(AppError::Conflict { .. })), "{result:?}");
    let s = fake.state();
    assert!(s.attachments.is_empty() && s.comments.is_empty() && s.blobs.is_empty());
}

/// Upload intents that are swept the moment they are recorded.
struct Forgetful;

#[async_trait::async_trait]
impl crate::ports::UploadIntents for Forgetful {
    async fn record(&self, _: &[String], _: domain::Timestamp) -> Result<(), StoreError> {
        Ok(())
    }

    async fn stale(&self, _: domain::Timestamp, _: u32) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }

    async fn claim(&self, _: &str) -> Result<bool, StoreError> {
        Ok(false)
    }
}
