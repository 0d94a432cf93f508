//! Comments, attachments, blobs and upload intents of the fakes.

use async_trait::async_trait;
use domain::{Attachment, AttachmentId, Comment, CommentId, Timestamp, Visibility};

use futures_util::StreamExt as _;

use super::{Fake, State, page};
use crate::ports::{
    BlobError, BlobRead, BlobStore, ByteStream, CommentRepository, CommentView, ConversationQuery, Page, StoreError,
    UploadIntents, single_chunk,
};

impl State {
    fn view(&self, c: &Comment) -> CommentView {
        CommentView {
            comment: c.clone(),
            author_name: self.users.iter().find(|u| u.id == c.author_id).map_or_else(
                || format!("User {}", c.author_id),
                |u| u.display_name.as_str().to_owned(),
            ),
            attachments: self
                .attachments
                .iter()
                .filter(|a| a.comment_id == c.id)
                .cloned()
                .collect(),
            redaction: self.redactions.get(&c.id.get()).cloned(),
        }
    }
}

#[async_trait]
impl CommentRepository for Fake {
    async fn next_comment_id(&self) -> Result<CommentId, StoreError> {
        let mut s = self.state();
        s.next_comment_id += 1;
        Ok(CommentId::new(s.next_comment_id))
    }

    async fn next_attachment_ids(&self, n: u32) -> Result<Vec<AttachmentId>, StoreError> {
        let mut s = self.state();
        let first = s.next_attachment_id + 1;
        s.next_attachment_id += i64::from(n);
        Ok((first..=s.next_attachment_id).map(AttachmentId::new).collect())
    }

    async fn get_comment(&self, id: CommentId) -> Result<Option<CommentView>, StoreError> {
        let s = self.state();
        Ok(s.comments.iter().find(|c| c.id == id).map(|c| s.view(c)))
    }

    async fn list_comments(&self, q: ConversationQuery<CommentId>) -> Result<Page<CommentView, CommentId>, StoreError> {
        let s = self.state();
        let mut listed: Vec<&Comment> = s
            .comments
            .iter()
            .filter(|c| c.ticket_id == q.ticket_id && c.is_readable_by_staff(q.include_internal))
            .filter(|c| q.after.is_none_or(|a| c.id > a))
            .collect();
        listed.sort_by_key(|c| c.id);
        let views = listed.into_iter().map(|c| s.view(c)).collect();
        Ok(page(views, q.limit, |v| v.comment.id))
    }

    async fn list_attachments(
        &self,
        q: ConversationQuery<AttachmentId>,
    ) -> Result<Page<Attachment, AttachmentId>, StoreError> {
        let s = self.state();
        let mut listed: Vec<Attachment> = s
            .attachments
            .iter()
            .filter(|a| a.ticket_id == q.ticket_id && (q.include_internal || a.visibility == Visibility::Public))
            .filter(|a| q.after.is_none_or(|after| a.id > after))
            .cloned()
            .collect();
        listed.sort_by_key(|a| a.id);
        Ok(page(listed, q.limit, |a| a.id))
    }

    async fn get_attachment(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError> {
        Ok(self.state().attachments.iter().find(|a| a.id == id).cloned())
    }
}

#[async_trait]
impl BlobStore for Fake {
    async fn put(&self, key: &str, mut body: ByteStream) -> Result<(), BlobError> {
        {
            let mut s = self.state();
            match s.blob_puts_left {
                Some(0) => return Err(BlobError::Unavailable("disk full".into())),
                Some(n) => s.blob_puts_left = Some(n - 1),
                None => {}
            }
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk?);
        }
        self.state().blobs.insert(key.to_owned(), bytes);
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<BlobRead, BlobError> {
        let bytes = self.state().blobs.get(key).cloned().ok_or(BlobError::NotFound)?;
        Ok(BlobRead {
            size: bytes.len() as u64,
            stream: single_chunk(bytes),
        })
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let mut s = self.state();
        if s.fail_blob_deletes {
            return Err(BlobError::Unavailable("the blob store is down".into()));
        }
        s.blobs.remove(key);
        Ok(())
    }
}

#[async_trait]
impl UploadIntents for Fake {
    async fn record(&self, keys: &[String], at: Timestamp) -> Result<(), StoreError> {
        let mut s = self.state();
        for k in keys {
            s.intents.insert(k.clone(), at);
        }
        Ok(())
    }

    async fn stale(&self, before: Timestamp, limit: u32) -> Result<Vec<String>, StoreError> {
        Ok(self
            .state()
            .intents
            .iter()
            .filter(|(_, at)| **at < before)
            .take(limit as usize)
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn claim(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.state().intents.remove(key).is_some())
    }
}

/// What the content writes ([`crate::ports::Write::RedactComment`],
/// [`crate::ports::Write::EraseAccount`], [`crate::ports::Write::EraseTicketText`]) do to
/// the fakes' state, as the database adapters do.
impl State {
    /// Cancels the pending notifications `matches` picks, with `why`.
    pub(super) fn cancel_notifications(
        &mut self,
        at: Timestamp,
        why: &str,
        matches: impl Fn(&crate::ports::Notification) -> bool,
    ) {
        let mut cancelled = Vec::new();
        for n in self.notifications.iter_mut() {
            if n.status == crate::ports::NotificationStatus::Pending && matches(n) {
                n.status = crate::ports::NotificationStatus::Cancelled;
                n.last_error = Some(why.to_owned());
                cancelled.push(n.id);
            }
        }
        for id in cancelled {
            self.notification_leases.remove(&id);
            self.notification_finished.insert(id, at);
        }
    }

    /// Withdraws the leases held on the ticket's unprocessed outbox events, so that a
    /// planner holding one cannot finish it with rows planned from the old content.
    fn withdraw_outbox_leases(&mut self, ticket_id: domain::TicketId) {
        let held: Vec<i64> = self
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (i as i64 + 1, e))
            .filter(|(id, e)| e.ticket_id == ticket_id && !self.outbox_done.contains(id))
            .filter(|(id, _)| !self.outbox_released.contains(id))
            .map(|(id, _)| id)
            .collect();
        for id in held {
            self.outbox_leases.remove(&id);
        }
    }

    pub(super) fn redact(&mut self, comment_id: CommentId, redaction: domain::redaction::Redaction) {
        let at = redaction.at;
        let Some(comment) = self.comments.iter_mut().find(|c| c.id == comment_id) else {
            return;
        };
        comment.body = None;
        let ticket_id = comment.ticket_id;
        self.redactions.insert(comment_id.get(), redaction);
        self.withdraw_outbox_leases(ticket_id);
        let (gone, kept): (Vec<Attachment>, Vec<Attachment>) =
            self.attachments.drain(..).partition(|a| a.comment_id == comment_id);
        self.attachments = kept;
        for a in gone {
            self.intents.insert(a.blob_key, at);
        }
        // The outbox row of the comment's event (id = position + 1).
        let events: Vec<i64> = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.ticket_id == ticket_id
                    && matches!(e.kind, domain::TicketEventKind::CommentAdded { comment_id: c, .. } if c == comment_id)
            })
            .map(|(i, _)| i as i64 + 1)
            .collect();
        self.cancel_notifications(at, "the comment was redacted", |n| {
            n.spec.event_id.is_some_and(|e| events.contains(&e))
        });
    }

    pub(super) fn erase_account(
        &mut self,
        user_id: domain::UserId,
        display_name: &str,
        email: &str,
        password_hash: String,
        at: Timestamp,
    ) {
        if let Some(u) = self.users.iter_mut().find(|u| u.id == user_id) {
            if let Ok(name) = domain::DisplayName::parse(display_name) {
                u.display_name = name;
            }
            if let Ok(address) = domain::Email::parse(email) {
                u.email = address;
            }
            u.active = false;
        }
        self.phones.remove(&user_id.get());
        self.passwords.insert(user_id.get(), password_hash);
        for v in self.surveys.iter_mut().filter(|v| v.customer_id == user_id) {
            let mut parts = v.survey.parts().clone();
            if let Some(a) = parts.answer.as_mut() {
                a.comment = None;
            }
            v.survey = domain::survey::Survey::restore(parts);
        }
        self.cancel_notifications(at, "the recipient was erased", |n| n.spec.recipient_id == Some(user_id));
        for n in self
            .notifications
            .iter_mut()
            .filter(|n| n.spec.recipient_id == Some(user_id))
        {
            n.spec.address = email.to_owned();
            n.spec.recipient_name = Some(display_name.to_owned());
        }
    }

    pub(super) fn erase_ticket_text(
        &mut self,
        ticket_id: domain::TicketId,
        subject: domain::Subject,
        description: domain::Description,
        at: Timestamp,
    ) {
        if let Some(t) = self.tickets.iter_mut().find(|t| t.id() == ticket_id) {
            let mut parts = t.clone().into_parts();
            parts.subject = subject;
            parts.description = description;
            *t = domain::Ticket::restore(parts);
        }
        self.withdraw_outbox_leases(ticket_id);
        for e in self.events.iter_mut().filter(|e| e.ticket_id == ticket_id) {
            if let domain::TicketEventKind::Updated { changes } = &mut e.kind {
                for c in changes.iter_mut().filter(|c| c.field == "subject") {
                    c.from = None;
                    c.to = None;
                }
            }
        }
        self.cancel_notifications(at, "the ticket's customer was erased", |n| {
            n.spec.ticket_id == Some(ticket_id)
        });
        for n in self
            .notifications
            .iter_mut()
            .filter(|n| n.spec.ticket_id == Some(ticket_id))
        {
            n.spec.context.clear();
        }
    }
}
