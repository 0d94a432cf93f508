//! Atomic writes: one command, one transaction.

use async_trait::async_trait;
use domain::assignment::{Refusal, Strictness};
use domain::redaction::Redaction;
use domain::{
    Attachment, AttachmentId, Comment, CommentId, Description, Subject, Ticket, TicketEvent, TicketId, Timestamp,
    UserId, Version,
};

use super::assignments::QueuedAssignment;
use super::idempotency::IdempotencyRecord;

/// What went wrong in storage, in terms the use cases can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A guarded write lost a race: the ticket's version moved on since it was read.
    #[error("the record was changed concurrently")]
    VersionConflict,
    /// A unique key already exists; names the key (`email`, `slug`, `idempotency_key`, ...).
    #[error("a record with this {0} already exists")]
    Duplicate(&'static str),
    /// A referenced record is missing or still referenced (foreign key); names it.
    #[error("the {0} is referenced or missing")]
    Reference(&'static str),
    /// The database cannot be reached now (pool timeout, connection refused). Retrying
    /// later may succeed.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A [`Write::TakeCapacity`] found the agent unable to take the ticket.
    #[error("{0}")]
    AgentRefused(Refusal),
    /// A [`Write::UpdateAccount`] that takes away an active admin found no other one.
    #[error("this is the last active admin")]
    LastAdmin,
    /// Anything else: a bug or corrupt data. The message is for logs only.
    #[error("storage failure: {0}")]
    Failure(String),
}

/// One write within a [`ChangeSet`].
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Insert a ticket just opened.
    InsertTicket(Ticket),
    /// Replace a ticket's state, provided its stored version is still `expected`.
    UpdateTicket {
        /// The new state.
        ticket: Ticket,
        /// The version it was read at.
        expected: Version,
    },
    /// Append the event to the ticket's history and to the outbox.
    Record(TicketEvent),
    /// Insert a comment and count it on its ticket (public comments or internal notes),
    /// provided the ticket is not closed.
    InsertComment(Comment),
    /// Insert an attachment's record and delete its upload intent; its blob was stored
    /// before the commit. Fails the commit if the intent is gone (swept as an orphan).
    InsertAttachment(Attachment),
    /// Replace a ticket's SLA targets with these (under the policy that applies, if any),
    /// provided its stored revision is still `revision`; also sets the ticket's
    /// `sla_due_at` and ends the monitor's lease.
    SaveSla {
        /// The ticket.
        ticket_id: domain::TicketId,
        /// The policy they come from.
        policy_id: Option<i64>,
        /// The revision read ([`super::StoredSla::revision`]; 0 when none was stored).
        revision: i64,
        /// The targets.
        sla: domain::sla::TicketSla,
    },
    /// Give the ticket one of the agent's places: lock the agent's profile (so
    /// assignments to one agent take turns), count their open tickets other than this one
    /// (statuses in [`domain::assignment::LOAD_STATUSES`]), check them with
    /// [`domain::assignment::check_room`] and note `at` as their last assignment. Comes
    /// after the ticket's own write (lock order: ticket, then agent) and before the
    /// events, so history ids follow the order in which agents' places were taken.
    TakeCapacity {
        /// The ticket given.
        ticket_id: TicketId,
        /// The agent taking it.
        agent_id: UserId,
        /// How strictly to check.
        strictness: Strictness,
        /// When.
        at: Timestamp,
    },
    /// Note that an escalation rule fired for a trigger of a ticket (the key of a
    /// [`domain::escalation::Firing`]), so it never fires for it again, also with several
    /// workers: the change set carrying it is written once.
    RecordFiring {
        /// The ticket.
        ticket_id: TicketId,
        /// The rule.
        rule_id: i64,
        /// The trigger's stable key.
        trigger: String,
        /// When the rule acted.
        at: Timestamp,
    },
    /// Set when the escalation loop should look at the ticket next (`None`: not until it
    /// changes) and end its lease, provided the ticket is still at `version` and still
    /// under the lease the loop took (`lease`, its end): a change to the ticket, or a rule
    /// created or changed, since the look leaves the ticket due at once.
    ScheduleEscalationCheck {
        /// The ticket.
        ticket_id: TicketId,
        /// The next look.
        at: Option<Timestamp>,
        /// The version the schedule was worked out for.
        version: Version,
        /// The end of the lease the loop took the ticket under.
        lease: Timestamp,
    },
    /// Make the ticket due a look by the escalation loop at `at` and end the loop's lease
    /// on it, without writing the ticket (a survey answer: a rule may fire on it).
    RecheckEscalation {
        /// The ticket.
        ticket_id: TicketId,
        /// When it is due.
        at: Timestamp,
    },
    /// Queue a notification, unless its idempotency key is queued already.
    QueueNotification(super::NewNotification),
    /// Mark an outbox event processed (its notifications planned) and end its lease.
    /// Refused with [`StoreError::VersionConflict`] unless the event is still held under
    /// `lease_until`: a redaction or erasure withdraws the leases of its ticket's
    /// unprocessed events, so rows planned from the content before it are not kept.
    FinishOutboxEvent {
        /// The outbox row.
        id: i64,
        /// When.
        at: Timestamp,
        /// The lease the event was claimed with.
        lease_until: Timestamp,
    },
    /// Remember which ticket an idempotent create produced.
    RememberIdempotencyKey(IdempotencyRecord),
    /// Revoke every unrevoked session of the user (through the `sessions_user_id`
    /// index) except the one whose hash is `except`, as of `at`: the next request with
    /// any other of their tokens is refused.
    RevokeSessions {
        /// Whose sessions.
        user_id: UserId,
        /// The session to keep (the caller's own, when changing their own password).
        except: Option<super::TokenHash>,
        /// When.
        at: Timestamp,
    },
    /// Change an account's display name, role and active flag (`None`: unchanged). With
    /// `keep_an_admin` (the change takes away an active admin) the store first locks the
    /// active admins (PostgreSQL: `FOR UPDATE`; SQLite's writers take turns) and fails
    /// the commit with [`StoreError::LastAdmin`] unless another one remains, so two admins
    /// demoting each other at once cannot leave none. Fails with
    /// [`StoreError::Reference`]`("user")` when there is no such user.
    UpdateAccount {
        /// Whose account.
        user_id: UserId,
        /// The new display name.
        display_name: Option<domain::DisplayName>,
        /// The new role.
        role: Option<domain::Role>,
        /// The new active flag.
        active: Option<bool>,
        /// Check that another active admin remains.
        keep_an_admin: bool,
    },
    /// Set an agent's profile offline as of `at` (an account without a profile is
    /// offline already): the queue gives them nothing more.
    SetOffline {
        /// The agent.
        user_id: UserId,
        /// When.
        at: Timestamp,
    },
    /// Replace the user's password hash. Fails the commit with
    /// [`StoreError::Reference`]`("user")` when there is no such user.
    SetPassword {
        /// Whose password.
        user_id: UserId,
        /// The new argon2id hash.
        password_hash: String,
    },
    /// Redact a comment: its body cleared and the redaction recorded; its files' records
    /// deleted, each blob key remembered as an upload intent as of the redaction (so the
    /// orphan sweep deletes a blob the caller fails to delete after the commit); and every
    /// pending notification planned from the comment's `CommentAdded` outbox event
    /// cancelled (they may quote it). Fails the commit with
    /// [`StoreError::Reference`]`("comment")` when there is no such comment.
    RedactComment {
        /// The comment.
        comment_id: CommentId,
        /// Who, when and why.
        redaction: Redaction,
    },
    /// Delete one file's record, remembering its blob key as an upload intent as of `at`
    /// (as [`Write::RedactComment`] does). Fails the commit with
    /// [`StoreError::Reference`]`("attachment")` when there is no such file.
    DeleteAttachment {
        /// The file.
        id: AttachmentId,
        /// When.
        at: Timestamp,
    },
    /// Erase a customer's identity: display name and e-mail replaced, phone removed, SMS
    /// opt-in off, password hash replaced (unusable), account deactivated, the comments of
    /// their survey answers cleared (ratings kept); their pending
    /// notifications cancelled, and their name and address replaced in every notification
    /// row addressed to them. Fails the commit with [`StoreError::Reference`]`("user")`
    /// when there is no such user.
    EraseAccount {
        /// Whose account.
        user_id: UserId,
        /// The new display name.
        display_name: String,
        /// The new (undeliverable, unique) e-mail address.
        email: String,
        /// A hash no password matches.
        password_hash: String,
        /// When.
        at: Timestamp,
    },
    /// Anonymise an erased customer's ticket: subject and description replaced (search
    /// follows), the subject texts dropped from its history's edits, its pending
    /// notifications cancelled and the template values of all its notifications cleared.
    /// Version and counters are left alone: reports keep their numbers. Fails the commit
    /// with [`StoreError::Reference`]`("ticket")` when there is no such ticket.
    EraseTicketText {
        /// The ticket.
        ticket_id: TicketId,
        /// The new subject.
        subject: Subject,
        /// The new description.
        description: Description,
        /// When.
        at: Timestamp,
    },
    /// Use the password reset token `token_hash` of `user_id` at `at`: it must be
    /// unused and unexpired (a guarded update, so two concurrent uses cannot both
    /// pass), else the commit fails with [`StoreError::VersionConflict`]. Every other
    /// unused token of the user is marked used too.
    ConsumePasswordReset {
        /// The token's hash.
        token_hash: super::TokenHash,
        /// Whose it must be.
        user_id: UserId,
        /// When.
        at: Timestamp,
    },
    /// Store a survey invitation (its round unanswered). Fails the commit with
    /// [`StoreError::Duplicate`]`("survey")` when the ticket has that round already (two
    /// planners raced) and [`StoreError::Duplicate`]`("token_hash")` when the token's hash
    /// is taken.
    InsertSurvey(super::StoredSurvey),
    /// Cancel the ticket's pending survey invitations (`survey_invitation` notifications
    /// not sent yet, as after a delay): a newer round supersedes them. Comes before the
    /// new round's messages in the change set.
    CancelSurveyInvitations {
        /// The ticket.
        ticket_id: TicketId,
        /// When.
        at: Timestamp,
    },
    /// Record the first answer of a ticket's round (rating, comment, `answered_at` and
    /// `changed_at` as given), provided it is still unanswered, else the commit fails with
    /// [`StoreError::VersionConflict`] (a concurrent answer won; also when there is no
    /// such round).
    AnswerSurvey {
        /// The ticket.
        ticket_id: TicketId,
        /// Its round.
        round: domain::survey::SurveyRound,
        /// The answer.
        answer: domain::survey::Answer,
    },
    /// Replace the rating, comment and `changed_at` of an answered round (`answered_at`
    /// never moves), provided its stored `changed_at` is still `expected_changed_at`, else
    /// the commit fails with [`StoreError::VersionConflict`].
    ChangeSurveyAnswer {
        /// The ticket.
        ticket_id: TicketId,
        /// Its round.
        round: domain::survey::SurveyRound,
        /// The changed answer.
        answer: domain::survey::Answer,
        /// The `changed_at` it was read at.
        expected_changed_at: Timestamp,
    },
}

/// Everything one command writes. Committed all together or not at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// The writes, applied in order.
    pub writes: Vec<Write>,
}

impl ChangeSet {
    /// Adds a write.
    pub fn push(&mut self, write: Write) -> &mut Self {
        self.writes.push(write);
        self
    }
}

/// Commits change sets atomically.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// Applies every write of `changes` in one database transaction.
    ///
    /// MUST return [`StoreError::VersionConflict`] (and write nothing) when an
    /// [`Write::UpdateTicket`] finds another version stored, and
    /// [`StoreError::Duplicate`]`("idempotency_key")` when the key was remembered already,
    /// and [`StoreError::VersionConflict`] when a [`Write::InsertComment`] finds its ticket
    /// closed (a concurrent close won; a retry sees it), and [`StoreError::VersionConflict`]
    /// when a [`Write::SaveSla`] finds another revision stored, and
    /// [`StoreError::AgentRefused`] when a [`Write::TakeCapacity`] is refused (an agent
    /// without a profile is offline, with the default capacity), and
    /// [`StoreError::Duplicate`]`("escalation_firing")` when a [`Write::RecordFiring`] was
    /// recorded before, and as documented on the survey writes ([`Write::InsertSurvey`],
    /// [`Write::AnswerSurvey`], [`Write::ChangeSurveyAnswer`]).
    async fn commit(&self, changes: ChangeSet) -> Result<(), StoreError>;

    /// Commits many change sets in one database transaction, each in a savepoint of its
    /// own: one refused as [`UnitOfWork::commit`] refuses (a version conflict, a duplicate
    /// key) writes nothing and its error is returned in its place, the others commit
    /// together. For loops that work through a batch, where a transaction per item would
    /// cost a disk flush each; keep batches to a few dozen (PostgreSQL slows down past 64
    /// subtransactions). `Err` when the transaction as a whole failed (any other database
    /// error): then nothing was written.
    async fn commit_each(&self, sets: Vec<ChangeSet>) -> Result<Vec<Result<(), StoreError>>, StoreError>;

    /// Commits a batch of automatic assignments in one database transaction, each with
    /// the meaning of committing its [`QueuedAssignment::change_set`] in turn: one whose
    /// ticket moved on (or whose SLA revision did) gets [`StoreError::VersionConflict`],
    /// one whose agent is deactivated, away or full (counting the assignments accepted
    /// before it in the batch) gets [`StoreError::AgentRefused`]; either writes nothing and
    /// the others commit. Implementations may also answer
    /// [`StoreError::VersionConflict`] for a ticket another transaction holds right now
    /// (another worker took it) instead of waiting for it, and lock the agents in a fixed
    /// order so two concurrent batches cannot deadlock. `Err` when the transaction as a
    /// whole failed: then nothing was written. The default commits each change set in a
    /// savepoint ([`UnitOfWork::commit_each`]).
    async fn commit_assignments(
        &self,
        batch: Vec<QueuedAssignment>,
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        self.commit_each(batch.iter().map(QueuedAssignment::change_set).collect())
            .await
    }
}
