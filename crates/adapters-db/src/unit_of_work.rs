//! Committing a change set in one transaction (or one savepoint per change set).
//!
//! This module only opens the transaction and hands each [`Write`] to the module of its
//! concern, whose `*_write!` macro applies it on the transaction's connection: tickets
//! ([`crate::tickets`]), events ([`crate::events`]: history, outbox), comments and
//! attachments ([`crate::comments`]), redaction and erasure ([`crate::content`]), SLA ([`crate::sla`]), agents' capacity
//! ([`crate::agents`]), escalation ([`crate::escalation`]), notifications
//! ([`crate::notifications`]), idempotency keys ([`crate::idempotency`]), sessions
//! ([`crate::sessions`]), accounts ([`crate::users`]) and surveys ([`crate::surveys`]); a batch of
//! queued assignments goes to [`crate::assignments`]. They are
//! macros so that each copy type-checks against its backend's connection (ADR 0001).

use application::ports::{ChangeSet, QueuedAssignment, StoreError, UnitOfWork, Write};
use async_trait::async_trait;

use crate::agents::agent_write;
use crate::assignments::assignments_write;
use crate::comments::comment_write;
use crate::content::content_write;
use crate::error::TxError;
use crate::escalation::escalation_write;
use crate::events::event_write;
use crate::idempotency::idempotency_write;
use crate::notifications::notification_write;
use crate::pool::Database;
use crate::sessions::session_write;
use crate::sla::sla_write;
use crate::surveys::survey_write;
use crate::tickets::ticket_write;
use crate::users::user_write;

/// Applies every write of `$changes` on `$conn` inside the transaction (or savepoint) the
/// caller opened, in order; evaluates to `Result<(), TxError>`, returning early on the
/// first refusal.
macro_rules! apply_writes {
    ($conn:ident, $changes:expr) => {{
        let conn = $conn;
        for write in &$changes.writes {
            match write {
                Write::InsertTicket(ticket) => ticket_write!(insert conn, ticket),
                Write::UpdateTicket { ticket, expected } => ticket_write!(update conn, ticket, *expected),
                Write::Record(event) => event_write!(record conn, event),
                Write::FinishOutboxEvent { id, at, lease_until } => {
                    event_write!(finish conn, *id, *at, *lease_until)
                }
                Write::InsertComment(comment) => comment_write!(comment conn, comment),
                Write::InsertAttachment(attachment) => comment_write!(attachment conn, attachment),
                Write::SaveSla {
                    ticket_id,
                    policy_id,
                    revision,
                    sla,
                } => sla_write!(save conn, *ticket_id, *policy_id, *revision, sla),
                Write::TakeCapacity {
                    ticket_id,
                    agent_id,
                    strictness,
                    at,
                } => agent_write!(take_capacity conn, *ticket_id, *agent_id, *strictness, *at),
                Write::RecordFiring {
                    ticket_id,
                    rule_id,
                    trigger,
                    at,
                } => escalation_write!(firing conn, *ticket_id, *rule_id, trigger, *at),
                Write::ScheduleEscalationCheck {
                    ticket_id,
                    at,
                    version,
                    lease,
                } => escalation_write!(schedule conn, *ticket_id, *at, *version, *lease),
                Write::RecheckEscalation { ticket_id, at } => escalation_write!(recheck conn, *ticket_id, *at),
                Write::QueueNotification(notification) => notification_write!(queue conn, notification),
                Write::RememberIdempotencyKey(record) => idempotency_write!(remember conn, record),
                Write::RevokeSessions { user_id, except, at } => {
                    session_write!(revoke_all conn, *user_id, except, *at)
                }
                Write::SetPassword {
                    user_id,
                    password_hash,
                } => user_write!(password conn, *user_id, password_hash),
                Write::UpdateAccount {
                    user_id,
                    display_name,
                    role,
                    active,
                    keep_an_admin,
                } => user_write!(update conn, *user_id, display_name, *role, *active, *keep_an_admin),
                Write::SetOffline { user_id, at } => agent_write!(offline conn, *user_id, *at),
                Write::RedactComment { comment_id, redaction } => content_write!(redact conn, *comment_id, redaction),
                Write::DeleteAttachment { id, at } => content_write!(delete_file conn, *id, *at),
                Write::EraseAccount {
                    user_id,
                    display_name,
                    email,
                    password_hash,
                    at,
                } => content_write!(erase_account conn, *user_id, display_name, email, password_hash, *at),
                Write::EraseTicketText {
                    ticket_id,
                    subject,
                    description,
                    at,
                } => content_write!(erase_ticket conn, *ticket_id, subject, description, *at),
                Write::ConsumePasswordReset {
                    token_hash,
                    user_id,
                    at,
                } => user_write!(consume_reset conn, token_hash, *user_id, *at),
                Write::InsertSurvey(stored) => survey_write!(insert conn, stored),
                Write::CancelSurveyInvitations { ticket_id, at } => survey_write!(cancel_invitations conn, *ticket_id, *at),
                Write::AnswerSurvey {
                    ticket_id,
                    round,
                    answer,
                } => survey_write!(answer conn, *ticket_id, *round, answer),
                Write::ChangeSurveyAnswer {
                    ticket_id,
                    round,
                    answer,
                    expected_changed_at,
                } => survey_write!(change conn, *ticket_id, *round, answer, *expected_changed_at),
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

    async fn commit_assignments(
        &self,
        batch: Vec<QueuedAssignment>,
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        db_tx!(self, conn => assignments_write!(conn, &batch))
    }
}
