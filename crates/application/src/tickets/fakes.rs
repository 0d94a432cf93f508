//! In-memory fakes of the ports, for use-case tests without a database.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::{CategorySlug, DisplayName, Email, Role, Ticket, TicketEvent, TicketId, Timestamp, UserId};

use crate::ports::{
    Category, CategoryChanges, CategoryRepository, ChangeSet, Clock, HistoryEntry, IdempotencyRecord,
    IdempotencyRepository, NewAccount, Page, StoreError, TicketCursor, TicketQuery, TicketRepository, UnitOfWork,
    UserAccount, UserRepository, Write,
};

use super::TicketPorts;

/// Everything the fakes store.
#[derive(Debug, Default)]
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

    pub(crate) fn ports(&self) -> TicketPorts {
        TicketPorts {
            tickets: Arc::new(self.clone()),
            uow: Arc::new(self.clone()),
            users: Arc::new(self.clone()),
            categories: Arc::new(self.clone()),
            idempotency: Arc::new(self.clone()),
            clock: Arc::new(FixedClock(Timestamp::from_unix_seconds(1_800_000_000))),
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

#[async_trait]
impl UnitOfWork for Fake {
    async fn commit(&self, changes: ChangeSet) -> Result<(), StoreError> {
        let mut s = self.state();
        if s.lose_races > 0 {
            s.lose_races -= 1;
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
                Write::InsertTicket(_) | Write::Record(_) => {}
            }
        }
        for w in changes.writes {
            match w {
                Write::InsertTicket(t) => s.tickets.push(t),
                Write::UpdateTicket { ticket, .. } => {
                    if let Some(slot) = s.tickets.iter_mut().find(|t| t.id() == ticket.id()) {
                        *slot = ticket;
                    }
                }
                Write::Record(e) => s.events.push(e),
                Write::RememberIdempotencyKey(r) => s.keys.push(r),
            }
        }
        s.commits += 1;
        Ok(())
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

    async fn history(&self, id: TicketId, after: Option<i64>, limit: u32) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self
            .state()
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.ticket_id == id)
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
