//! Reading tickets and their history.

use async_trait::async_trait;
use domain::sla::TargetStatus;
use domain::{CategorySlug, Priority, Tag, Ticket, TicketEventKind, TicketId, TicketStatus, Timestamp, UserId};

use super::store::StoreError;

/// Which tickets to list. Every filter narrows the result; `None` or empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilter {
    /// Any of these statuses.
    pub statuses: Vec<TicketStatus>,
    /// Any of these priorities.
    pub priorities: Vec<Priority>,
    /// This category.
    pub category: Option<CategorySlug>,
    /// This assignee.
    pub assignee_id: Option<UserId>,
    /// This customer. Forced to the caller for customers.
    pub customer_id: Option<UserId>,
    /// Carrying this tag.
    pub tag: Option<Tag>,
    /// Created at or after this instant.
    pub created_after: Option<Timestamp>,
    /// Created strictly before this instant.
    pub created_before: Option<Timestamp>,
    /// Full-text search over subject, description and the comments: every word must match
    /// in one of them (English stemming; PostgreSQL also ignores stopwords such as "the").
    pub text: Option<String>,
    /// Let `text` match internal notes too. Only ever true for staff, so a note's words
    /// never make a ticket match for a customer.
    pub text_in_internal_notes: bool,
    /// Having an SLA target in this status at this instant (staff only).
    pub sla_status: Option<(TargetStatus, Timestamp)>,
    /// With a running SLA target due strictly before this instant (staff only).
    pub due_before: Option<Timestamp>,
}

/// The order of a ticket list. Ties are broken by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSort {
    /// Newest first (the default).
    #[default]
    CreatedDesc,
    /// Oldest first.
    CreatedAsc,
    /// Most recently changed first.
    UpdatedDesc,
    /// Least recently changed first.
    UpdatedAsc,
    /// Most urgent first; newest first within a priority.
    PriorityDesc,
    /// Least urgent first; oldest first within a priority.
    PriorityAsc,
    /// The running SLA target due soonest first; tickets without one last (staff only).
    SlaDueAsc,
}

impl TicketSort {
    /// Every order.
    pub const ALL: [TicketSort; 7] = [
        TicketSort::CreatedDesc,
        TicketSort::CreatedAsc,
        TicketSort::UpdatedDesc,
        TicketSort::UpdatedAsc,
        TicketSort::PriorityDesc,
        TicketSort::PriorityAsc,
        TicketSort::SlaDueAsc,
    ];

    /// The API name: the field, with a leading `-` for descending.
    pub const fn as_str(self) -> &'static str {
        match self {
            TicketSort::CreatedDesc => "-created_at",
            TicketSort::CreatedAsc => "created_at",
            TicketSort::UpdatedDesc => "-updated_at",
            TicketSort::UpdatedAsc => "updated_at",
            TicketSort::PriorityDesc => "-priority",
            TicketSort::PriorityAsc => "priority",
            TicketSort::SlaDueAsc => "sla_due_at",
        }
    }

    /// Parses an API name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// True for the descending orders.
    pub const fn descending(self) -> bool {
        matches!(
            self,
            TicketSort::CreatedDesc | TicketSort::UpdatedDesc | TicketSort::PriorityDesc
        )
    }

    /// The sort key of a ticket in this order: microseconds of an instant (`i64::MAX` for
    /// no SLA due instant), or the priority's rank.
    pub fn key_of(self, ticket: &Ticket) -> i64 {
        let t = ticket.parts();
        match self {
            TicketSort::CreatedDesc | TicketSort::CreatedAsc => t.created_at.unix_micros(),
            TicketSort::UpdatedDesc | TicketSort::UpdatedAsc => t.updated_at.unix_micros(),
            TicketSort::PriorityDesc | TicketSort::PriorityAsc => i64::from(t.priority.rank()),
            TicketSort::SlaDueAsc => t.sla_due_at.map_or(i64::MAX, Timestamp::unix_micros),
        }
    }
}

/// Where a page of tickets starts: just after the ticket with these sort keys and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketCursor {
    /// The order the cursor belongs to.
    pub sort: TicketSort,
    /// The last ticket's sort key ([`TicketSort::key_of`]).
    pub key: i64,
    /// The last ticket's creation instant in microseconds: the second key of the
    /// priority orders (unused by the others).
    pub created: i64,
    /// The last ticket's id.
    pub id: TicketId,
}

impl TicketCursor {
    /// The position just after `ticket` in `sort` order.
    pub fn after(sort: TicketSort, ticket: &Ticket) -> Self {
        Self {
            sort,
            key: sort.key_of(ticket),
            created: ticket.parts().created_at.unix_micros(),
            id: ticket.id(),
        }
    }
}

/// A ticket list request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    /// Which tickets.
    pub filter: TicketFilter,
    /// In which order.
    pub sort: TicketSort,
    /// How many at most (already clamped by the use case).
    pub limit: u32,
    /// Start after this position.
    pub after: Option<TicketCursor>,
}

/// One page of a list and where the next starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<C>,
}

/// A stored ticket event, as a history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its position in the ticket's history (increasing).
    pub id: i64,
    /// Who made the change; `None` for the system.
    pub actor: Option<UserId>,
    /// When.
    pub at: Timestamp,
    /// What changed.
    pub kind: TicketEventKind,
}

/// What opening a ticket reads before its transaction, taken together so that a store can
/// answer in one round trip and keep the reference data in memory while it is current.
#[derive(Debug, Clone)]
pub struct Opening {
    /// The new ticket's id, allocated as [`TicketRepository::next_id`] does.
    pub id: TicketId,
    /// Whether the category is active; `None` when there is no such category.
    pub category_active: Option<bool>,
    /// The SLA policies and business calendars, current when this was read: a change
    /// committed before the call is in them.
    pub reference: std::sync::Arc<super::SlaReference>,
}

/// Reads tickets.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TicketRepository: Send + Sync {
    /// Allocates a new ticket id from a sequence. Ids are unique and increasing; an id
    /// whose ticket is never committed is simply skipped.
    async fn next_id(&self) -> Result<TicketId, StoreError>;
    /// A new ticket id with what opening a ticket in `category` reads besides: whether
    /// the category is active, and the SLA policies and calendars as they are now.
    async fn opening(&self, category: &CategorySlug) -> Result<Opening, StoreError>;
    /// The ticket with this id.
    async fn get(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;
    /// One page of tickets matching the query, in its order, at most `limit` of them;
    /// `next` is set when more follow.
    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket, TicketCursor>, StoreError>;
    /// The queue of `category`: tickets in status `new` without an agent, most urgent
    /// first, then the earliest SLA due instant (none last), then the oldest, then by
    /// id; at most `limit`.
    async fn queue(&self, category: &CategorySlug, limit: u32) -> Result<Vec<Ticket>, StoreError>;
    /// The ticket's history, oldest first, entries with ids greater than `after`, at
    /// most `limit`; internal entries (those of internal notes) only with
    /// `include_internal`.
    async fn history(
        &self,
        id: TicketId,
        include_internal: bool,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError>;
}
