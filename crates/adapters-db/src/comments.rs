//! Comments and attachments: rows, id allocation and the reads of a conversation.

use application::ports::{CommentRepository, CommentView, ConversationQuery, Page, StoreError, UploadIntents};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::{
    Attachment, AttachmentId, Comment, CommentBody, CommentId, FileName, MediaType, TicketId, Timestamp, UserId,
    Visibility,
};

use crate::error::{corrupt, db_error};
use crate::pool::{Database, DbPool};
use crate::schema::{attachments, comments, id_sequences, upload_intents, users};
use crate::time::{from_sql, to_sql};

/// A `comments` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = comments)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct CommentRow {
    id: i64,
    ticket_id: i64,
    author_id: i64,
    by_staff: bool,
    visibility: String,
    body: Option<String>,
    created_at: NaiveDateTime,
    redacted_at: Option<NaiveDateTime>,
    redacted_by: Option<i64>,
    redaction_reason: Option<String>,
}

impl CommentRow {
    pub(crate) fn from_comment(c: &Comment) -> Self {
        Self {
            id: c.id.get(),
            ticket_id: c.ticket_id.get(),
            author_id: c.author_id.get(),
            by_staff: c.by_staff,
            visibility: c.visibility.as_str().to_owned(),
            body: c.body.as_ref().map(|b| b.as_str().to_owned()),
            created_at: to_sql(c.created_at),
            redacted_at: None,
            redacted_by: None,
            redaction_reason: None,
        }
    }

    /// Who redacted the comment, when and why, if it was.
    fn redaction(&self) -> Result<Option<domain::redaction::Redaction>, StoreError> {
        let (Some(at), Some(by), Some(reason)) = (self.redacted_at, self.redacted_by, &self.redaction_reason) else {
            return Ok(None);
        };
        Ok(Some(domain::redaction::Redaction {
            at: from_sql(at),
            by: UserId::new(by),
            reason: domain::redaction::RedactionReason::parse(reason).map_err(|e| corrupt("comment", e))?,
        }))
    }

    fn into_comment(self) -> Result<Comment, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("comment", e);
        Ok(Comment {
            id: CommentId::new(self.id),
            ticket_id: TicketId::new(self.ticket_id),
            author_id: UserId::new(self.author_id),
            by_staff: self.by_staff,
            visibility: Visibility::parse(&self.visibility).map_err(|e| bad(&e))?,
            body: self
                .body
                .map(|b| CommentBody::parse(&b))
                .transpose()
                .map_err(|e| bad(&e))?,
            created_at: from_sql(self.created_at),
        })
    }
}

/// An `attachments` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct AttachmentRow {
    id: i64,
    ticket_id: i64,
    comment_id: i64,
    uploaded_by: i64,
    visibility: String,
    file_name: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
    blob_key: String,
    created_at: NaiveDateTime,
}

impl AttachmentRow {
    pub(crate) fn from_attachment(a: &Attachment) -> Self {
        Self {
            id: a.id.get(),
            ticket_id: a.ticket_id.get(),
            comment_id: a.comment_id.get(),
            uploaded_by: a.uploaded_by.get(),
            visibility: a.visibility.as_str().to_owned(),
            file_name: a.file_name.as_str().to_owned(),
            media_type: a.media_type.as_str().to_owned(),
            size_bytes: i64::try_from(a.size_bytes).unwrap_or(i64::MAX),
            sha256: a.sha256.clone(),
            blob_key: a.blob_key.clone(),
            created_at: to_sql(a.created_at),
        }
    }

    fn into_attachment(self) -> Result<Attachment, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("attachment", e);
        Ok(Attachment {
            id: AttachmentId::new(self.id),
            ticket_id: TicketId::new(self.ticket_id),
            comment_id: CommentId::new(self.comment_id),
            uploaded_by: UserId::new(self.uploaded_by),
            visibility: Visibility::parse(&self.visibility).map_err(|e| bad(&e))?,
            file_name: FileName::restore(&self.file_name),
            media_type: MediaType::parse(&self.media_type).ok_or_else(|| bad(&"media type"))?,
            size_bytes: u64::try_from(self.size_bytes).map_err(|e| bad(&e))?,
            sha256: self.sha256,
            blob_key: self.blob_key,
            created_at: from_sql(self.created_at),
        })
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

impl Database {
    /// Allocates `n` ids from the PostgreSQL sequence `sequence` or the SQLite counter
    /// `counter`, in increasing order.
    async fn reserve_ids(&self, sequence: &'static str, counter: &'static str, n: u32) -> Result<Vec<i64>, StoreError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match &*self.pool {
            DbPool::Postgres(_) if n == 1 => {
                let id: i64 = db_run!(self, conn => {
                    diesel::select(crate::nextval(sequence)).get_result(conn).await.map_err(db_error)?
                });
                Ok(vec![id])
            }
            DbPool::Postgres(_) => {
                let rows: Vec<IdRow> = db_run!(self, conn => {
                    diesel::sql_query(format!("SELECT nextval('{sequence}') AS id FROM generate_series(1, $1)"))
                        .bind::<diesel::sql_types::Integer, _>(i32::try_from(n).unwrap_or(i32::MAX))
                        .load(conn)
                        .await
                        .map_err(db_error)?
                });
                let mut ids: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
                ids.sort_unstable();
                Ok(ids)
            }
            DbPool::Sqlite(_) => {
                let last: i64 = db_tx!(self, conn => {
                    let value = diesel::update(id_sequences::table.find(counter))
                        .set(id_sequences::value.eq(id_sequences::value + i64::from(n)))
                        .returning(id_sequences::value)
                        .get_result::<i64>(conn)
                        .await?;
                    Ok(value)
                })?;
                Ok((last - i64::from(n) + 1..=last).collect())
            }
        }
    }
}

fn page<T, C>(mut items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> C) -> Page<T, C> {
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(cursor)
    } else {
        None
    };
    Page { items, next }
}

/// Joins comments with their attachments (loaded in one query) and authors' names.
fn views(rows: Vec<(CommentRow, String)>, files: Vec<AttachmentRow>) -> Result<Vec<CommentView>, StoreError> {
    let mut files = files
        .into_iter()
        .map(AttachmentRow::into_attachment)
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(row, author_name)| {
            let redaction = row.redaction()?;
            let comment = row.into_comment()?;
            let (mine, rest): (Vec<_>, Vec<_>) = files.drain(..).partition(|a| a.comment_id == comment.id);
            files = rest;
            Ok(CommentView {
                comment,
                author_name,
                attachments: mine,
                redaction,
            })
        })
        .collect()
}

#[async_trait]
impl CommentRepository for Database {
    async fn next_comment_id(&self) -> Result<CommentId, StoreError> {
        let ids = self.reserve_ids("comment_id_seq", "comments", 1).await?;
        <[i64]>::first(&ids)
            .map(|id| CommentId::new(*id))
            .ok_or_else(|| StoreError::Failure("no comment id allocated".into()))
    }

    async fn next_attachment_ids(&self, n: u32) -> Result<Vec<AttachmentId>, StoreError> {
        let ids = self.reserve_ids("attachment_id_seq", "attachments", n).await?;
        Ok(ids.into_iter().map(AttachmentId::new).collect())
    }

    async fn get_comment(&self, id: CommentId) -> Result<Option<CommentView>, StoreError> {
        let (rows, files): (Vec<(CommentRow, String)>, Vec<AttachmentRow>) = db_run!(self, conn => {
            let rows = comments::table
                .inner_join(users::table)
                .filter(comments::id.eq(id.get()))
                .select((CommentRow::as_select(), users::display_name))
                .load(conn)
                .await
                .map_err(db_error)?;
            let files = attachments::table
                .filter(attachments::comment_id.eq(id.get()))
                .order(attachments::id.asc())
                .select(AttachmentRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            (rows, files)
        });
        Ok(views(rows, files)?.pop())
    }

    async fn list_comments(&self, q: ConversationQuery<CommentId>) -> Result<Page<CommentView, CommentId>, StoreError> {
        let (rows, files): (Vec<(CommentRow, String)>, Vec<AttachmentRow>) = db_run!(self, conn => {
            let mut query = comments::table
                .inner_join(users::table)
                .filter(comments::ticket_id.eq(q.ticket_id.get()))
                .filter(comments::id.gt(q.after.map_or(0, CommentId::get)))
                .into_boxed();
            if !q.include_internal {
                query = query.filter(comments::visibility.eq("public"));
            }
            let rows: Vec<(CommentRow, String)> = query
                .order(comments::id.asc())
                .limit(i64::from(q.limit) + 1)
                .select((CommentRow::as_select(), users::display_name))
                .load(conn)
                .await
                .map_err(db_error)?;
            let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
            let files = if ids.is_empty() {
                Vec::new()
            } else {
                attachments::table
                    .filter(attachments::comment_id.eq_any(ids))
                    .order(attachments::id.asc())
                    .select(AttachmentRow::as_select())
                    .load(conn)
                    .await
                    .map_err(db_error)?
            };
            (rows, files)
        });
        Ok(page(views(rows, files)?, q.limit, |v| v.comment.id))
    }

    async fn list_attachments(
        &self,
        q: ConversationQuery<AttachmentId>,
    ) -> Result<Page<Attachment, AttachmentId>, StoreError> {
        let rows: Vec<AttachmentRow> = db_run!(self, conn => {
            let mut query = attachments::table
                .filter(attachments::ticket_id.eq(q.ticket_id.get()))
                .filter(attachments::id.gt(q.after.map_or(0, AttachmentId::get)))
                .into_boxed();
            if !q.include_internal {
                query = query.filter(attachments::visibility.eq("public"));
            }
            query
                .order(attachments::id.asc())
                .limit(i64::from(q.limit) + 1)
                .select(AttachmentRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        let items = rows
            .into_iter()
            .map(AttachmentRow::into_attachment)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page(items, q.limit, |a| a.id))
    }

    async fn get_attachment(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError> {
        let row: Option<AttachmentRow> = db_run!(self, conn => {
            attachments::table
                .find(id.get())
                .select(AttachmentRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(AttachmentRow::into_attachment).transpose()
    }
}

#[async_trait]
impl UploadIntents for Database {
    async fn record(&self, keys: &[String], at: Timestamp) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        let at = to_sql(at);
        db_tx!(self, conn => {
            for key in &keys {
                diesel::insert_into(upload_intents::table)
                    .values((upload_intents::blob_key.eq(key.clone()), upload_intents::created_at.eq(at)))
                    .on_conflict(upload_intents::blob_key)
                    .do_update()
                    .set(upload_intents::created_at.eq(at))
                    .execute(conn)
                    .await?;
            }
            Ok(())
        })
    }

    async fn stale(&self, before: Timestamp, limit: u32) -> Result<Vec<String>, StoreError> {
        let before = to_sql(before);
        Ok(db_run!(self, conn => {
            upload_intents::table
                .filter(upload_intents::created_at.lt(before))
                .order((upload_intents::created_at.asc(), upload_intents::blob_key.asc()))
                .limit(i64::from(limit))
                .select(upload_intents::blob_key)
                .load::<String>(conn)
                .await
                .map_err(db_error)?
        }))
    }

    async fn claim(&self, key: &str) -> Result<bool, StoreError> {
        let key = key.to_owned();
        let deleted: usize = db_run!(self, conn => {
            diesel::delete(upload_intents::table.find(key))
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(deleted == 1)
    }
}

/// Applies a comment write on `$conn` inside the unit of work's transaction (expanded per
/// backend there, see [`crate::unit_of_work`]): `comment` inserts a comment and counts it
/// on its ticket, provided the ticket is not closed (else
/// [`StoreError::VersionConflict`]); `attachment` deletes an upload's intent and inserts
/// its attachment, provided the intent is still there (else
/// [`StoreError::Reference`]`("upload intent")`).
macro_rules! comment_write {
    (comment $conn:ident, $comment:expr) => {{
        use diesel::{BoolExpressionMethods as _, ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::{comments, tickets};
        let conn = &mut *$conn;
        let comment: &domain::Comment = $comment;
        diesel::insert_into(comments::table)
            .values($crate::comments::CommentRow::from_comment(comment))
            .execute(conn)
            .await?;
        // Count it, unless a concurrent close won: then the caller retries
        // on fresh state and the domain refuses.
        let open = tickets::id
            .eq(comment.ticket_id.get())
            .and(tickets::status.ne("closed"));
        let counted = if comment.visibility == domain::Visibility::Internal {
            diesel::update(tickets::table.filter(open))
                .set(tickets::internal_note_count.eq(tickets::internal_note_count + 1))
                .execute(conn)
                .await?
        } else {
            diesel::update(tickets::table.filter(open))
                .set(tickets::public_comment_count.eq(tickets::public_comment_count + 1))
                .execute(conn)
                .await?
        };
        if counted == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::VersionConflict,
            ));
        }
    }};
    (attachment $conn:ident, $attachment:expr) => {{
        use diesel::QueryDsl as _;
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::{attachments, upload_intents};
        let conn = &mut *$conn;
        let attachment: &domain::Attachment = $attachment;
        // The upload's intent goes with the commit; if the orphan sweeper
        // claimed it first, its blob is (being) deleted: fail, keep no row.
        let forgotten = diesel::delete(upload_intents::table.find(attachment.blob_key.clone()))
            .execute(conn)
            .await?;
        if forgotten == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::Reference("upload intent"),
            ));
        }
        diesel::insert_into(attachments::table)
            .values($crate::comments::AttachmentRow::from_attachment(attachment))
            .execute(conn)
            .await?;
    }};
}
pub(crate) use comment_write;
