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
        self.state().blobs.remove(key);
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
