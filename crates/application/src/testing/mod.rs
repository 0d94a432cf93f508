//! In-memory fakes of the ports, for use-case tests without a database.
//!
//! One [`Fake`] (a database in a mutex, [`State`]) implements every storage port but SLA
//! calendars (mocked); the impls live one file per port group: tickets and the unit of
//! work, users, sessions, categories and idempotency keys, comments with blobs and upload
//! intents, SLA, agents, escalation, outbox and notifications, clocks and calendars. The
//! [`contract`] cases hold them to what the databases do. Available to the crate's tests
//! and, with the `mocks` feature, to other crates' tests.

use std::sync::{Arc, Mutex};

use domain::{Attachment, CategorySlug, Comment, DisplayName, Email, Role, Ticket, TicketEvent, Timestamp, UserId};

use crate::ports::{Category, IdempotencyRecord, StoreError, StoredSla, UserAccount};
use crate::tickets::TicketPorts;
use agents::load_in;

mod accounts;
mod agents;
mod clock;
mod comments;
mod escalation;
mod notifications;
mod reports;
mod sla;
mod surveys;
mod tickets;

pub mod contract;

pub use clock::{FixedClock, UtcOnly};

/// Everything the fakes store.
#[derive(Debug)]
pub struct State {
    /// Stored tickets, in insertion order.
    pub tickets: Vec<Ticket>,
    /// Recorded events: the history and the outbox (id = position + 1).
    pub events: Vec<TicketEvent>,
    /// Remembered idempotency keys.
    pub keys: Vec<IdempotencyRecord>,
    /// User accounts.
    pub users: Vec<UserAccount>,
    /// Categories.
    pub categories: Vec<Category>,
    /// The last ticket id handed out.
    pub next_id: i64,
    /// How many change sets were committed.
    pub commits: usize,
    /// Fail this many upcoming commits with a version conflict, as if another writer won.
    pub lose_races: usize,
    /// Fail this many upcoming commits that save SLA targets with a conflict, as if the
    /// monitor saved them first (the ticket's version does not move).
    pub lose_sla_races: usize,
    /// Stored comments and internal notes.
    pub comments: Vec<Comment>,
    /// Stored attachment records.
    pub attachments: Vec<Attachment>,
    /// Blobs by key.
    pub blobs: std::collections::BTreeMap<String, Vec<u8>>,
    /// The last comment id handed out.
    pub next_comment_id: i64,
    /// The last attachment id handed out.
    pub next_attachment_id: i64,
    /// Blob puts that succeed before the store starts failing; `None` never fails.
    pub blob_puts_left: Option<usize>,
    /// Fail every upcoming commit with this error.
    pub fail_commits: Option<StoreError>,
    /// Upload intents: blob key and when it was recorded.
    pub intents: std::collections::BTreeMap<String, Timestamp>,
    /// SLA policies (on 24x7 UTC: the fakes store no calendars).
    pub policies: Vec<domain::sla::SlaPolicy>,
    /// Stored SLAs by ticket id, with the lease the monitor holds.
    pub slas: std::collections::BTreeMap<i64, (StoredSla, Option<Timestamp>)>,
    /// What the clock says.
    pub now: Timestamp,
    /// Agent profiles by user id.
    pub agents: std::collections::BTreeMap<i64, crate::ports::AgentProfile>,
    /// Escalation rules.
    pub rules: Vec<domain::escalation::EscalationRule>,
    /// Recorded firings: ticket id, rule id, trigger.
    pub firings: std::collections::BTreeSet<(i64, i64, String)>,
    /// The escalation loop's schedule by ticket id: next look and lease.
    pub checks: std::collections::BTreeMap<i64, (Option<Timestamp>, Option<Timestamp>)>,
    /// Queued notifications, in id order (a new one takes the last id + 1).
    pub notifications: Vec<crate::ports::Notification>,
    /// When each sent or dead notification reached its status.
    pub notification_finished: std::collections::BTreeMap<i64, Timestamp>,
    /// Who holds each notification's lease, and until when.
    pub notification_leases: std::collections::BTreeMap<i64, (String, Timestamp)>,
    /// Outbox rows (the recorded events, id = position + 1) processed, and leased until.
    pub outbox_done: std::collections::BTreeSet<i64>,
    /// When each processed outbox row was processed.
    pub outbox_processed_at: std::collections::BTreeMap<i64, Timestamp>,
    /// Outbox rows purged (the events stay, as the history).
    pub outbox_purged: std::collections::BTreeSet<i64>,
    /// Outbox leases by row id.
    pub outbox_leases: std::collections::BTreeMap<i64, Timestamp>,
    /// Outbox rows given back: their entry in `outbox_leases` is the instant they are
    /// available again (claimable from that instant on), not a lease.
    pub outbox_released: std::collections::BTreeSet<i64>,
    /// Phone numbers and SMS opt-ins by user id.
    pub phones: std::collections::BTreeMap<i64, (String, bool)>,
    /// Password hashes of the accounts inserted through the port, by user id.
    pub passwords: std::collections::BTreeMap<i64, String>,
    /// Login sessions, each with when it was revoked.
    pub sessions: Vec<(crate::ports::Session, Option<Timestamp>)>,
    /// Login and sign-up attempt counters by key.
    pub attempts: std::collections::BTreeMap<String, crate::auth::AttemptCounter>,
    /// Redactions by comment id (the comment's body is cleared).
    pub redactions: std::collections::BTreeMap<i64, domain::redaction::Redaction>,
    /// Fail every blob delete (the blob stays) while set.
    pub fail_blob_deletes: bool,
    /// Password reset tokens, in the order issued.
    pub password_resets: Vec<StoredReset>,
    /// Survey invitations, in the order stored.
    pub surveys: Vec<crate::ports::StoredSurvey>,
}

/// A password reset token as the fakes store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReset {
    /// The token's hash.
    pub token_hash: crate::ports::TokenHash,
    /// Whose.
    pub user_id: UserId,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When it was used (or made useless by another's use).
    pub used_at: Option<Timestamp>,
}

/// A database in a mutex.
#[derive(Debug, Clone, Default)]
pub struct Fake(
    /// The stored state.
    pub Arc<Mutex<State>>,
);

impl Fake {
    /// Locks the stored state.
    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().expect("lock")
    }

    /// Adds an active user `id` (`u{id}@example.com`, "User {id}") with `role`.
    pub fn with_user(self, id: i64, role: Role) -> Self {
        self.state().users.push(UserAccount {
            id: UserId::new(id),
            email: Email::parse(&format!("u{id}@example.com")).expect("valid"),
            display_name: DisplayName::parse(&format!("User {id}")).expect("valid"),
            role,
            active: true,
            created_at: Timestamp::UNIX_EPOCH,
        });
        self
    }

    /// Adds a category whose slug is also its name.
    pub fn with_category(self, slug: &str, active: bool) -> Self {
        self.state().categories.push(Category {
            slug: CategorySlug::parse(slug).expect("valid"),
            name: slug.to_owned(),
            description: String::new(),
            active,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        });
        self
    }

    /// Saves an agent profile: availability, capacity and the categories they handle.
    pub fn with_agent(
        self,
        id: i64,
        availability: domain::assignment::Availability,
        capacity: u32,
        categories: &[&str],
    ) -> Self {
        let skills = categories
            .iter()
            .map(|c| domain::assignment::Skill {
                category: CategorySlug::parse(c).expect("valid"),
                level: None,
            })
            .collect();
        let mut profile = crate::ports::AgentProfile::unconfigured(UserId::new(id), Timestamp::UNIX_EPOCH);
        profile.availability = availability;
        profile.capacity = capacity;
        profile.skills = skills;
        self.state().agents.insert(id, profile);
        self
    }

    /// The ticket use cases' ports, all on this fake (SLA calendars mocked, UTC only).
    pub fn ports(&self) -> TicketPorts {
        TicketPorts {
            tickets: Arc::new(self.clone()),
            uow: Arc::new(self.clone()),
            users: Arc::new(self.clone()),
            categories: Arc::new(self.clone()),
            idempotency: Arc::new(self.clone()),
            clock: Arc::new(self.clone()),
            sla: crate::sla::SlaPorts {
                policies: Arc::new(self.clone()),
                calendars: Arc::new(crate::ports::MockSlaCalendarRepository::new()),
                targets: Arc::new(self.clone()),
                support: Arc::new(UtcOnly),
            },
            routing: crate::assignment::Routing {
                agents: Arc::new(self.clone()),
                assign_on_create: true,
                weights: Default::default(),
            },
            surveys: Arc::new(self.clone()),
        }
    }

    /// The load of `agent`: their open tickets by priority.
    pub fn load_of(&self, agent: UserId) -> domain::assignment::Load {
        load_in(&self.state(), agent, None)
    }

    /// Sets the clock.
    pub fn set_now(&self, now: Timestamp) {
        self.state().now = now;
    }
}

/// At most `limit` of `items` (one more was read to know whether more follow), and the
/// cursor after the last one when more follow, as the database adapters page.
fn page<T, C>(mut items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> C) -> crate::ports::Page<T, C> {
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(cursor)
    } else {
        None
    };
    crate::ports::Page { items, next }
}

/// The instant the fakes' clock starts at.
pub const START: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

impl Default for State {
    fn default() -> Self {
        Self {
            tickets: Vec::new(),
            events: Vec::new(),
            keys: Vec::new(),
            users: Vec::new(),
            categories: Vec::new(),
            next_id: 0,
            commits: 0,
            lose_races: 0,
            lose_sla_races: 0,
            comments: Vec::new(),
            attachments: Vec::new(),
            blobs: Default::default(),
            next_comment_id: 0,
            next_attachment_id: 0,
            blob_puts_left: None,
            fail_commits: None,
            intents: Default::default(),
            policies: Vec::new(),
            slas: Default::default(),
            now: START,
            agents: Default::default(),
            rules: Vec::new(),
            firings: Default::default(),
            checks: Default::default(),
            notifications: Vec::new(),
            notification_leases: Default::default(),
            notification_finished: Default::default(),
            outbox_done: Default::default(),
            outbox_processed_at: Default::default(),
            outbox_purged: Default::default(),
            outbox_leases: Default::default(),
            outbox_released: Default::default(),
            phones: Default::default(),
            passwords: Default::default(),
            sessions: Vec::new(),
            attempts: std::collections::BTreeMap::new(),
            redactions: std::collections::BTreeMap::new(),
            fail_blob_deletes: false,
            password_resets: Vec::new(),
            surveys: Vec::new(),
        }
    }
}

impl From<Fake> for contract::Store {
    /// Every port on the fake.
    fn from(fake: Fake) -> Self {
        contract::Store::of(fake)
    }
}
