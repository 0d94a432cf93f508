//! Listing, filtering and searching tickets.

use domain::sla::TargetStatus;
use domain::{Actor, CategorySlug, Priority, Tag, TicketStatus, Timestamp, UserId};

use crate::error::{AppError, Validator};
use crate::ports::{Page, TicketCursor, TicketFilter, TicketQuery, TicketSort};

use super::view::{TicketView, views_of};
use super::{TicketPorts, check_limit};

/// The longest full-text query accepted, in characters.
pub const QUERY_MAX_CHARS: usize = 200;

/// A list request, as received. Lists of statuses and priorities match any of them.
#[derive(Debug, Clone, Default)]
pub struct TicketListInput {
    /// Status names.
    pub statuses: Vec<String>,
    /// Priority names.
    pub priorities: Vec<String>,
    /// A category slug.
    pub category: Option<String>,
    /// An assignee's id.
    pub assignee_id: Option<i64>,
    /// A customer's id (ignored for customers, who only ever list their own).
    pub customer_id: Option<i64>,
    /// A tag.
    pub tag: Option<String>,
    /// Created at or after.
    pub created_after: Option<Timestamp>,
    /// Created before.
    pub created_before: Option<Timestamp>,
    /// Words to find in subject or description.
    pub q: Option<String>,
    /// An SLA status (`active`, `at_risk`, `breached`, `met`, `paused`): tickets with a
    /// target in it now. Staff only.
    pub sla_status: Option<String>,
    /// Tickets with a running SLA target due before this instant. Staff only.
    pub due_before: Option<Timestamp>,
    /// The order's API name, such as `-created_at`.
    pub sort: Option<String>,
    /// The page size, 1 to 100 (default 25).
    pub limit: Option<u32>,
    /// Where to continue, from a previous page.
    pub cursor: Option<TicketCursor>,
}

/// Lists the tickets the actor may see, filtered, sorted and paged by keyset.
#[derive(Clone)]
pub struct SearchTickets {
    ports: TicketPorts,
}

impl SearchTickets {
    /// Wires the use case.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// One page. Customers see only their own tickets whatever they ask for.
    pub async fn execute(
        &self,
        actor: Actor,
        input: TicketListInput,
    ) -> Result<Page<TicketView, TicketCursor>, AppError> {
        let mut v = Validator::default();
        let statuses: Vec<TicketStatus> = input
            .statuses
            .iter()
            .filter_map(|s| v.check("status", TicketStatus::parse(s)))
            .collect();
        let priorities: Vec<Priority> = input
            .priorities
            .iter()
            .filter_map(|p| v.check("priority", Priority::parse(p)))
            .collect();
        let category = input
            .category
            .as_deref()
            .and_then(|c| v.check("category", CategorySlug::parse(c)));
        let tag = input.tag.as_deref().and_then(|t| v.check("tag", Tag::parse(t)));
        let sort = match input.sort.as_deref() {
            None => TicketSort::default(),
            Some(s) => TicketSort::parse(s).unwrap_or_else(|| {
                let names: Vec<&str> = TicketSort::ALL.iter().map(|s| s.as_str()).collect();
                v.fail("sort", format!("must be one of: {}", names.join(", ")));
                TicketSort::default()
            }),
        };
        let text = match input.q.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(q) if q.chars().count() > QUERY_MAX_CHARS => {
                v.fail("q", format!("must be at most {QUERY_MAX_CHARS} characters"));
                None
            }
            Some(q) if q.chars().any(char::is_control) => {
                v.fail("q", "must not contain control characters");
                None
            }
            // Nothing a word could be made of: no text filter at all.
            Some(q) if !q.chars().any(char::is_alphanumeric) => None,
            Some(q) => Some(q.to_owned()),
        };
        let sla_status = input.sla_status.as_deref().and_then(|s| {
            let status = TargetStatus::parse(s);
            if status.is_none() {
                v.fail("sla_status", "must be one of: active, at_risk, breached, met, paused");
            }
            status
        });
        if !actor.is_staff() && (sla_status.is_some() || input.due_before.is_some() || sort == TicketSort::SlaDueAsc) {
            return Err(AppError::Forbidden("SLA filters and order are for staff".into()));
        }
        if input.cursor.is_some_and(|c| c.sort != sort) {
            v.fail("cursor", "belongs to another sort order");
        }
        let limit = match check_limit(input.limit) {
            Ok(n) => n,
            Err(_) => {
                v.fail("limit", format!("must be between 1 and {}", super::MAX_LIMIT));
                super::DEFAULT_LIMIT
            }
        };
        v.finish()?;

        let customer_id = if actor.is_staff() {
            input.customer_id.map(UserId::new)
        } else {
            Some(actor.user_id)
        };
        let filter = TicketFilter {
            statuses,
            priorities,
            category,
            assignee_id: input.assignee_id.map(UserId::new),
            customer_id,
            tag,
            created_after: input.created_after,
            created_before: input.created_before,
            text,
            text_in_internal_notes: actor.is_staff(),
            sla_status: sla_status.map(|s| (s, self.ports.clock.now())),
            due_before: input.due_before,
        };
        let query = TicketQuery {
            filter,
            sort,
            limit,
            after: input.cursor,
        };
        let page = self.ports.tickets.list(&query).await?;
        Ok(Page {
            items: views_of(&self.ports, &actor, page.items).await,
            next: page.next,
        })
    }
}
