//! In-memory fakes of the ports, for use-case tests without a database.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::{
    Attachment, AttachmentId, CategorySlug, Comment, CommentId, DisplayName, Email, Role, Ticket, TicketEvent,
    TicketId, TicketStatus, Timestamp, UserId, Visibility,
};

use crate::ports::{
    BlobError, BlobStore, Category, CategoryChanges, CategoryRepository, ChangeSet, Clock, CommentRepository,
    CommentView, ConversationQuery, HistoryEntry, IdempotencyRecord, IdempotencyRepository, NewAccount, Page,
    SlaPolicyRepository, SlaTargetRepository, StoreError, StoredSla, TicketCursor, TicketQuery, TicketRepository,
    UnitOfWork, UploadIntents, UserAccount, UserRepository, Write,
};

use super::TicketPorts;

/// Everything the fakes store.
#[derive(Debug)]
pub(crate) struct State {
    pub tickets: Vec<Ticket>,
    pub events: Vec<TicketEvent>,
    pub keys: Vec<IdempotencyRecord>,
    pub users: Vec<UserAccount>,
    pub categories: Vec<Category>,
    pub next_id: i64,
    pub commits: usize,
    /// Fail this many upcoming commits with a version conflict, as if another writer won.
    pub lose_races: usize,
    /// Fail this many upcoming commits that save SLA targets with a conflict, as if the
    /// monitor saved them first (the ticket's version does not move).
    pub lose_sla_races: usize,
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
    pub blobs: std::collections::BTreeMap<String, Vec<u8>>,
    pub next_comment_id: i64,
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
    /// Queued notifications (id = position + 1).
    pub notifications: Vec<crate::ports::Notification>,
    /// Who holds each notification's lease, and until when.
    pub notification_leases: std::collections::BTreeMap<i64, (String, Timestamp)>,
    /// Outbox rows (the recorded events, id = position + 1) processed, and leased until.
    pub outbox_done: std::collections::BTreeSet<i64>,
    /// Outbox leases by row id.
    pub outbox_leases: std::collections::BTreeMap<i64, Timestamp>,
    /// Phone numbers and SMS opt-ins by user id.
    pub phones: std::collections::BTreeMap<i64, (String, bool)>,
}

/// A database in a mutex.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fake(pub Arc<Mutex<State>>);

impl Fake {
    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().expect("lock")
    }

    pub(crate) fn with_user(self, id: i64, role: Role) -> Self {
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

    pub(crate) fn with_category(self, slug: &str, active: bool) -> Self {
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
    pub(crate) fn with_agent(
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

    pub(crate) fn ports(&self) -> TicketPorts {
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
        }
    }

    /// The load of `agent`: their open tickets by priority.
    pub(crate) fn load_of(&self, agent: UserId) -> domain::assignment::Load {
        load_in(&self.state(), agent, None)
    }

    /// Sets the clock.
    pub(crate) fn set_now(&self, now: Timestamp) {
        self.state().now = now;
    }
}

/// The instant the fakes' clock starts at.
pub(crate) const START: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

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
            outbox_done: Default::default(),
            outbox_leases: Default::default(),
            phones: Default::default(),
        }
    }
}

/// A clock that always says the same.
#[derive(Debug)]
pub(crate) struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// The clock reads the fake's `now`.
impl Clock for Fake {
    fn now(&self) -> Timestamp {
        self.state().now
    }
}

/// Time zones: UTC only; holidays: explicit dates only (rules are refused).
pub(crate) struct UtcOnly;

impl crate::ports::CalendarSupport for UtcOnly {
    fn zone(&self, name: &str) -> Option<Arc<dyn domain::sla::TimeZone>> {
        (name == "UTC").then(|| Arc::new(domain::sla::Utc) as Arc<dyn domain::sla::TimeZone>)
    }

    fn zone_database_version(&self) -> &str {
        "test"
    }

    fn holidays(
        &self,
        dates: Vec<domain::sla::LocalDate>,
        rules: &[crate::ports::HolidayRuleSpec],
    ) -> Result<Arc<dyn domain::sla::Holidays>, (usize, String)> {
        match rules.first() {
            Some(_) => Err((0, "rules are not supported here".into())),
            None => Ok(Arc::new(domain::sla::HolidaySet::new(dates))),
        }
    }
}

#[async_trait]
impl SlaPolicyRepository for Fake {
    async fn list_policies(&self) -> Result<Vec<domain::sla::SlaPolicy>, StoreError> {
        Ok(self.state().policies.clone())
    }

    async fn get_policy(&self, id: i64) -> Result<Option<domain::sla::SlaPolicy>, StoreError> {
        Ok(self.state().policies.iter().find(|p| p.id == id).cloned())
    }

    async fn insert_policy(
        &self,
        p: domain::sla::SlaPolicy,
        _: Timestamp,
    ) -> Result<domain::sla::SlaPolicy, StoreError> {
        self.state().policies.push(p.clone());
        Ok(p)
    }

    async fn update_policy(&self, p: domain::sla::SlaPolicy, _: Timestamp) -> Result<bool, StoreError> {
        let mut s = self.state();
        let slot = s.policies.iter_mut().find(|q| q.id == p.id);
        Ok(slot.map(|q| *q = p).is_some())
    }

    async fn delete_policy(&self, id: i64) -> Result<bool, StoreError> {
        let mut s = self.state();
        let before = s.policies.len();
        s.policies.retain(|p| p.id != id);
        for (stored, _) in s.slas.values_mut() {
            if stored.policy_id == Some(id) {
                stored.policy_id = None;
            }
        }
        Ok(s.policies.len() < before)
    }
}

#[async_trait]
impl SlaTargetRepository for Fake {
    async fn sla_of(&self, ticket: TicketId) -> Result<StoredSla, StoreError> {
        Ok(self
            .state()
            .slas
            .get(&ticket.get())
            .map(|(s, _)| s.clone())
            .unwrap_or_default())
    }

    async fn slas_of(&self, tickets: &[TicketId]) -> Result<Vec<(TicketId, StoredSla)>, StoreError> {
        let s = self.state();
        Ok(tickets
            .iter()
            .filter_map(|id| s.slas.get(&id.get()).map(|(sla, _)| (*id, sla.clone())))
            .collect())
    }

    async fn claim_due(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> Result<Vec<TicketId>, StoreError> {
        let mut s = self.state();
        let mut due: Vec<(Timestamp, i64)> = s
            .slas
            .iter()
            .filter(|(_, (sla, lease))| {
                lease.is_none_or(|l| l < now) && sla.sla.next_deadline().is_some_and(|d| d <= now)
            })
            .filter_map(|(id, (sla, _))| sla.sla.next_deadline().map(|d| (d, *id)))
            .collect();
        due.sort();
        due.truncate(limit as usize);
        for (_, id) in &due {
            if let Some((_, lease)) = s.slas.get_mut(id) {
                *lease = Some(lease_until);
            }
        }
        Ok(due.into_iter().map(|(_, id)| TicketId::new(id)).collect())
    }
}

#[async_trait]
impl UnitOfWork for Fake {
    async fn commit(&self, changes: ChangeSet) -> Result<(), StoreError> {
        let mut s = self.state();
        if let Some(e) = s.fail_commits.clone() {
            return Err(e);
        }
        if s.lose_races > 0 {
            s.lose_races -= 1;
            // Another writer won: the ticket it changed moved to its next version.
            for w in &changes.writes {
                if let Write::UpdateTicket { ticket, .. } = w {
                    if let Some(t) = s.tickets.iter_mut().find(|t| t.id() == ticket.id()) {
                        let mut parts = t.clone().into_parts();
                        parts.version = parts.version.next();
                        *t = Ticket::restore(parts);
                    }
                }
            }
            return Err(StoreError::VersionConflict);
        }
        if s.lose_sla_races > 0 && changes.writes.iter().any(|w| matches!(w, Write::SaveSla { .. })) {
            s.lose_sla_races -= 1;
            return Err(StoreError::VersionConflict);
        }
        // Check everything first so a refused change set writes nothing.
        for w in &changes.writes {
            match w {
                Write::UpdateTicket { ticket, expected } => {
                    let stored = s.tickets.iter().find(|t| t.id() == ticket.id()).map(|t| t.version());
                    if stored != Some(*expected) {
                        return Err(StoreError::VersionConflict);
                    }
                }
                Write::RememberIdempotencyKey(r) => {
                    if s.keys
                        .iter()
                        .any(|k| k.user_id == r.user_id && k.scope == r.scope && k.key == r.key)
                    {
                        return Err(StoreError::Duplicate("idempotency_key"));
                    }
                }
                Write::InsertComment(c) => {
                    let closed = s
                        .tickets
                        .iter()
                        .any(|t| t.id() == c.ticket_id && t.status() == TicketStatus::Closed);
                    if closed {
                        return Err(StoreError::VersionConflict);
                    }
                }
                Write::InsertAttachment(a) => {
                    if !s.intents.contains_key(&a.blob_key) {
                        return Err(StoreError::Reference("upload intent"));
                    }
                }
                Write::SaveSla {
                    ticket_id, revision, ..
                } => {
                    let stored = s.slas.get(&ticket_id.get()).map_or(0, |(sla, _)| sla.revision);
                    if stored != *revision {
                        return Err(StoreError::VersionConflict);
                    }
                }
                Write::TakeCapacity {
                    ticket_id,
                    agent_id,
                    strictness,
                    ..
                } => {
                    let profile = s.agents.get(&agent_id.get());
                    let (availability, capacity) = profile.map_or(
                        (
                            domain::assignment::Availability::Offline,
                            crate::ports::DEFAULT_CAPACITY,
                        ),
                        |p| (p.availability, p.capacity),
                    );
                    let open = load_in(&s, *agent_id, Some(*ticket_id)).open();
                    domain::assignment::check_room(*strictness, availability, capacity, open)
                        .map_err(StoreError::AgentRefused)?;
                }
                Write::RecordFiring {
                    ticket_id,
                    rule_id,
                    trigger,
                    ..
                } => {
                    if s.firings.contains(&(ticket_id.get(), *rule_id, trigger.clone())) {
                        return Err(StoreError::Duplicate("escalation_firing"));
                    }
                }
                Write::InsertTicket(_)
                | Write::Record(_)
                | Write::ScheduleEscalationCheck { .. }
                | Write::QueueNotification(_)
                | Write::FinishOutboxEvent { .. } => {}
            }
        }
        for w in changes.writes {
            match w {
                Write::InsertTicket(t) => {
                    s.checks.insert(t.id().get(), (Some(t.parts().updated_at), None));
                    s.tickets.push(t);
                }
                Write::UpdateTicket { ticket, .. } => {
                    // As the adapter does: due at the write's instant, the loop's lease ended.
                    s.checks
                        .insert(ticket.id().get(), (Some(ticket.parts().updated_at), None));
                    if let Some(slot) = s.tickets.iter_mut().find(|t| t.id() == ticket.id()) {
                        *slot = ticket;
                    }
                }
                Write::ScheduleEscalationCheck {
                    ticket_id,
                    at,
                    version,
                    lease,
                } => {
                    let current = s.tickets.iter().find(|t| t.id() == ticket_id).map(|t| t.version());
                    let held = s.checks.get(&ticket_id.get()).and_then(|c| c.1) == Some(lease);
                    if current == Some(version) && held {
                        s.checks.insert(ticket_id.get(), (at, None));
                    }
                }
                Write::QueueNotification(n) => {
                    if !s
                        .notifications
                        .iter()
                        .any(|q| q.spec.idempotency_key == n.idempotency_key)
                    {
                        let id = s.notifications.len() as i64 + 1;
                        s.notifications.push(crate::ports::Notification {
                            id,
                            next_attempt_at: n.at,
                            spec: n,
                            status: crate::ports::NotificationStatus::Pending,
                            attempts: 0,
                            last_error: None,
                            sent_at: None,
                        });
                    }
                }
                Write::FinishOutboxEvent { id, .. } => {
                    s.outbox_done.insert(id);
                    s.outbox_leases.remove(&id);
                }
                Write::Record(e) => s.events.push(e),
                Write::TakeCapacity { agent_id, at, .. } => {
                    if let Some(p) = s.agents.get_mut(&agent_id.get()) {
                        p.last_assigned_at = Some(at);
                    }
                }
                Write::RememberIdempotencyKey(r) => s.keys.push(r),
                Write::RecordFiring {
                    ticket_id,
                    rule_id,
                    trigger,
                    ..
                } => {
                    s.firings.insert((ticket_id.get(), rule_id, trigger));
                }
                Write::InsertComment(c) => {
                    // A note does not rewrite the ticket; the store counts it, as the
                    // database adapters do with an increment.
                    let internal = c.visibility == Visibility::Internal;
                    if let Some(t) = s.tickets.iter_mut().find(|t| t.id() == c.ticket_id) {
                        let mut parts = t.clone().into_parts();
                        if internal {
                            parts.internal_note_count += 1;
                        }
                        *t = Ticket::restore(parts);
                    }
                    s.comments.push(c);
                }
                Write::InsertAttachment(a) => {
                    s.intents.remove(&a.blob_key);
                    s.attachments.push(a);
                }
                Write::SaveSla {
                    ticket_id,
                    policy_id,
                    revision,
                    sla,
                } => {
                    let due = sla.running_due();
                    if let Some(t) = s.tickets.iter_mut().find(|t| t.id() == ticket_id) {
                        let mut parts = t.clone().into_parts();
                        parts.sla_due_at = due;
                        *t = Ticket::restore(parts);
                    }
                    let stored = StoredSla {
                        policy_id,
                        revision: revision + 1,
                        sla,
                    };
                    s.slas.insert(ticket_id.get(), (stored, None));
                }
            }
        }
        s.commits += 1;
        Ok(())
    }

    async fn commit_each(&self, sets: Vec<ChangeSet>) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let mut outcomes = Vec::new();
        for changes in sets {
            outcomes.push(self.commit(changes).await);
        }
        Ok(outcomes)
    }
}

#[async_trait]
impl TicketRepository for Fake {
    async fn next_id(&self) -> Result<TicketId, StoreError> {
        let mut s = self.state();
        s.next_id += 1;
        Ok(TicketId::new(s.next_id))
    }

    async fn get(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Ok(self.state().tickets.iter().find(|t| t.id() == id).cloned())
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket, TicketCursor>, StoreError> {
        let s = self.state();
        let items = s
            .tickets
            .iter()
            .filter(|t| query.filter.customer_id.is_none_or(|c| t.customer_id() == c))
            .take(query.limit as usize)
            .cloned()
            .collect();
        Ok(Page { items, next: None })
    }

    async fn queue(&self, category: &CategorySlug, limit: u32) -> Result<Vec<Ticket>, StoreError> {
        let mut queued: Vec<Ticket> = self
            .state()
            .tickets
            .iter()
            .filter(|t| t.status() == TicketStatus::New && t.assignee_id().is_none())
            .filter(|t| &t.parts().category == category)
            .cloned()
            .collect();
        queued.sort_by(domain::assignment::queue_order);
        queued.truncate(limit as usize);
        Ok(queued)
    }

    async fn history(
        &self,
        id: TicketId,
        include_internal: bool,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self
            .state()
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.ticket_id == id)
            .filter(|(_, e)| include_internal || e.kind.visibility() == Visibility::Public)
            .map(|(i, e)| HistoryEntry {
                id: i as i64 + 1,
                actor: e.actor,
                at: e.at,
                kind: e.kind.clone(),
            })
            .filter(|e| after.is_none_or(|a| e.id > a))
            .take(limit as usize)
            .collect())
    }
}

#[async_trait]
impl UserRepository for Fake {
    async fn insert(&self, _: NewAccount) -> Result<UserAccount, StoreError> {
        Err(StoreError::Failure("not used".into()))
    }

    async fn get(&self, id: UserId) -> Result<Option<UserAccount>, StoreError> {
        Ok(self.state().users.iter().find(|u| u.id == id).cloned())
    }

    async fn find_credentials(&self, _: &Email) -> Result<Option<(UserAccount, String)>, StoreError> {
        Ok(None)
    }

    async fn any_active_admin(&self) -> Result<bool, StoreError> {
        Ok(self.state().users.iter().any(|u| u.active && u.role == Role::Admin))
    }
}

#[async_trait]
impl CategoryRepository for Fake {
    async fn list(&self, _: bool) -> Result<Vec<Category>, StoreError> {
        Ok(self.state().categories.clone())
    }

    async fn get(&self, slug: &CategorySlug) -> Result<Option<Category>, StoreError> {
        Ok(self.state().categories.iter().find(|c| c.slug == *slug).cloned())
    }

    async fn insert(&self, _: Category) -> Result<(), StoreError> {
        Ok(())
    }

    async fn update(&self, _: &CategorySlug, _: CategoryChanges, _: Timestamp) -> Result<Option<Category>, StoreError> {
        Ok(None)
    }

    async fn delete(&self, _: &CategorySlug) -> Result<bool, StoreError> {
        Ok(false)
    }
}

#[async_trait]
impl IdempotencyRepository for Fake {
    async fn find(
        &self,
        user_id: UserId,
        scope: &'static str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self
            .state()
            .keys
            .iter()
            .find(|k| k.user_id == user_id && k.scope == scope && k.key == key)
            .cloned())
    }
}

impl State {
    fn view(&self, c: &Comment) -> CommentView {
        CommentView {
            comment: c.clone(),
            author_name: format!("User {}", c.author_id),
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
        let items = s
            .comments
            .iter()
            .filter(|c| c.ticket_id == q.ticket_id && c.is_readable_by_staff(q.include_internal))
            .filter(|c| q.after.is_none_or(|a| c.id > a))
            .take(q.limit as usize)
            .map(|c| s.view(c))
            .collect();
        Ok(Page { items, next: None })
    }

    async fn list_attachments(
        &self,
        q: ConversationQuery<AttachmentId>,
    ) -> Result<Page<Attachment, AttachmentId>, StoreError> {
        let s = self.state();
        let items = s
            .attachments
            .iter()
            .filter(|a| a.ticket_id == q.ticket_id && (q.include_internal || a.visibility == Visibility::Public))
            .take(q.limit as usize)
            .cloned()
            .collect();
        Ok(Page { items, next: None })
    }

    async fn get_attachment(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError> {
        Ok(self.state().attachments.iter().find(|a| a.id == id).cloned())
    }
}

#[async_trait]
impl BlobStore for Fake {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        let mut s = self.state();
        match s.blob_puts_left {
            Some(0) => return Err(BlobError::Unavailable("disk full".into())),
            Some(n) => s.blob_puts_left = Some(n - 1),
            None => {}
        }
        s.blobs.insert(key.to_owned(), bytes);
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        self.state().blobs.get(key).cloned().ok_or(BlobError::NotFound)
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

#[async_trait]
impl crate::ports::AgentRepository for Fake {
    async fn agent_profile(&self, user_id: UserId) -> Result<Option<crate::ports::AgentProfile>, StoreError> {
        Ok(self.state().agents.get(&user_id.get()).cloned())
    }

    async fn save_agent_profile(&self, profile: crate::ports::AgentProfile) -> Result<(), StoreError> {
        let mut s = self.state();
        let known = |c: &CategorySlug| s.categories.iter().any(|k| &k.slug == c);
        if !profile.skills.iter().all(|sk| known(&sk.category)) {
            return Err(StoreError::Reference("category"));
        }
        s.agents.insert(profile.user_id.get(), profile);
        Ok(())
    }

    async fn online_agents(
        &self,
        category: Option<CategorySlug>,
    ) -> Result<Vec<domain::assignment::AgentSnapshot>, StoreError> {
        let s = self.state();
        Ok(s.agents
            .values()
            .filter(|p| p.availability == domain::assignment::Availability::Online)
            .filter(|p| {
                category
                    .as_ref()
                    .is_none_or(|c| p.skills.iter().any(|k| &k.category == c))
            })
            .map(|p| domain::assignment::AgentSnapshot {
                id: p.user_id,
                skills: p.skills.clone(),
                availability: p.availability,
                capacity: p.capacity,
                load: load_in(&s, p.user_id, None),
                last_assigned_at: p.last_assigned_at,
            })
            .collect())
    }

    async fn workload(&self, since: Timestamp) -> Result<Vec<crate::ports::AgentWorkload>, StoreError> {
        let s = self.state();
        let mut ids: Vec<UserId> = s.agents.keys().map(|id| UserId::new(*id)).collect();
        ids.extend(
            s.tickets
                .iter()
                .filter(|t| domain::assignment::takes_capacity(t.status()))
                .filter_map(|t| t.assignee_id()),
        );
        ids.sort_by_key(|id| id.get());
        ids.dedup();
        Ok(ids
            .into_iter()
            .map(|id| {
                let profile = s.agents.get(&id.get());
                let mine = |t: &&Ticket| t.assignee_id() == Some(id);
                let by_status = domain::assignment::LOAD_STATUSES
                    .map(|st| s.tickets.iter().filter(mine).filter(|t| t.status() == st).count() as u32);
                let first_responses = s
                    .tickets
                    .iter()
                    .filter(mine)
                    .filter_map(|t| t.parts().first_response_at.map(|r| (t.parts().created_at, r)))
                    .filter(|(_, r)| *r >= since)
                    .map(|(c, r)| r.unix_seconds() - c.unix_seconds())
                    .collect();
                crate::ports::AgentWorkload {
                    user_id: id,
                    display_name: format!("User {}", id.get()),
                    availability: profile.map_or(domain::assignment::Availability::Offline, |p| p.availability),
                    capacity: profile.map_or(crate::ports::DEFAULT_CAPACITY, |p| p.capacity),
                    by_status,
                    load: load_in(&s, id, None),
                    open_tickets: s
                        .tickets
                        .iter()
                        .filter(mine)
                        .filter(|t| domain::assignment::takes_capacity(t.status()))
                        .map(Ticket::id)
                        .collect(),
                    first_responses,
                }
            })
            .collect())
    }
}

/// The open tickets of `agent` by priority, leaving `except` out.
fn load_in(s: &State, agent: UserId, except: Option<TicketId>) -> domain::assignment::Load {
    let mut load = domain::assignment::Load::default();
    for t in &s.tickets {
        if t.assignee_id() == Some(agent) && domain::assignment::takes_capacity(t.status()) && Some(t.id()) != except {
            load.add(t.parts().priority);
        }
    }
    load
}

#[async_trait]
impl crate::ports::EscalationRuleRepository for Fake {
    async fn list_rules(&self) -> Result<Vec<domain::escalation::EscalationRule>, StoreError> {
        Ok(self.state().rules.clone())
    }

    async fn get_rule(&self, id: i64) -> Result<Option<domain::escalation::EscalationRule>, StoreError> {
        Ok(self.state().rules.iter().find(|r| r.id == id).cloned())
    }

    async fn insert_rule(
        &self,
        mut rule: domain::escalation::EscalationRule,
        _at: Timestamp,
    ) -> Result<domain::escalation::EscalationRule, StoreError> {
        let mut s = self.state();
        if s.rules.iter().any(|r| r.name == rule.name) {
            return Err(StoreError::Duplicate("name"));
        }
        rule.id = s.rules.iter().map(|r| r.id).max().unwrap_or(0) + 1;
        s.rules.push(rule.clone());
        Ok(rule)
    }

    async fn update_rule(&self, rule: domain::escalation::EscalationRule, _at: Timestamp) -> Result<bool, StoreError> {
        let mut s = self.state();
        if s.rules.iter().any(|r| r.name == rule.name && r.id != rule.id) {
            return Err(StoreError::Duplicate("name"));
        }
        match s.rules.iter_mut().find(|r| r.id == rule.id) {
            Some(slot) => {
                *slot = rule;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn delete_rule(&self, id: i64) -> Result<bool, StoreError> {
        let mut s = self.state();
        let before = s.rules.len();
        s.rules.retain(|r| r.id != id);
        Ok(s.rules.len() < before)
    }
}

#[async_trait]
impl crate::ports::EscalationChecks for Fake {
    async fn claim_checks(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketId>, StoreError> {
        let mut s = self.state();
        let mut due: Vec<(Timestamp, i64)> = s
            .checks
            .iter()
            .filter_map(|(id, (at, lease))| match (at, lease) {
                (Some(at), lease) if *at <= now && lease.is_none_or(|l| l < now) => Some((*at, *id)),
                _ => None,
            })
            .collect();
        due.sort();
        due.truncate(limit as usize);
        for (_, id) in &due {
            if let Some(c) = s.checks.get_mut(id) {
                c.1 = Some(lease_until);
            }
        }
        Ok(due.into_iter().map(|(_, id)| TicketId::new(id)).collect())
    }

    async fn fired(&self, ticket: TicketId) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(self
            .state()
            .firings
            .iter()
            .filter(|(t, _, _)| *t == ticket.get())
            .map(|(_, r, k)| (*r, k.clone()))
            .collect())
    }

    async fn recheck_open_tickets(&self, at: Timestamp) -> Result<u64, StoreError> {
        let mut s = self.state();
        let open: Vec<i64> = s
            .tickets
            .iter()
            .filter(|t| !matches!(t.status(), TicketStatus::Resolved | TicketStatus::Closed))
            .map(|t| t.id().get())
            .collect();
        for id in &open {
            s.checks.insert(*id, (Some(at), None));
        }
        Ok(open.len() as u64)
    }
}

#[async_trait]
impl crate::ports::OutboxRepository for Fake {
    async fn claim_events(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<crate::ports::OutboxEvent>, StoreError> {
        let mut s = self.state();
        let due: Vec<crate::ports::OutboxEvent> = s
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (i as i64 + 1, e))
            .filter(|(id, _)| !s.outbox_done.contains(id))
            .filter(|(id, _)| s.outbox_leases.get(id).is_none_or(|l| *l < now))
            .take(limit as usize)
            .map(|(id, e)| crate::ports::OutboxEvent { id, event: e.clone() })
            .collect();
        for e in &due {
            s.outbox_leases.insert(e.id, lease_until);
        }
        Ok(due)
    }

    async fn release_event(&self, id: i64, retry_at: Timestamp, _error: &str) -> Result<(), StoreError> {
        self.state().outbox_leases.insert(id, retry_at);
        Ok(())
    }

    async fn pending_events(&self) -> Result<i64, StoreError> {
        let s = self.state();
        Ok(s.events.len() as i64 - s.outbox_done.len() as i64)
    }
}

#[async_trait]
impl crate::ports::NotificationRepository for Fake {
    async fn claim_notifications(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claimant: &str,
    ) -> Result<Vec<crate::ports::Notification>, StoreError> {
        let mut s = self.state();
        let due: Vec<crate::ports::Notification> = s
            .notifications
            .iter()
            .filter(|n| n.status == crate::ports::NotificationStatus::Pending && n.next_attempt_at <= now)
            .filter(|n| s.notification_leases.get(&n.id).is_none_or(|(_, l)| *l < now))
            .take(limit as usize)
            .cloned()
            .collect();
        for n in &due {
            s.notification_leases.insert(n.id, (claimant.to_owned(), lease_until));
        }
        Ok(due)
    }

    async fn record_outcome(
        &self,
        id: i64,
        claimant: &str,
        at: Timestamp,
        outcome: crate::ports::Outcome,
    ) -> Result<bool, StoreError> {
        use crate::ports::{NotificationStatus, Outcome};
        let mut s = self.state();
        if s.notification_leases.get(&id).map(|(c, _)| c.as_str()) != Some(claimant) {
            return Ok(false);
        }
        s.notification_leases.remove(&id);
        let Some(n) = s.notifications.iter_mut().find(|n| n.id == id) else {
            return Ok(false);
        };
        n.attempts += 1;
        match outcome {
            Outcome::Sent => {
                n.status = NotificationStatus::Sent;
                n.sent_at = Some(at);
            }
            Outcome::Retry { at, error } => {
                n.next_attempt_at = at;
                n.last_error = Some(error);
            }
            Outcome::Dead { error } => {
                n.status = NotificationStatus::Dead;
                n.last_error = Some(error);
            }
        }
        Ok(true)
    }

    async fn list_notifications(
        &self,
        status: Option<crate::ports::NotificationStatus>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<crate::ports::Notification>, StoreError> {
        Ok(self
            .state()
            .notifications
            .iter()
            .rev()
            .filter(|n| status.is_none_or(|s| n.status == s) && before.is_none_or(|b| n.id < b))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn requeue(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let mut s = self.state();
        match s
            .notifications
            .iter_mut()
            .find(|n| n.id == id && n.status == crate::ports::NotificationStatus::Dead)
        {
            Some(n) => {
                n.status = crate::ports::NotificationStatus::Pending;
                n.attempts = 0;
                n.next_attempt_at = now;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn get_notification(&self, id: i64) -> Result<Option<crate::ports::Notification>, StoreError> {
        Ok(self.state().notifications.iter().find(|n| n.id == id).cloned())
    }

    async fn contacts(&self, ids: &[UserId]) -> Result<Vec<crate::ports::Contact>, StoreError> {
        let s = self.state();
        Ok(s.users
            .iter()
            .filter(|u| ids.contains(&u.id))
            .map(|u| contact_of(&s, u))
            .collect())
    }

    async fn set_contact(&self, user: UserId, phone: Option<String>, sms_opt_in: bool) -> Result<bool, StoreError> {
        let mut s = self.state();
        if !s.users.iter().any(|u| u.id == user) {
            return Ok(false);
        }
        match phone {
            Some(p) => {
                s.phones.insert(user.get(), (p, sms_opt_in));
            }
            None => {
                s.phones.remove(&user.get());
            }
        }
        Ok(true)
    }

    async fn supervisors(&self) -> Result<Vec<crate::ports::Contact>, StoreError> {
        let s = self.state();
        Ok(s.users
            .iter()
            .filter(|u| u.role == Role::Supervisor && u.active)
            .map(|u| contact_of(&s, u))
            .collect())
    }
}

fn contact_of(s: &State, u: &UserAccount) -> crate::ports::Contact {
    let phone = s.phones.get(&u.id.get());
    crate::ports::Contact {
        id: u.id,
        name: u.display_name.as_str().to_owned(),
        email: u.email.as_str().to_owned(),
        role: u.role,
        active: u.active,
        phone: phone.map(|p| p.0.clone()),
        sms_opt_in: phone.is_some_and(|p| p.1),
    }
}
