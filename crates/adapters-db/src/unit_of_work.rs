//! Committing a change set in one transaction.

use application::ports::{ChangeSet, StoreError, UnitOfWork, Write};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use domain::{Ticket, TicketEvent, UserId};

use crate::agents::{UnconfiguredRow, open_load_condition, room_of};
use crate::comments::{AttachmentRow, CommentRow};
use crate::error::TxError;
use crate::events::{details_json, payload_json};
use crate::notifications::NewNotificationRow;
use crate::pool::Database;
use crate::schema::{
    agent_profiles, attachments, comments, escalation_firings, idempotency_keys, notifications, outbox, ticket_history,
    ticket_sla_targets, ticket_slas, ticket_tags, tickets, upload_intents,
};
use crate::sla::{SlaRow, TargetRow};
use crate::tickets::TicketRow;
use crate::time::to_sql;

#[derive(Insertable)]
#[diesel(table_name = ticket_history)]
#[diesel(treat_none_as_default_value = false)]
struct NewHistoryRow {
    ticket_id: i64,
    actor_id: Option<i64>,
    event_type: &'static str,
    details: String,
    visibility: &'static str,
    occurred_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
#[diesel(treat_none_as_default_value = false)]
struct NewOutboxRow {
    event_type: &'static str,
    aggregate_id: i64,
    payload: String,
    created_at: chrono::NaiveDateTime,
    available_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = ticket_tags)]
#[diesel(treat_none_as_default_value = false)]
struct TagRow {
    ticket_id: i64,
    tag: String,
}

#[derive(Insertable)]
#[diesel(table_name = idempotency_keys)]
#[diesel(treat_none_as_default_value = false)]
struct IdempotencyRow {
    user_id: i64,
    scope: &'static str,
    key: String,
    fingerprint: String,
    resource_id: i64,
    created_at: chrono::NaiveDateTime,
}

fn tag_rows(ticket: &Ticket) -> Vec<TagRow> {
    let id = ticket.id().get();
    ticket
        .parts()
        .tags
        .iter()
        .map(|t| TagRow {
            ticket_id: id,
            tag: t.to_string(),
        })
        .collect()
}

fn history_row(e: &TicketEvent) -> NewHistoryRow {
    NewHistoryRow {
        ticket_id: e.ticket_id.get(),
        actor_id: e.actor.map(UserId::get),
        event_type: e.kind.event_type(),
        details: details_json(&e.kind),
        visibility: e.kind.visibility().as_str(),
        occurred_at: to_sql(e.at),
    }
}

fn outbox_row(e: &TicketEvent) -> NewOutboxRow {
    NewOutboxRow {
        event_type: e.kind.event_type(),
        aggregate_id: e.ticket_id.get(),
        payload: payload_json(e),
        created_at: to_sql(e.at),
        available_at: to_sql(e.at),
    }
}

/// A unique violation on the idempotency key means a concurrent retry committed first.
fn duplicate_key(e: DieselError) -> TxError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            TxError::Store(StoreError::Duplicate("idempotency_key"))
        }
        other => TxError::Diesel(other),
    }
}

/// Applies every write of `$changes` on `$conn` inside the transaction (or savepoint) the
/// caller opened; evaluates to `Result<(), TxError>`, returning early on the first refusal.
macro_rules! apply_writes {
    ($conn:ident, $changes:expr) => {{
        let conn = $conn;
        for write in &$changes.writes {
            match write {
                Write::InsertTicket(ticket) => {
                    diesel::insert_into(tickets::table)
                        .values(TicketRow::from_ticket(ticket))
                        .execute(conn)
                        .await?;
                    // One row at a time: the async SQLite wrapper has no batch insert.
                    for tag in tag_rows(ticket) {
                        diesel::insert_into(ticket_tags::table)
                            .values(tag)
                            .execute(conn)
                            .await?;
                    }
                }
                Write::UpdateTicket { ticket, expected } => {
                    let id = ticket.id().get();
                    let updated = diesel::update(
                        tickets::table.filter(tickets::id.eq(id).and(tickets::version.eq(expected.get()))),
                    )
                    .set(TicketRow::from_ticket(ticket))
                    .execute(conn)
                    .await?;
                    if updated == 0 {
                        return Err(TxError::Store(StoreError::VersionConflict));
                    }
                    diesel::delete(ticket_tags::table.filter(ticket_tags::ticket_id.eq(id)))
                        .execute(conn)
                        .await?;
                    // One row at a time: the async SQLite wrapper has no batch insert.
                    for tag in tag_rows(ticket) {
                        diesel::insert_into(ticket_tags::table)
                            .values(tag)
                            .execute(conn)
                            .await?;
                    }
                }
                Write::Record(event) => {
                    diesel::insert_into(ticket_history::table)
                        .values(history_row(event))
                        .execute(conn)
                        .await?;
                    diesel::insert_into(outbox::table)
                        .values(outbox_row(event))
                        .execute(conn)
                        .await?;
                }
                Write::InsertComment(comment) => {
                    diesel::insert_into(comments::table)
                        .values(CommentRow::from_comment(comment))
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
                        return Err(TxError::Store(StoreError::VersionConflict));
                    }
                }
                Write::InsertAttachment(attachment) => {
                    // The upload's intent goes with the commit; if the orphan sweeper
                    // claimed it first, its blob is (being) deleted: fail, keep no row.
                    let forgotten = diesel::delete(upload_intents::table.find(attachment.blob_key.clone()))
                        .execute(conn)
                        .await?;
                    if forgotten == 0 {
                        return Err(TxError::Store(StoreError::Reference("upload intent")));
                    }
                    diesel::insert_into(attachments::table)
                        .values(AttachmentRow::from_attachment(attachment))
                        .execute(conn)
                        .await?;
                }
                Write::SaveSla {
                    ticket_id,
                    policy_id,
                    revision,
                    sla,
                } => {
                    let id = ticket_id.get();
                    // The ticket row first, then ticket_slas: the same lock order as a
                    // ticket command, so a command and the monitor cannot deadlock.
                    diesel::update(tickets::table.find(id))
                        .set(tickets::sla_due_at.eq(sla.running_due().map(to_sql)))
                        .execute(conn)
                        .await?;
                    let next_deadline = sla.next_deadline().map(to_sql);
                    let saved = if *revision == 0 {
                        let row = SlaRow {
                            ticket_id: id,
                            policy_id: *policy_id,
                            revision: 1,
                            next_deadline,
                            claimed_until: None,
                        };
                        diesel::insert_into(ticket_slas::table)
                            .values(row)
                            .execute(conn)
                            .await
                            .map_err(|e| match e {
                                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                                    TxError::Store(StoreError::VersionConflict)
                                }
                                other => TxError::Diesel(other),
                            })?
                    } else {
                        let current = ticket_slas::ticket_id.eq(id).and(ticket_slas::revision.eq(revision));
                        diesel::update(ticket_slas::table.filter(current))
                            .set((
                                ticket_slas::policy_id.eq(policy_id),
                                ticket_slas::revision.eq(revision + 1),
                                ticket_slas::next_deadline.eq(next_deadline),
                                ticket_slas::claimed_until.eq(None::<chrono::NaiveDateTime>),
                            ))
                            .execute(conn)
                            .await?
                    };
                    if saved == 0 {
                        return Err(TxError::Store(StoreError::VersionConflict));
                    }
                    diesel::delete(ticket_sla_targets::table.filter(ticket_sla_targets::ticket_id.eq(id)))
                        .execute(conn)
                        .await?;
                    // One row at a time: the async SQLite wrapper has no batch insert.
                    for row in TargetRow::of(*ticket_id, sla) {
                        diesel::insert_into(ticket_sla_targets::table)
                            .values(row)
                            .execute(conn)
                            .await?;
                    }
                }
                Write::TakeCapacity {
                    ticket_id,
                    agent_id,
                    strictness,
                    at,
                } => {
                    let agent = agent_id.get();
                    let at = to_sql(*at);
                    let locked = match dialect::lock_agent(conn, agent).await? {
                        Some(row) => row,
                        None => {
                            // Store the unconfigured profile so there is a row to lock.
                            diesel::insert_into(agent_profiles::table)
                                .values(UnconfiguredRow::new(agent, at))
                                .on_conflict_do_nothing()
                                .execute(conn)
                                .await?;
                            dialect::lock_agent(conn, agent)
                                .await?
                                .ok_or(TxError::Diesel(DieselError::NotFound))?
                        }
                    };
                    let (availability, capacity) = room_of(locked).map_err(TxError::Store)?;
                    // Counted after the lock: every committed assignment to this agent is
                    // seen (READ COMMITTED takes a fresh snapshot per statement).
                    let open: i64 = tickets::table
                        .filter(tickets::assignee_id.eq(agent))
                        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&open_load_condition()))
                        .filter(tickets::id.ne(ticket_id.get()))
                        .count()
                        .get_result(conn)
                        .await?;
                    let open = u32::try_from(open).unwrap_or(u32::MAX);
                    domain::assignment::check_room(*strictness, availability, capacity, open)
                        .map_err(|r| TxError::Store(StoreError::AgentRefused(r)))?;
                    diesel::update(agent_profiles::table.find(agent))
                        .set(agent_profiles::last_assigned_at.eq(at))
                        .execute(conn)
                        .await?;
                }
                Write::RecordFiring {
                    ticket_id,
                    rule_id,
                    trigger,
                    at,
                } => {
                    diesel::insert_into(escalation_firings::table)
                        .values((
                            escalation_firings::ticket_id.eq(ticket_id.get()),
                            escalation_firings::rule_id.eq(*rule_id),
                            escalation_firings::trigger_key.eq(trigger),
                            escalation_firings::fired_at.eq(to_sql(*at)),
                        ))
                        .execute(conn)
                        .await
                        .map_err(|e| match e {
                            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                                TxError::Store(StoreError::Duplicate("escalation_firing"))
                            }
                            other => TxError::Diesel(other),
                        })?;
                }
                Write::ScheduleEscalationCheck {
                    ticket_id,
                    at,
                    version,
                    lease,
                } => {
                    // A change or a rule since the schedule was worked out leaves the
                    // ticket due (both end the lease).
                    let held = tickets::id
                        .eq(ticket_id.get())
                        .and(tickets::version.eq(version.get()))
                        .and(tickets::escalation_claimed_until.eq(to_sql(*lease)));
                    diesel::update(tickets::table.filter(held))
                        .set((
                            tickets::escalation_check_at.eq(at.map(to_sql)),
                            tickets::escalation_claimed_until.eq(None::<chrono::NaiveDateTime>),
                        ))
                        .execute(conn)
                        .await?;
                }
                Write::QueueNotification(n) => {
                    diesel::insert_into(notifications::table)
                        .values(NewNotificationRow::of(n)?)
                        .on_conflict(notifications::idempotency_key)
                        .do_nothing()
                        .execute(conn)
                        .await?;
                }
                Write::FinishOutboxEvent { id, at } => {
                    diesel::update(outbox::table.find(*id))
                        .set((
                            outbox::processed_at.eq(to_sql(*at)),
                            outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
                        ))
                        .execute(conn)
                        .await?;
                }
                Write::RememberIdempotencyKey(r) => {
                    diesel::insert_into(idempotency_keys::table)
                        .values(IdempotencyRow {
                            user_id: r.user_id.get(),
                            scope: r.scope,
                            key: r.key.clone(),
                            fingerprint: r.fingerprint.clone(),
                            resource_id: r.resource_id,
                            created_at: to_sql(r.created_at),
                        })
                        .execute(conn)
                        .await
                        .map_err(duplicate_key)?;
                }
            }
        }
        Ok::<(), TxError>(())
    }};
}

#[async_trait]
impl UnitOfWork for Database {
    async fn commit(&self, changes: ChangeSet) -> Result<(), StoreError> {
        db_tx!(self, conn => apply_writes!(conn, changes))
    }

    async fn commit_each(&self, sets: Vec<ChangeSet>) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        db_tx!(self, conn => {
            use diesel_async::AsyncConnection as _;
            let mut outcomes = Vec::with_capacity(sets.len());
            for changes in &sets {
                // A savepoint each: a refused change set is rolled back alone.
                match conn.transaction(async |conn| apply_writes!(conn, changes)).await {
                    Ok(()) => outcomes.push(Ok(())),
                    Err(TxError::Store(refused)) => outcomes.push(Err(refused)),
                    // A database error may have ended the whole transaction (SQLite rolls
                    // back on a full disk): give up on the batch, so nothing is written.
                    Err(broken) => return Err(broken),
                }
            }
            Ok(outcomes)
        })
    }
}
