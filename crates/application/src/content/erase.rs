//! A customer's right to erasure.

use domain::redaction::{
    ERASED_SUBJECT, REDACTED_MARKER, RedactionReason, erased_display_name, erased_email, may_erase,
};
use domain::{Actor, CommentId, Description, Subject, UserId};

use crate::comments::CommentPorts;
use crate::error::AppError;
use crate::ports::{ChangeSet, ConversationQuery, TicketCursor, TicketFilter, TicketQuery, TicketSort, Write};

use super::redact_all;

/// Tickets read per page, and comments redacted per transaction.
const BATCH: u32 = 50;

/// A hash no password matches (not a PHC string, so it never verifies).
const UNUSABLE_PASSWORD: &str = "!erased";

/// What an erasure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erasure {
    /// The erased customer.
    pub user_id: UserId,
    /// Their tickets, anonymised.
    pub tickets: usize,
    /// Their comments redacted by this call (those redacted before are left alone).
    pub comments: usize,
    /// Files deleted with them.
    pub files: usize,
}

/// Erases a customer (admins only; ADR 0013): first, in one transaction, their name,
/// e-mail and phone replaced, password made unusable, account deactivated, sessions
/// revoked and pending notifications to them cancelled; then, ticket by ticket, the
/// subject and description replaced and their comments redacted (reason `erasure`), at
/// most [`BATCH`] comments per transaction, so a customer with thousands of comments
/// never makes one huge transaction. The account is shut out before the batches start;
/// erasing again finishes what an interrupted erasure left and is otherwise harmless.
#[derive(Clone)]
pub struct EraseCustomer {
    ports: CommentPorts,
}

impl EraseCustomer {
    /// Wires the use case.
    pub fn new(ports: CommentPorts) -> Self {
        Self { ports }
    }

    /// Erases user `id`. "Forbidden" for anyone but an admin, "not found" for no such
    /// user, a conflict (`not_a_customer`) for a staff account.
    pub async fn execute(&self, actor: Actor, id: i64) -> Result<Erasure, AppError> {
        if !actor.is_admin() {
            return Err(AppError::Forbidden("only admins may erase accounts".into()));
        }
        let not_found = || AppError::NotFound("user");
        if id <= 0 {
            return Err(not_found());
        }
        let user_id = UserId::new(id);
        let user = self.ports.tickets.users.get(user_id).await?.ok_or_else(not_found)?;
        may_erase(user.role).map_err(|_| AppError::Conflict {
            code: "not_a_customer",
            message: "only customer accounts are erased; deactivate a staff account instead".into(),
        })?;
        let now = self.ports.tickets.clock.now();
        let mut shut_out = ChangeSet::default();
        shut_out.push(Write::EraseAccount {
            user_id,
            display_name: erased_display_name(user_id),
            email: erased_email(user_id),
            password_hash: UNUSABLE_PASSWORD.to_owned(),
            at: now,
        });
        shut_out.push(Write::RevokeSessions {
            user_id,
            except: None,
            at: now,
        });
        self.ports.tickets.uow.commit(shut_out).await?;

        let subject = Subject::parse(ERASED_SUBJECT).map_err(|e| AppError::Internal(e.to_string()))?;
        let description = Description::parse(REDACTED_MARKER).map_err(|e| AppError::Internal(e.to_string()))?;
        let reason = RedactionReason::erasure();
        let mut done = Erasure {
            user_id,
            tickets: 0,
            comments: 0,
            files: 0,
        };
        let mut after: Option<TicketCursor> = None;
        loop {
            let query = TicketQuery {
                filter: TicketFilter {
                    customer_id: Some(user_id),
                    ..TicketFilter::default()
                },
                sort: TicketSort::CreatedAsc,
                limit: BATCH,
                after,
            };
            let page = self.ports.tickets.tickets.list(&query).await?;
            for ticket in &page.items {
                let mut set = ChangeSet::default();
                set.push(Write::EraseTicketText {
                    ticket_id: ticket.id(),
                    subject: subject.clone(),
                    description: description.clone(),
                    at: now,
                });
                self.ports.tickets.uow.commit(set).await?;
                done.tickets += 1;
                let (comments, files) = self.redact_comments_of(&actor, ticket.id(), user_id, &reason).await?;
                done.comments += comments;
                done.files += files;
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(done)
    }

    /// Redacts `author`'s unredacted comments on one ticket, a batch per transaction.
    async fn redact_comments_of(
        &self,
        actor: &Actor,
        ticket_id: domain::TicketId,
        author: UserId,
        reason: &RedactionReason,
    ) -> Result<(usize, usize), AppError> {
        let (mut comments, mut files) = (0, 0);
        let mut after: Option<CommentId> = None;
        loop {
            let page = self
                .ports
                .comments
                .list_comments(ConversationQuery {
                    ticket_id,
                    include_internal: true,
                    after,
                    limit: BATCH,
                })
                .await?;
            let theirs: Vec<_> = page
                .items
                .into_iter()
                .filter(|v| v.comment.author_id == author && v.redaction.is_none())
                .collect();
            let now = self.ports.tickets.clock.now();
            files += redact_all(&self.ports, actor, &theirs, reason, now).await?;
            comments += theirs.len();
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok((comments, files)),
            }
        }
    }
}
