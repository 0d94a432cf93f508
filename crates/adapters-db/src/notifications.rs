//! The outbox as the notification planner reads it, and the notification rows the
//! dispatcher works through.

use application::ports::{
    Contact, NewNotification, Notification, NotificationRepository, NotificationStatus, OutboxEvent, OutboxRepository,
    Outcome, StoreError, TemplateContext,
};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::escalation::Channel;
use domain::{Role, TicketId, Timestamp, UserId};

use crate::error::{TxError, corrupt, db_error};
use crate::events::parse_payload;
use crate::pool::Database;
use crate::schema::{notifications, outbox, users};
use crate::time::{from_sql, to_sql};

/// The longest error text kept on a row.
const ERROR_MAX_CHARS: usize = 1_000;

fn trimmed(error: &str) -> String {
    error.chars().take(ERROR_MAX_CHARS).collect()
}

/// A `notifications` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub(crate) struct NotificationRow {
    id: i64,
    idempotency_key: String,
    event_id: Option<i64>,
    ticket_id: Option<i64>,
    recipient_id: Option<i64>,
    channel: String,
    address: String,
    recipient_name: Option<String>,
    template: String,
    context: String,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

impl NotificationRow {
    fn into_notification(self) -> Result<Notification, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("notification", e);
        let context: TemplateContext = serde_json::from_str(&self.context).map_err(|e| bad(&e))?;
        Ok(Notification {
            id: self.id,
            spec: NewNotification {
                idempotency_key: self.idempotency_key,
                event_id: self.event_id,
                ticket_id: self.ticket_id.map(TicketId::new),
                recipient_id: self.recipient_id.map(UserId::new),
                channel: Channel::parse(&self.channel).ok_or_else(|| bad(&format!("channel {}", self.channel)))?,
                address: self.address,
                recipient_name: self.recipient_name,
                template: self.template,
                context,
                at: from_sql(self.created_at),
            },
            status: NotificationStatus::parse(&self.status).ok_or_else(|| bad(&format!("status {}", self.status)))?,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            next_attempt_at: from_sql(self.next_attempt_at),
            last_error: self.last_error,
            sent_at: self.sent_at.map(from_sql),
        })
    }
}

/// The values a [`application::ports::Write::QueueNotification`] inserts.
#[derive(Insertable)]
#[diesel(table_name = notifications)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewNotificationRow {
    idempotency_key: String,
    event_id: Option<i64>,
    ticket_id: Option<i64>,
    recipient_id: Option<i64>,
    channel: &'static str,
    address: String,
    recipient_name: Option<String>,
    template: String,
    context: String,
    status: &'static str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

impl NewNotificationRow {
    pub(crate) fn of(n: &NewNotification) -> Result<Self, StoreError> {
        Ok(Self {
            idempotency_key: n.idempotency_key.clone(),
            event_id: n.event_id,
            ticket_id: n.ticket_id.map(TicketId::get),
            recipient_id: n.recipient_id.map(UserId::get),
            channel: n.channel.as_str(),
            address: n.address.clone(),
            recipient_name: n.recipient_name.clone(),
            template: n.template.clone(),
            context: serde_json::to_string(&n.context).map_err(|e| StoreError::Failure(e.to_string()))?,
            status: NotificationStatus::Pending.as_str(),
            attempts: 0,
            next_attempt_at: to_sql(n.at),
            created_at: to_sql(n.at),
        })
    }
}

/// Due, unleased notifications, earliest due first, through the partial index.
macro_rules! due_notifications {
    ($now:expr, $limit:expr) => {
        notifications::table
            .filter(notifications::status.eq("pending"))
            .filter(notifications::next_attempt_at.le($now))
            .filter(
                notifications::lease_until
                    .is_null()
                    .or(notifications::lease_until.lt($now)),
            )
            .order(notifications::next_attempt_at.asc())
            .select(notifications::id)
            .limit($limit)
    };
}

/// Unprocessed, available, unleased outbox events, oldest first.
macro_rules! due_events {
    ($now:expr, $limit:expr) => {
        outbox::table
            .filter(outbox::processed_at.is_null())
            .filter(outbox::available_at.le($now))
            .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt($now)))
            .order((outbox::available_at.asc(), outbox::id.asc()))
            .select(outbox::id)
            .limit($limit)
    };
}

#[async_trait]
impl OutboxRepository for Database {
    async fn claim_events(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let (now, until, limit) = (to_sql(now), to_sql(lease_until), i64::from(limit));
        type Row = (i64, String, i64, String, NaiveDateTime);
        let rows: Vec<Row> = db_tx!(self, conn => {
            let ids = dialect::lease_rows!(
                conn,
                due_events!(now, limit),
                outbox::table,
                outbox::id,
                outbox::lease_until.eq(until)
            );
            let rows: Vec<Row> = outbox::table
                .filter(outbox::id.eq_any(&ids))
                .order(outbox::id.asc())
                .select((outbox::id, outbox::event_type, outbox::aggregate_id, outbox::payload, outbox::created_at))
                .load(conn)
                .await?;
            Ok::<_, TxError>(rows)
        })?;
        let mut events = Vec::with_capacity(rows.len());
        for (id, event_type, ticket_id, payload, at) in rows {
            match parse_payload(&event_type, ticket_id, &payload, from_sql(at)) {
                Ok(event) => events.push(OutboxEvent { id, event }),
                // Unreadable: set aside for good with the reason, never retried.
                Err(e) => {
                    let error = trimmed(&e.to_string());
                    db_run!(self, conn => {
                        diesel::update(outbox::table.find(id))
                            .set((
                                outbox::processed_at.eq(now),
                                outbox::lease_until.eq(None::<NaiveDateTime>),
                                outbox::last_error.eq(error),
                            ))
                            .execute(conn)
                            .await
                            .map_err(db_error)?
                    });
                }
            }
        }
        Ok(events)
    }

    async fn release_event(&self, id: i64, retry_at: Timestamp, error: &str) -> Result<(), StoreError> {
        let (at, error) = (to_sql(retry_at), trimmed(error));
        db_run!(self, conn => {
            diesel::update(outbox::table.find(id))
                .set((
                    outbox::attempts.eq(outbox::attempts + 1),
                    outbox::available_at.eq(at),
                    outbox::lease_until.eq(None::<NaiveDateTime>),
                    outbox::last_error.eq(error),
                ))
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(())
    }

    async fn pending_events(&self) -> Result<i64, StoreError> {
        self.pending_outbox_events().await
    }

    async fn purge_processed(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError> {
        let (before, limit) = (to_sql(before), i64::from(limit));
        let deleted = db_run!(self, conn => {
            let newest: Option<i64> = outbox::table
                .select(diesel::dsl::max(outbox::id))
                .first(conn)
                .await
                .map_err(db_error)?;
            // An empty table: nothing is below id 0.
            let newest = newest.unwrap_or(0);
            // Through `outbox_processed`: at most `limit` processed rows, the oldest
            // first; unprocessed rows and the newest row stay.
            let due: Vec<i64> = outbox::table
                .filter(outbox::processed_at.lt(before))
                .filter(outbox::id.lt(newest))
                .order(outbox::processed_at.asc())
                .select(outbox::id)
                .limit(limit)
                .load(conn)
                .await
                .map_err(db_error)?;
            diesel::delete(
                outbox::table
                    .filter(outbox::id.eq_any(&due))
                    .filter(outbox::processed_at.lt(before)),
            )
            .execute(conn)
            .await
            .map_err(db_error)?
        });
        Ok(deleted as u64)
    }
}

/// A user's contact details as stored.
type ContactRow = (i64, String, String, String, bool, Option<String>, bool);

fn contact_columns() -> (
    users::id,
    users::display_name,
    users::email,
    users::role,
    users::active,
    users::phone,
    users::sms_opt_in,
) {
    (
        users::id,
        users::display_name,
        users::email,
        users::role,
        users::active,
        users::phone,
        users::sms_opt_in,
    )
}

fn into_contact((id, name, email, role, active, phone, sms_opt_in): ContactRow) -> Result<Contact, StoreError> {
    Ok(Contact {
        id: UserId::new(id),
        name,
        email,
        role: Role::parse(&role).map_err(|e| corrupt("user", e))?,
        active,
        phone,
        sms_opt_in,
    })
}

#[async_trait]
impl NotificationRepository for Database {
    async fn claim_notifications(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claimant: &str,
    ) -> Result<Vec<Notification>, StoreError> {
        let (now, until, limit, claimant) = (to_sql(now), to_sql(lease_until), i64::from(limit), claimant.to_owned());
        let rows: Vec<NotificationRow> = db_tx!(self, conn => {
            let ids = dialect::lease_rows!(
                conn,
                due_notifications!(now, limit),
                notifications::table,
                notifications::id,
                (notifications::lease_until.eq(until), notifications::claimed_by.eq(claimant))
            );
            let rows: Vec<NotificationRow> = notifications::table
                .filter(notifications::id.eq_any(&ids))
                .order(notifications::next_attempt_at.asc())
                .select(NotificationRow::as_select())
                .load(conn)
                .await?;
            Ok::<_, TxError>(rows)
        })?;
        rows.into_iter().map(NotificationRow::into_notification).collect()
    }

    async fn record_outcome(
        &self,
        id: i64,
        claimant: &str,
        at: Timestamp,
        outcome: Outcome,
    ) -> Result<bool, StoreError> {
        let (at, claimant) = (to_sql(at), claimant.to_owned());
        let (status, next, error) = match &outcome {
            Outcome::Sent => (NotificationStatus::Sent, None, None),
            Outcome::Retry { at, error } => (NotificationStatus::Pending, Some(to_sql(*at)), Some(trimmed(error))),
            Outcome::Dead { error } => (NotificationStatus::Dead, None, Some(trimmed(error))),
        };
        let sent_at = matches!(outcome, Outcome::Sent).then_some(at);
        // Sent and dead are final: the purge counts its retention from here.
        let finished_at = Some(at);
        let updated = db_run!(self, conn => {
            let held = notifications::id
                .eq(id)
                .and(notifications::status.eq("pending"))
                .and(notifications::claimed_by.eq(claimant));
            let target = notifications::table.filter(held);
            match next {
                Some(next) => diesel::update(target)
                    .set((
                        notifications::attempts.eq(notifications::attempts + 1),
                        notifications::status.eq(status.as_str()),
                        notifications::next_attempt_at.eq(next),
                        notifications::lease_until.eq(None::<NaiveDateTime>),
                        notifications::claimed_by.eq(None::<String>),
                        notifications::last_error.eq(error),
                    ))
                    .execute(conn)
                    .await,
                None => diesel::update(target)
                    .set((
                        notifications::attempts.eq(notifications::attempts + 1),
                        notifications::status.eq(status.as_str()),
                        notifications::lease_until.eq(None::<NaiveDateTime>),
                        notifications::claimed_by.eq(None::<String>),
                        notifications::last_error.eq(error),
                        notifications::sent_at.eq(sent_at),
                        notifications::finished_at.eq(finished_at),
                    ))
                    .execute(conn)
                    .await,
            }
            .map_err(db_error)?
        });
        Ok(updated == 1)
    }

    async fn list_notifications(
        &self,
        status: Option<NotificationStatus>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let (status, before, limit) = (
            status.map(NotificationStatus::as_str),
            before.unwrap_or(i64::MAX),
            i64::from(limit),
        );
        let rows: Vec<NotificationRow> = db_run!(self, conn => {
            let mut query = notifications::table
                .filter(notifications::id.lt(before))
                .order(notifications::id.desc())
                .select(NotificationRow::as_select())
                .limit(limit)
                .into_boxed();
            if let Some(status) = status {
                query = query.filter(notifications::status.eq(status));
            }
            query.load(conn).await.map_err(db_error)?
        });
        rows.into_iter().map(NotificationRow::into_notification).collect()
    }

    async fn requeue(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let now = to_sql(now);
        let updated = db_run!(self, conn => {
            diesel::update(notifications::table.filter(notifications::id.eq(id).and(notifications::status.eq("dead"))))
                .set((
                    notifications::status.eq("pending"),
                    notifications::attempts.eq(0),
                    notifications::next_attempt_at.eq(now),
                    notifications::lease_until.eq(None::<NaiveDateTime>),
                    notifications::claimed_by.eq(None::<String>),
                    notifications::finished_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(updated == 1)
    }

    async fn purge_notifications(
        &self,
        status: NotificationStatus,
        before: Timestamp,
        limit: u32,
    ) -> Result<u64, StoreError> {
        if status == NotificationStatus::Pending {
            return Ok(0);
        }
        let (status, before, limit) = (status.as_str(), to_sql(before), i64::from(limit));
        let deleted = db_run!(self, conn => {
            let newest: Option<i64> = notifications::table
                .select(diesel::dsl::max(notifications::id))
                .first(conn)
                .await
                .map_err(db_error)?;
            // An empty table: nothing is below id 0.
            let newest = newest.unwrap_or(0);
            // Through `notifications_finished` (status, finished_at): at most `limit`
            // rows, the oldest first; the newest row stays. The delete checks again, so
            // a notification an admin requeued in between stays.
            let due: Vec<i64> = notifications::table
                .filter(notifications::status.eq(status))
                .filter(notifications::finished_at.lt(before))
                .filter(notifications::id.lt(newest))
                .order(notifications::finished_at.asc())
                .select(notifications::id)
                .limit(limit)
                .load(conn)
                .await
                .map_err(db_error)?;
            diesel::delete(
                notifications::table
                    .filter(notifications::id.eq_any(&due))
                    .filter(notifications::status.eq(status))
                    .filter(notifications::finished_at.lt(before)),
            )
            .execute(conn)
            .await
            .map_err(db_error)?
        });
        Ok(deleted as u64)
    }

    async fn get_notification(&self, id: i64) -> Result<Option<Notification>, StoreError> {
        let row: Option<NotificationRow> = db_run!(self, conn => {
            notifications::table
                .find(id)
                .select(NotificationRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(NotificationRow::into_notification).transpose()
    }

    async fn contacts(&self, ids: &[UserId]) -> Result<Vec<Contact>, StoreError> {
        let ids: Vec<i64> = ids.iter().map(|i| i.get()).collect();
        let rows: Vec<ContactRow> = db_run!(self, conn => {
            users::table
                .filter(users::id.eq_any(ids))
                .select(contact_columns())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        rows.into_iter().map(into_contact).collect()
    }

    async fn set_contact(&self, user: UserId, phone: Option<String>, sms_opt_in: bool) -> Result<bool, StoreError> {
        let id = user.get();
        let updated: usize = db_run!(self, conn => {
            diesel::update(users::table.find(id))
                .set((users::phone.eq(phone), users::sms_opt_in.eq(sms_opt_in)))
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(updated == 1)
    }

    async fn supervisors(&self) -> Result<Vec<Contact>, StoreError> {
        let rows: Vec<ContactRow> = db_run!(self, conn => {
            users::table
                .filter(users::role.eq(Role::Supervisor.as_str()))
                .filter(users::active.eq(true))
                .order(users::id.asc())
                .select(contact_columns())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        rows.into_iter().map(into_contact).collect()
    }
}

/// Applies [`application::ports::Write::QueueNotification`] on `$conn` inside the unit of
/// work's transaction (expanded per backend there, see [`crate::unit_of_work`]): queues
/// the notification unless its idempotency key is queued already.
macro_rules! notification_write {
    (queue $conn:ident, $notification:expr) => {{
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::notifications;
        diesel::insert_into(notifications::table)
            .values($crate::notifications::NewNotificationRow::of($notification)?)
            .on_conflict(notifications::idempotency_key)
            .do_nothing()
            .execute($conn)
            .await?;
    }};
}
pub(crate) use notification_write;
