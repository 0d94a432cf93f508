//! The content writes: a comment redacted, a file deleted, a customer and their tickets
//! erased. Each runs inside the unit of work's transaction ([`crate::unit_of_work`]).

/// Does this `CommentAdded` outbox payload name comment `comment_id`?
pub(crate) fn names_comment(payload: &str, comment_id: i64) -> bool {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("details")?.get("comment_id")?.as_i64())
        == Some(comment_id)
}

/// Drops the subject's old and new texts from a `TicketUpdated` entry's `changes` (at the
/// top of a history row's details, under `details` in an outbox payload). `None` when
/// nothing changed.
pub(crate) fn without_subject_texts(json: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(json).ok()?;
    let changes = match value.get_mut("details") {
        Some(details) => details.get_mut("changes")?,
        None => value.get_mut("changes")?,
    };
    let mut changed = false;
    for change in changes.as_array_mut()? {
        if change.get("field").and_then(serde_json::Value::as_str) == Some("subject")
            && let Some(fields) = change.as_object_mut()
        {
            changed |= fields.remove("from").is_some();
            changed |= fields.remove("to").is_some();
        }
    }
    changed.then(|| value.to_string())
}

/// Applies a content write on `$conn` inside the unit of work's transaction (expanded per
/// backend there): `redact`, `delete_file`, `erase_account`, `erase_ticket` — see
/// [`application::ports::Write`]'s variants of the same names for what each does — and
/// the helpers `withdraw` (the leases held on a ticket's unprocessed outbox events, so a
/// planner that read the old content cannot finish them) and `cancel`.
macro_rules! content_write {
    (withdraw $conn:ident, $ticket:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::outbox;
        let ticket: i64 = $ticket;
        diesel::update(
            outbox::table
                .filter(outbox::aggregate_id.eq(ticket))
                .filter(outbox::processed_at.is_null())
                .filter(outbox::lease_until.is_not_null()),
        )
        .set(outbox::lease_until.eq(None::<chrono::NaiveDateTime>))
        .execute(&mut *$conn)
        .await?;
    }};
    (cancel $conn:ident, $filter:expr, $at:expr, $why:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::notifications;
        diesel::update(notifications::table.filter($filter).filter(notifications::status.eq("pending")))
            .set((
                notifications::status.eq("cancelled"),
                notifications::last_error.eq(Some($why)),
                notifications::finished_at.eq(Some($crate::time::to_sql($at))),
                notifications::lease_until.eq(None::<chrono::NaiveDateTime>),
                notifications::claimed_by.eq(None::<String>),
            ))
            .execute(&mut *$conn)
            .await?;
    }};
    (forget_files $conn:ident, $keys:expr, $at:expr) => {{
        use diesel::ExpressionMethods as _;
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::upload_intents;
        for key in $keys {
            // The blob goes after the commit; until then (and if that fails) the intent
            // lets the orphan sweep find it.
            diesel::insert_into(upload_intents::table)
                .values((
                    upload_intents::blob_key.eq(key),
                    upload_intents::created_at.eq($crate::time::to_sql($at)),
                ))
                .on_conflict_do_nothing()
                .execute(&mut *$conn)
                .await?;
        }
    }};
    (redact $conn:ident, $comment_id:expr, $redaction:expr) => {{
        use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::{attachments, comments, outbox};
        let conn = &mut *$conn;
        let id: i64 = domain::CommentId::get($comment_id);
        let redaction: &domain::redaction::Redaction = $redaction;
        let Some(ticket_id) = comments::table
            .find(id)
            .select(comments::ticket_id)
            .first::<i64>(&mut *conn)
            .await
            .optional()?
        else {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::Reference("comment"),
            ));
        };
        diesel::update(comments::table.find(id))
            .set((
                comments::body.eq(None::<String>),
                comments::redacted_at.eq(Some($crate::time::to_sql(redaction.at))),
                comments::redacted_by.eq(Some(redaction.by.get())),
                comments::redaction_reason.eq(Some(redaction.reason.as_str())),
            ))
            .execute(&mut *conn)
            .await?;
        let keys: Vec<String> = attachments::table
            .filter(attachments::comment_id.eq(id))
            .select(attachments::blob_key)
            .load(&mut *conn)
            .await?;
        diesel::delete(attachments::table.filter(attachments::comment_id.eq(id)))
            .execute(&mut *conn)
            .await?;
        content_write!(forget_files conn, keys, redaction.at);
        // A planner holding one of the ticket's events read the comment before this:
        // withdrawn, its rows are refused at commit and the event planned again.
        content_write!(withdraw conn, ticket_id);
        // The notifications planned from the comment's event may quote it.
        let events: Vec<(i64, String)> = outbox::table
            .filter(outbox::aggregate_id.eq(ticket_id))
            .filter(outbox::event_type.eq("CommentAdded"))
            .select((outbox::id, outbox::payload))
            .load(&mut *conn)
            .await?;
        let ids: Vec<i64> = events
            .into_iter()
            .filter(|(_, payload)| $crate::content::names_comment(payload, id))
            .map(|(event, _)| event)
            .collect();
        if !ids.is_empty() {
            content_write!(cancel conn, notifications::event_id.eq_any(ids), redaction.at, "the comment was redacted");
        }
    }};
    (delete_file $conn:ident, $id:expr, $at:expr) => {{
        use diesel::{OptionalExtension as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::attachments;
        let conn = &mut *$conn;
        let id: i64 = domain::AttachmentId::get($id);
        let Some(key) = attachments::table
            .find(id)
            .select(attachments::blob_key)
            .first::<String>(&mut *conn)
            .await
            .optional()?
        else {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::Reference("attachment"),
            ));
        };
        diesel::delete(attachments::table.find(id)).execute(&mut *conn).await?;
        content_write!(forget_files conn, [key], $at);
    }};
    (erase_account $conn:ident, $user_id:expr, $name:expr, $email:expr, $hash:expr, $at:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::{email_verifications, notifications, users};
        let conn = &mut *$conn;
        let user: i64 = domain::UserId::get($user_id);
        let (name, email): (&str, &str) = ($name, $email);
        let erased = diesel::update(users::table.find(user))
            .set((
                users::display_name.eq(name),
                users::email.eq(email),
                users::phone.eq(None::<String>),
                users::sms_opt_in.eq(false),
                users::password_hash.eq($hash),
                users::active.eq(false),
            ))
            .execute(&mut *conn)
            .await
            .map_err($crate::error::unique_violation_as(
                application::ports::StoreError::Duplicate("email"),
            ))?;
        if erased == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::Reference("user"),
            ));
        }
        diesel::delete(email_verifications::table.filter(email_verifications::user_id.eq(user)))
            .execute(&mut *conn)
            .await?;
        // Their survey comments go too (through `surveys_customer`); ratings stay for
        // the reports.
        diesel::update($crate::schema::surveys::table.filter($crate::schema::surveys::customer_id.eq(user)))
            .set($crate::schema::surveys::comment.eq(None::<String>))
            .execute(&mut *conn)
            .await?;
        content_write!(cancel conn, notifications::recipient_id.eq(user), $at, "the recipient was erased");
        diesel::update(notifications::table.filter(notifications::recipient_id.eq(user)))
            .set((
                notifications::address.eq(email),
                notifications::recipient_name.eq(Some(name)),
            ))
            .execute(&mut *conn)
            .await?;
    }};
    (erase_ticket $conn:ident, $ticket_id:expr, $subject:expr, $description:expr, $at:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::{notifications, outbox, ticket_history, tickets};
        let conn = &mut *$conn;
        let ticket: i64 = domain::TicketId::get($ticket_id);
        let subject: &domain::Subject = $subject;
        let description: &domain::Description = $description;
        let erased = diesel::update(tickets::table.find(ticket))
            .set((
                tickets::subject.eq(subject.as_str()),
                tickets::description.eq(description.as_str()),
            ))
            .execute(&mut *conn)
            .await?;
        if erased == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::Reference("ticket"),
            ));
        }
        let edits: Vec<(i64, String)> = ticket_history::table
            .filter(ticket_history::ticket_id.eq(ticket))
            .filter(ticket_history::event_type.eq("TicketUpdated"))
            .select((ticket_history::id, ticket_history::details))
            .load(&mut *conn)
            .await?;
        for (id, details) in edits {
            if let Some(scrubbed) = $crate::content::without_subject_texts(&details) {
                diesel::update(ticket_history::table.find(id))
                    .set(ticket_history::details.eq(scrubbed))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        let announced: Vec<(i64, String)> = outbox::table
            .filter(outbox::aggregate_id.eq(ticket))
            .filter(outbox::event_type.eq("TicketUpdated"))
            .select((outbox::id, outbox::payload))
            .load(&mut *conn)
            .await?;
        for (id, payload) in announced {
            if let Some(scrubbed) = $crate::content::without_subject_texts(&payload) {
                diesel::update(outbox::table.find(id))
                    .set(outbox::payload.eq(scrubbed))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        content_write!(withdraw conn, ticket);
        content_write!(cancel conn, notifications::ticket_id.eq(ticket), $at, "the ticket's customer was erased");
        diesel::update(notifications::table.filter(notifications::ticket_id.eq(ticket)))
            .set(notifications::context.eq("{}"))
            .execute(&mut *conn)
            .await?;
    }};
}
pub(crate) use content_write;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_event_is_found_by_its_comment_id() {
        let payload =
            r#"{"event_type":"CommentAdded","details":{"attachments":0,"comment_id":12,"visibility":"public"}}"#;
        assert!(names_comment(payload, 12));
        assert!(!names_comment(payload, 1));
        assert!(!names_comment("not json", 12));
    }

    #[test]
    fn subject_texts_are_dropped_from_edits_and_other_fields_kept() {
        let history = r#"{"changes":[{"field":"subject","from":"Jane's order","to":"Jane Doe"},{"field":"priority","from":"low","to":"high"}]}"#;
        let scrubbed = without_subject_texts(history).expect("changed");
        assert!(!scrubbed.contains("Jane"));
        assert!(scrubbed.contains("high"));
        let outbox = r#"{"details":{"changes":[{"field":"subject","from":"Jane","to":"Doe"}]}}"#;
        assert!(!without_subject_texts(outbox).expect("changed").contains("Jane"));
        assert_eq!(without_subject_texts(r#"{"changes":[{"field":"tags"}]}"#), None);
    }
}
