//! The outbox the notification planner reads, and the notification rows the dispatcher
//! works through.

use async_trait::async_trait;
use domain::escalation::Channel;
use domain::{Role, TicketEvent, TicketId, Timestamp, UserId};

use super::StoreError;
use super::delivery::TemplateContext;

/// An outbox row: a committed domain event waiting to be turned into notifications.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    /// The row's id (increasing in commit order per ticket).
    pub id: i64,
    /// The event.
    pub event: TicketEvent,
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationStatus {
    /// Waiting for its next attempt (or being sent now, under a lease).
    Pending,
    /// The provider accepted it.
    Sent,
    /// Given up: refused by the provider, or out of attempts. `last_error` says why.
    Dead,
    /// Never to be sent: it quoted text that was redacted since, or went to a customer
    /// since erased. `last_error` says why.
    Cancelled,
}

impl NotificationStatus {
    /// Every status.
    pub const ALL: [NotificationStatus; 4] = [Self::Pending, Self::Sent, Self::Dead, Self::Cancelled];

    /// The stored and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a stored or API name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A notification to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// Unique per message: the outbox event, the recipient and the channel. Queuing the
    /// same key twice queues it once.
    pub idempotency_key: String,
    /// The outbox event it comes from, if any.
    pub event_id: Option<i64>,
    /// The ticket it is about, if any.
    pub ticket_id: Option<TicketId>,
    /// The user it goes to, if a user.
    pub recipient_id: Option<UserId>,
    /// E-mail or SMS.
    pub channel: Channel,
    /// The e-mail address or phone number, as it was when planned.
    pub address: String,
    /// The recipient's name.
    pub recipient_name: Option<String>,
    /// The template's name.
    pub template: String,
    /// The values the template may use.
    pub context: TemplateContext,
    /// When it was planned; its first attempt is due then.
    pub at: Timestamp,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its id.
    pub id: i64,
    /// What it was queued as.
    pub spec: NewNotification,
    /// Where it stands.
    pub status: NotificationStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (pending ones).
    pub next_attempt_at: Timestamp,
    /// Why the last attempt failed, or why it is dead.
    pub last_error: Option<String>,
    /// When the provider accepted it.
    pub sent_at: Option<Timestamp>,
}

/// What came of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the provider.
    Sent,
    /// Failed for now: try again at `at`.
    Retry {
        /// The next attempt.
        at: Timestamp,
        /// Why it failed.
        error: String,
    },
    /// Given up, with the reason.
    Dead {
        /// Why.
        error: String,
    },
}

/// Who a notification can reach, as the planner needs to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The user.
    pub id: UserId,
    /// Their display name.
    pub name: String,
    /// Their e-mail address.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// Whether the account is active (inactive accounts are not notified).
    pub active: bool,
    /// Their phone number in E.164 form, if they gave one.
    pub phone: Option<String>,
    /// Whether they agreed to text messages.
    pub sms_opt_in: bool,
}

/// The outbox, as the notification planner reads it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OutboxRepository: Send + Sync {
    /// Leases up to `limit` unprocessed events that are available at `now` and not leased
    /// (or whose lease ran out), oldest first, until `lease_until`. Concurrent planners
    /// take different events (`SKIP LOCKED` on PostgreSQL). An event whose stored form
    /// cannot be read is set aside with the reason (never returned again) and skipped.
    async fn claim_events(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError>;
    /// Gives a claimed event back after planning failed: counted, available again at
    /// `retry_at`, with the reason.
    async fn release_event(&self, id: i64, retry_at: Timestamp, error: &str) -> Result<(), StoreError>;
    /// How many events are not processed yet (leased or not).
    async fn pending_events(&self) -> Result<i64, StoreError>;
    /// Deletes at most `limit` events processed (planned, or set aside as unreadable)
    /// before `before`, oldest first, in one statement (through the index on
    /// `processed_at`); returns how many. MUST NOT delete an unprocessed event, nor the
    /// newest event of all: SQLite hands the highest id out again once its row is gone,
    /// and notification keys name event ids.
    async fn purge_processed(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError>;
}

/// Notification rows and the people they reach.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait NotificationRepository: Send + Sync {
    /// Leases up to `limit` pending notifications due at `now` and not leased (or whose
    /// lease ran out), earliest due first, to `claimant` until `lease_until`. Concurrent
    /// dispatchers take different rows (`SKIP LOCKED` on PostgreSQL).
    async fn claim_notifications(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claimant: &str,
    ) -> Result<Vec<Notification>, StoreError>;
    /// Records an attempt's outcome (the attempt counted, the lease ended), provided
    /// `claimant` still holds the lease; false when another dispatcher took the row over
    /// after the lease ran out (its outcome stands).
    async fn record_outcome(
        &self,
        id: i64,
        claimant: &str,
        at: Timestamp,
        outcome: Outcome,
    ) -> Result<bool, StoreError>;
    /// Notifications, newest first, optionally of one status, with ids below `before`.
    async fn list_notifications(
        &self,
        status: Option<NotificationStatus>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError>;
    /// Puts a dead notification back in the queue, due at `now` with its attempts reset;
    /// false if it does not exist or is not dead.
    async fn requeue(&self, id: i64, now: Timestamp) -> Result<bool, StoreError>;
    /// The notification with this id.
    async fn get_notification(&self, id: i64) -> Result<Option<Notification>, StoreError>;
    /// These users' contact details (unknown ids are left out).
    async fn contacts(&self, ids: &[UserId]) -> Result<Vec<Contact>, StoreError>;
    /// Every active supervisor's contact details.
    async fn supervisors(&self) -> Result<Vec<Contact>, StoreError>;
    /// Stores how texts reach a user: their phone number (E.164) and whether they agreed
    /// to texts; false if the user does not exist.
    async fn set_contact(&self, user: UserId, phone: Option<String>, sms_opt_in: bool) -> Result<bool, StoreError>;
    /// Deletes at most `limit` notifications of `status` that reached it (were sent, or
    /// died) before `before`, oldest first, in one statement (through the index on the
    /// instant they finished); returns how many. A pending notification is never
    /// deleted (`status` pending deletes nothing), nor the newest notification of all
    /// (SQLite would hand its id out again). A requeued notification counts from its
    /// new outcome.
    async fn purge_notifications(
        &self,
        status: NotificationStatus,
        before: Timestamp,
        limit: u32,
    ) -> Result<u64, StoreError>;
}
