//! Contract cases of comments, attachments and upload intents.

use super::*;
use crate::ports::*;
use domain::*;

/// Contract: comments are counted and listed by visibility.
pub async fn comments_are_counted_and_listed_by_visibility(s: &Store) {
    let w = world(s).await;
    let ticket = open(s, spec(w.customer.id, "Broken", 1)).await;
    let customer = Actor::new(w.customer.id, Role::Customer);
    let agent = Actor::new(w.agent.id, Role::Agent);
    let (_, question, files) = comment_on(
        s,
        ticket.id(),
        customer,
        Visibility::Public,
        "see attached",
        &["a.png", "b.png"],
        2,
    )
    .await
    .expect("commits");
    let (_, note, note_files) = comment_on(s, ticket.id(), agent, Visibility::Internal, "suspicious", &["c.png"], 3)
        .await
        .expect("commits");
    let (_, reply, _) = comment_on(s, ticket.id(), agent, Visibility::Public, "fixed", &[], 4)
        .await
        .expect("commits");

    let stored = s.tickets.get(ticket.id()).await.expect("reads").expect("exists");
    let p = stored.parts();
    assert_eq!((p.public_comment_count, p.internal_note_count), (2, 1));
    assert_eq!(
        p.version.get(),
        3,
        "two public comments moved the version, the note did not"
    );
    assert_eq!(p.first_response_at, Some(at(4)));
    assert_eq!(p.last_customer_comment_at, Some(at(2)));
    assert_eq!(p.last_agent_reply_at, Some(at(4)));
    assert_eq!(p.updated_at, at(4));

    let public = s
        .comments
        .list_comments(conversation(ticket.id(), false, None, 10))
        .await
        .expect("lists");
    let ids: Vec<CommentId> = public.items.iter().map(|v| v.comment.id).collect();
    assert_eq!(ids, [question.id, reply.id]);
    assert_eq!(public.items[0].attachments, files);
    assert_eq!(public.items[0].comment, question);
    assert_eq!(public.items[0].author_name, "Someone");
    let all = s
        .comments
        .list_comments(conversation(ticket.id(), true, None, 10))
        .await
        .expect("lists");
    assert_eq!(all.items.len(), 3);
    assert_eq!(all.items[1].comment, note);
    assert_eq!(all.items[1].attachments, note_files);

    let first = s
        .comments
        .list_comments(conversation(ticket.id(), true, None, 2))
        .await
        .expect("lists");
    assert_eq!(first.next, Some(note.id));
    let rest = s
        .comments
        .list_comments(conversation(ticket.id(), true, first.next, 2))
        .await
        .expect("lists");
    assert_eq!((rest.items.len(), rest.next), (1, None));

    let public_files = s
        .comments
        .list_attachments(conversation(ticket.id(), false, None, 10))
        .await
        .expect("lists");
    assert_eq!(public_files.items, files);
    let all_files = s
        .comments
        .list_attachments(conversation(ticket.id(), true, None, 2))
        .await
        .expect("lists");
    assert_eq!(all_files.next, Some(files[1].id));
    assert_eq!(
        s.comments.get_attachment(note_files[0].id).await.expect("reads"),
        Some(note_files[0].clone())
    );
    assert_eq!(
        s.comments
            .get_attachment(AttachmentId::new(999_999))
            .await
            .expect("reads"),
        None
    );
    let view = s
        .comments
        .get_comment(question.id)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(view.attachments.len(), 2);

    let customer_history = s.tickets.history(ticket.id(), false, None, 10).await.expect("reads");
    assert!(
        customer_history
            .iter()
            .all(|e| e.kind.visibility() == Visibility::Public),
        "no internal entry for customers"
    );
    assert_eq!(customer_history.len(), 3);
    let staff_history = s.tickets.history(ticket.id(), true, None, 10).await.expect("reads");
    assert_eq!(staff_history.len(), 4);
    assert!(matches!(
        staff_history[2].kind,
        TicketEventKind::CommentAdded {
            visibility: Visibility::Internal,
            attachments: 1,
            ..
        }
    ));
    assert_eq!(s.pending_outbox_events().await.expect("counts"), 4);
}

/// Contract: comment and attachment ids are unique and increasing.
pub async fn comment_and_attachment_ids_are_unique_and_increasing(s: &Store) {
    let a = s.comments.next_comment_id().await.expect("allocates");
    let b = s.comments.next_comment_id().await.expect("allocates");
    assert!(b > a);
    let batch = s.comments.next_attachment_ids(3).await.expect("allocates");
    assert_eq!(batch.len(), 3);
    assert!(batch.windows(2).all(|w| w[1] > w[0]));
    let more = s.comments.next_attachment_ids(1).await.expect("allocates");
    assert!(more[0] > batch[2]);
    assert!(s.comments.next_attachment_ids(0).await.expect("allocates").is_empty());
}

/// Contract: a comment on a closed ticket writes nothing.
pub async fn a_comment_on_a_closed_ticket_writes_nothing(s: &Store) {
    let w = world(s).await;
    let ticket = open(s, spec(w.customer.id, "Done", 1)).await;
    let agent = Actor::new(w.agent.id, Role::Agent);
    // The note is decided on an open ticket; a close commits before it.
    let mut read = s.tickets.get(ticket.id()).await.expect("reads").expect("exists");
    let id = s.comments.next_comment_id().await.expect("allocates");
    let (note, events) = read
        .add_comment(
            id,
            CommentBody::parse("late").ok(),
            Visibility::Internal,
            0,
            agent,
            at(3),
        )
        .expect("accepted on the open ticket");
    let mut closed = ticket.clone();
    let close = closed
        .transition(TicketStatus::Closed, agent, at(2), None)
        .expect("closes");
    s.uow.commit(update_of(&ticket, closed, close)).await.expect("commits");
    let mut changes = ChangeSet::default();
    changes.push(Write::InsertComment(note));
    for e in events {
        changes.push(Write::Record(e));
    }
    assert_eq!(s.uow.commit(changes).await, Err(StoreError::VersionConflict));
    let all = s
        .comments
        .list_comments(conversation(ticket.id(), true, None, 10))
        .await
        .expect("lists");
    assert!(all.items.is_empty());
    assert_eq!(
        s.tickets
            .history(ticket.id(), true, None, 10)
            .await
            .expect("reads")
            .len(),
        2
    );
    let stored = s.tickets.get(ticket.id()).await.expect("reads").expect("exists");
    assert_eq!(stored.parts().internal_note_count, 0);
}

/// Contract: a failing attachment rolls back the comment.
pub async fn a_failing_attachment_rolls_back_the_comment(s: &Store) {
    let w = world(s).await;
    let ticket = open(s, spec(w.customer.id, "Files", 1)).await;
    let customer = Actor::new(w.customer.id, Role::Customer);
    let (_, _, files) = comment_on(s, ticket.id(), customer, Visibility::Public, "one", &["a.png"], 2)
        .await
        .expect("commits");
    // A second comment whose attachment reuses the first blob key: the unique key
    // fails the last write, and nothing of the change set may remain.
    let mut t = s.tickets.get(ticket.id()).await.expect("reads").expect("exists");
    let before = t.version();
    let id = s.comments.next_comment_id().await.expect("allocates");
    let (comment, events) = t
        .add_comment(
            id,
            CommentBody::parse("two").ok(),
            Visibility::Public,
            1,
            customer,
            at(3),
        )
        .expect("accepted");
    let mut clash = files[0].clone();
    clash.id = s.comments.next_attachment_ids(1).await.expect("allocates")[0];
    clash.comment_id = id;
    let mut changes = ChangeSet::default();
    changes.push(Write::UpdateTicket {
        ticket: t,
        expected: before,
    });
    changes.push(Write::InsertComment(comment));
    for e in events {
        changes.push(Write::Record(e));
    }
    changes.push(Write::InsertAttachment(clash));
    assert!(s.uow.commit(changes).await.is_err());
    let stored = s.tickets.get(ticket.id()).await.expect("reads").expect("exists");
    assert_eq!(stored.version(), before);
    assert_eq!(stored.parts().public_comment_count, 1);
    let all = s
        .comments
        .list_comments(conversation(ticket.id(), true, None, 10))
        .await
        .expect("lists");
    assert_eq!(all.items.len(), 1);
    assert_eq!(
        s.comments
            .list_attachments(conversation(ticket.id(), true, None, 10))
            .await
            .expect("lists")
            .items
            .len(),
        1
    );
    assert_eq!(
        s.tickets
            .history(ticket.id(), true, None, 10)
            .await
            .expect("reads")
            .len(),
        2
    );
}

/// Contract: upload intents are recorded claimed and found when stale.
pub async fn upload_intents_are_recorded_claimed_and_found_when_stale(s: &Store) {
    let keys = |ks: &[&str]| ks.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
    s.intents
        .record(&keys(&["tickets/1/2", "tickets/1/1"]), at(0))
        .await
        .expect("records");
    s.intents
        .record(&keys(&["tickets/2/3"]), at(100))
        .await
        .expect("records");
    assert_eq!(
        s.intents.stale(at(50), 10).await.expect("reads"),
        keys(&["tickets/1/1", "tickets/1/2"])
    );
    assert_eq!(s.intents.stale(at(50), 1).await.expect("reads").len(), 1);
    assert!(s.intents.claim("tickets/1/1").await.expect("claims"));
    assert!(
        !s.intents.claim("tickets/1/1").await.expect("claims"),
        "claimed once only"
    );
    // Recording again (a sweep that failed to delete) keeps one entry.
    s.intents
        .record(&keys(&["tickets/1/2"]), at(1))
        .await
        .expect("records again");
    assert_eq!(
        s.intents.stale(at(200), 10).await.expect("reads"),
        keys(&["tickets/1/2", "tickets/2/3"])
    );

    // A commit whose intent was claimed by the sweeper fails and writes nothing.
    let w = world(s).await;
    let ticket = open(s, spec(w.customer.id, "Swept", 1)).await;
    let customer = Actor::new(w.customer.id, Role::Customer);
    let mut t = s.tickets.get(ticket.id()).await.expect("reads").expect("exists");
    let id = s.comments.next_comment_id().await.expect("allocates");
    let aid = s.comments.next_attachment_ids(1).await.expect("allocates")[0];
    let (comment, events) = t
        .add_comment(id, None, Visibility::Public, 1, customer, at(2))
        .expect("accepted");
    let attachment = Attachment {
        id: aid,
        ticket_id: ticket.id(),
        comment_id: id,
        uploaded_by: customer.user_id,
        visibility: Visibility::Public,
        file_name: FileName::sanitize("a.png"),
        media_type: MediaType::parse("image/png").expect("valid"),
        size_bytes: 10,
        sha256: "00".repeat(32),
        blob_key: Attachment::blob_key_for(ticket.id(), aid),
        created_at: at(2),
    };
    s.intents
        .record(std::slice::from_ref(&attachment.blob_key), at(2))
        .await
        .expect("records");
    assert!(
        s.intents.claim(&attachment.blob_key).await.expect("claims"),
        "the sweeper wins"
    );
    let mut changes = ChangeSet::default();
    changes.push(Write::UpdateTicket {
        ticket: t,
        expected: ticket.version(),
    });
    changes.push(Write::InsertComment(comment));
    changes.push(Write::InsertAttachment(attachment));
    for e in events {
        changes.push(Write::Record(e));
    }
    assert_eq!(s.uow.commit(changes).await, Err(StoreError::Reference("upload intent")));
    let stored = s.tickets.get(ticket.id()).await.expect("reads").expect("exists");
    assert_eq!(stored.version(), ticket.version());
    assert!(
        s.comments
            .list_comments(conversation(ticket.id(), true, None, 10))
            .await
            .expect("lists")
            .items
            .is_empty()
    );
}
