//! Contract cases of removing content: a redacted comment, a deleted file, an erased
//! customer and their anonymised tickets.

use super::*;
use crate::ports::*;
use domain::TicketEventKind;
use domain::redaction::{Redaction, RedactionReason};

/// The outbox ids of the `CommentAdded` events of `comments` (leasing the outbox).
async fn events_of(s: &Store, comments: [domain::CommentId; 2]) -> [i64; 2] {
    let events = s.outbox.claim_events(at(1_000), at(1_100), 100).await.expect("claims");
    comments.map(|comment| {
        events
            .iter()
            .find(|e| matches!(e.event.kind, TicketEventKind::CommentAdded { comment_id, .. } if comment_id == comment))
            .map(|e| e.id)
            .expect("the comment's event is in the outbox")
    })
}

/// A pending e-mail planned from outbox event `event` about `ticket` to `to`.
fn planned(key: &str, event: i64, ticket: TicketId, to: &UserAccount, quote: &str) -> NewNotification {
    NewNotification {
        idempotency_key: key.to_owned(),
        event_id: Some(event),
        ticket_id: Some(ticket),
        recipient_id: Some(to.id),
        channel: domain::escalation::Channel::Email,
        address: to.email.as_str().to_owned(),
        recipient_name: Some(to.display_name.as_str().to_owned()),
        template: "comment_added".into(),
        context: [("comment_body".to_owned(), quote.to_owned())].into(),
        at: at(5),
    }
}

async fn status_of(s: &Store, key: &str) -> Notification {
    s.notifications
        .list_notifications(None, None, 100)
        .await
        .expect("lists")
        .into_iter()
        .find(|n| n.spec.idempotency_key == key)
        .expect("queued")
}

/// Contract: `RedactComment` clears the text (search no longer finds it), records who,
/// when and why, deletes the comment's file records and remembers their blobs as upload
/// intents for the sweep, and cancels the pending notifications planned from the
/// comment's event, leaving others alone; `DeleteAttachment` deletes one file the same
/// way; an unknown comment or file fails the commit.
pub async fn redaction_clears_text_files_search_and_quoting_notifications(s: &Store) {
    let w = world(s).await;
    let ticket = open(s, spec(w.customer.id, "Router trouble", 0)).await;
    let customer = Actor::new(w.customer.id, Role::Customer);
    let agent = Actor::new(w.agent.id, Role::Agent);
    let (_, secret, files) = comment_on(
        s,
        ticket.id(),
        customer,
        Visibility::Public,
        "my password is zebracorn",
        &["a.png"],
        1,
    )
    .await
    .expect("comments");
    let (_, kept, kept_files) = comment_on(
        s,
        ticket.id(),
        agent,
        Visibility::Public,
        "try rebooting it",
        &["b.png"],
        2,
    )
    .await
    .expect("comments");
    let text = |q: &str| TicketFilter {
        text: Some(q.to_owned()),
        ..TicketFilter::default()
    };
    assert_eq!(ids(s, text("zebracorn")).await, vec![ticket.id().get()]);
    let [secret_event, kept_event] = events_of(s, [secret.id, kept.id]).await;
    let mut queue = ChangeSet::default();
    queue
        .push(Write::QueueNotification(planned(
            "quoting",
            secret_event,
            ticket.id(),
            &w.agent,
            "zebracorn",
        )))
        .push(Write::QueueNotification(planned(
            "other",
            kept_event,
            ticket.id(),
            &w.customer,
            "rebooting",
        )));
    s.uow.commit(queue).await.expect("queues");

    let redaction = Redaction {
        at: at(10),
        by: w.agent.id,
        reason: RedactionReason::parse("pasted a password").expect("valid"),
    };
    let mut redact = ChangeSet::default();
    redact.push(Write::RedactComment {
        comment_id: secret.id,
        redaction: redaction.clone(),
    });
    s.uow.commit(redact).await.expect("redacts");

    let view = s.comments.get_comment(secret.id).await.expect("reads").expect("kept");
    assert_eq!(view.comment.body, None, "the text is gone");
    assert_eq!(view.redaction, Some(redaction), "who, when and why are kept");
    assert!(view.attachments.is_empty());
    assert_eq!(s.comments.get_attachment(files[0].id).await.expect("reads"), None);
    assert!(
        ids(s, text("zebracorn")).await.is_empty(),
        "search forgets the redacted words"
    );
    assert_eq!(
        ids(s, text("rebooting")).await,
        vec![ticket.id().get()],
        "other comments still match"
    );
    assert!(
        s.intents
            .stale(at(11), 10)
            .await
            .expect("reads")
            .contains(&files[0].blob_key),
        "the deleted file's blob is left for the sweep until the caller deletes it"
    );
    let quoting = status_of(s, "quoting").await;
    assert_eq!(quoting.status, NotificationStatus::Cancelled);
    assert!(quoting.last_error.is_some(), "the reason it was cancelled is shown");
    assert_eq!(status_of(s, "other").await.status, NotificationStatus::Pending);
    let due = s
        .notifications
        .claim_notifications(at(20), at(30), 10, "d")
        .await
        .expect("claims");
    assert_eq!(
        due.iter().map(|n| n.spec.idempotency_key.as_str()).collect::<Vec<_>>(),
        vec!["other"],
        "a cancelled notification is never sent"
    );
    assert_eq!(
        s.notifications
            .purge_notifications(NotificationStatus::Cancelled, at(100), 10)
            .await,
        Ok(1),
        "and is purged by when it was cancelled"
    );

    let mut delete = ChangeSet::default();
    delete.push(Write::DeleteAttachment {
        id: kept_files[0].id,
        at: at(12),
    });
    s.uow.commit(delete).await.expect("deletes the file");
    assert_eq!(s.comments.get_attachment(kept_files[0].id).await.expect("reads"), None);
    let listed = s
        .comments
        .list_attachments(conversation(ticket.id(), true, None, 10))
        .await
        .expect("lists");
    assert!(listed.items.is_empty());
    assert!(
        s.intents
            .stale(at(13), 10)
            .await
            .expect("reads")
            .contains(&kept_files[0].blob_key)
    );
    let comment = s.comments.get_comment(kept.id).await.expect("reads").expect("kept");
    assert_eq!(
        comment.comment.body.map(|b| b.as_str().to_owned()).as_deref(),
        Some("try rebooting it")
    );

    let mut unknown = ChangeSet::default();
    unknown.push(Write::RedactComment {
        comment_id: domain::CommentId::new(987_654),
        redaction: Redaction {
            at: at(14),
            by: w.agent.id,
            reason: RedactionReason::erasure(),
        },
    });
    assert_eq!(s.uow.commit(unknown).await, Err(StoreError::Reference("comment")));
    let mut unknown = ChangeSet::default();
    unknown.push(Write::DeleteAttachment {
        id: domain::AttachmentId::new(987_654),
        at: at(14),
    });
    assert_eq!(s.uow.commit(unknown).await, Err(StoreError::Reference("attachment")));
}

/// Contract: `EraseAccount` replaces name and e-mail (the old address no longer logs
/// in), removes the phone, deactivates, replaces the password, cancels the pending
/// notifications to them and rewrites their address in all of them; `EraseTicketText`
/// replaces subject and description (search follows), cancels the ticket's pending
/// notifications and clears their template values; other tickets are untouched.
pub async fn erasure_replaces_the_identity_and_anonymises_tickets(s: &Store) {
    let w = world(s).await;
    let theirs = open(s, spec(w.customer.id, "Janedoe printer jam", 0)).await;
    let others = open(s, spec(w.other.id, "Other printer", 1)).await;
    assert!(
        s.notifications
            .set_contact(w.customer.id, Some("+15550100".into()), true)
            .await
            .expect("stores")
    );
    let mut queue = ChangeSet::default();
    queue
        .push(Write::QueueNotification(planned(
            "to-them",
            1,
            others.id(),
            &w.customer,
            "hi",
        )))
        .push(Write::QueueNotification(planned(
            "about-them",
            1,
            theirs.id(),
            &w.agent,
            "Janedoe",
        )))
        .push(Write::QueueNotification(planned(
            "unrelated",
            2,
            others.id(),
            &w.agent,
            "kept",
        )));
    s.uow.commit(queue).await.expect("queues");

    let (name, email) = ("Erased customer #1", format!("erased-{}@erased.invalid", w.customer.id));
    let mut erase = ChangeSet::default();
    erase
        .push(Write::EraseAccount {
            user_id: w.customer.id,
            display_name: name.into(),
            email: email.clone(),
            password_hash: "!erased".into(),
            at: at(10),
        })
        .push(Write::EraseTicketText {
            ticket_id: theirs.id(),
            subject: Subject::parse("[erased]").expect("valid"),
            description: Description::parse("[redacted]").expect("valid"),
            at: at(10),
        });
    s.uow.commit(erase).await.expect("erases");

    let user = s.users.get(w.customer.id).await.expect("reads").expect("kept");
    assert_eq!(
        (user.display_name.as_str(), user.email.as_str(), user.active),
        (name, email.as_str(), false)
    );
    assert_eq!(s.users.find_credentials(&w.customer.email).await.expect("reads"), None);
    let (_, hash) = s
        .users
        .find_credentials(&user.email)
        .await
        .expect("reads")
        .expect("found by the new address");
    assert_eq!(hash, "!erased");
    let contact = s.notifications.contacts(&[w.customer.id]).await.expect("reads");
    assert_eq!((contact[0].phone.clone(), contact[0].sms_opt_in), (None, false));

    let to_them = status_of(s, "to-them").await;
    assert_eq!(to_them.status, NotificationStatus::Cancelled);
    assert_eq!(
        (to_them.spec.address.as_str(), to_them.spec.recipient_name.as_deref()),
        (email.as_str(), Some(name))
    );
    let about_them = status_of(s, "about-them").await;
    assert_eq!(about_them.status, NotificationStatus::Cancelled);
    assert!(about_them.spec.context.is_empty(), "no quote of them is kept");
    let unrelated = status_of(s, "unrelated").await;
    assert_eq!(unrelated.status, NotificationStatus::Pending);
    assert!(!unrelated.spec.context.is_empty());

    let ticket = s.tickets.get(theirs.id()).await.expect("reads").expect("kept");
    assert_eq!(ticket.parts().subject.as_str(), "[erased]");
    assert_eq!(ticket.parts().description.as_str(), "[redacted]");
    let text = |q: &str| TicketFilter {
        text: Some(q.to_owned()),
        ..TicketFilter::default()
    };
    assert!(
        ids(s, text("Janedoe")).await.is_empty(),
        "search forgets the old subject"
    );
    assert_eq!(ids(s, text("printer")).await, vec![others.id().get()]);

    let mut unknown = ChangeSet::default();
    unknown.push(Write::EraseAccount {
        user_id: UserId::new(987_654),
        display_name: "x".into(),
        email: "erased-987654@erased.invalid".into(),
        password_hash: "!erased".into(),
        at: at(11),
    });
    assert_eq!(s.uow.commit(unknown).await, Err(StoreError::Reference("user")));
    let mut unknown = ChangeSet::default();
    unknown.push(Write::EraseTicketText {
        ticket_id: TicketId::new(987_654),
        subject: Subject::parse("[erased]").expect("valid"),
        description: Description::parse("[redacted]").expect("valid"),
        at: at(11),
    });
    assert_eq!(s.uow.commit(unknown).await, Err(StoreError::Reference("ticket")));
}

/// Contract: a redaction or an erasure withdraws the leases held on its ticket's
/// unprocessed outbox events, so a planner that read the content before cannot finish
/// them: its commit is a version conflict and keeps none of its rows; the event is
/// claimed again and planned from what is left. A finish under the lease held is kept.
pub async fn content_removal_withdraws_the_leases_of_its_tickets_events(s: &Store) {
    let w = world(s).await;
    let ticket = open(s, spec(w.customer.id, "Card trouble", 0)).await;
    let other = open(s, spec(w.customer.id, "Unrelated", 0)).await;
    let customer = Actor::new(w.customer.id, Role::Customer);
    let (_, secret, _) = comment_on(s, ticket.id(), customer, Visibility::Public, "card 4111", &[], 1)
        .await
        .expect("comments");
    let (_, elsewhere, _) = comment_on(s, other.id(), customer, Visibility::Public, "hello", &[], 2)
        .await
        .expect("comments");
    let [secret_event, other_event] = events_of(s, [secret.id, elsewhere.id]).await;
    let finish = |key: &str, event: i64, ticket: TicketId, lease: i64| {
        let mut set = ChangeSet::default();
        set.push(Write::QueueNotification(planned(
            key,
            event,
            ticket,
            &w.agent,
            "card 4111",
        )))
        .push(Write::FinishOutboxEvent {
            id: event,
            at: at(1_010),
            lease_until: at(lease),
        });
        set
    };

    let mut redact = ChangeSet::default();
    redact.push(Write::RedactComment {
        comment_id: secret.id,
        redaction: Redaction {
            at: at(1_005),
            by: w.agent.id,
            reason: RedactionReason::parse("pasted a card number").expect("valid"),
        },
    });
    s.uow.commit(redact).await.expect("redacts");

    assert_eq!(
        s.uow.commit(finish("stale", secret_event, ticket.id(), 1_100)).await,
        Err(StoreError::VersionConflict),
        "the lease was withdrawn"
    );
    let queued = s
        .notifications
        .list_notifications(None, None, 100)
        .await
        .expect("lists");
    assert!(queued.iter().all(|n| n.spec.idempotency_key != "stale"), "{queued:?}");
    // Another ticket's event is untouched: its finish under the lease is kept.
    s.uow
        .commit(finish("fresh", other_event, other.id(), 1_100))
        .await
        .expect("finishes");
    assert_eq!(status_of(s, "fresh").await.status, NotificationStatus::Pending);

    // The withdrawn event is claimed again, under a new lease, and finishes under it.
    let again = s.outbox.claim_events(at(1_020), at(1_200), 100).await.expect("claims");
    assert!(again.iter().any(|e| e.id == secret_event), "{again:?}");
    let mut done = ChangeSet::default();
    done.push(Write::FinishOutboxEvent {
        id: secret_event,
        at: at(1_030),
        lease_until: at(1_200),
    });
    s.uow.commit(done).await.expect("finishes under the new lease");
}
