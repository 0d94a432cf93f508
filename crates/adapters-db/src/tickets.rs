//! Reading tickets and their history.

use application::ports::{HistoryEntry, Page, StoreError, TicketCursor, TicketQuery, TicketRepository, TicketSort};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::RunQueryDsl;
use domain::{
    CategorySlug, Description, Priority, Subject, Tags, Ticket, TicketId, TicketNumber, TicketParts, TicketStatus,
    UserId, Version,
};

use domain::sla::TargetStatus;

use crate::error::{corrupt, db_error};
use crate::events::parse_details;
use crate::pool::Database;
use crate::schema::{id_sequences, ticket_history, ticket_tags, tickets};
use crate::time::{from_sql, to_sql};

/// A `tickets` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tickets)]
// NULL rather than DEFAULT for `None`: the INSERT's SQL is then the same for every row,
// so diesel-async caches the prepared statement instead of preparing it each time.
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct TicketRow {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    pub created_by: i64,
    pub subject: String,
    pub description: String,
    pub priority: i16,
    pub category: String,
    pub tags: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i64,
    pub first_response_at: Option<NaiveDateTime>,
    pub last_customer_comment_at: Option<NaiveDateTime>,
    pub last_agent_reply_at: Option<NaiveDateTime>,
    // Counters move only by the increments of `Write::InsertComment`, so an update from a
    // ticket read before a concurrent internal note cannot set them back.
    #[diesel(skip_update)]
    pub public_comment_count: i32,
    #[diesel(skip_update)]
    pub internal_note_count: i32,
    // Kept by `Write::SaveSla` alone, for the same reason.
    #[diesel(skip_update)]
    pub sla_due_at: Option<NaiveDateTime>,
    pub escalation_level: i16,
    // Every write of the ticket asks the escalation loop to look at it again (a change may
    // arm or disarm a rule); only the loop's `Write::ScheduleEscalationCheck` sets a later
    // instant.
    pub escalation_check_at: Option<NaiveDateTime>,
    // ... and ends the loop's lease, so the look is not held up until the lease runs out
    // (a loop that held it loses its own write to the version guard).
    pub escalation_claimed_until: Option<NaiveDateTime>,
    // What a customer sees of `version`: raised by the changes they can observe only.
    pub public_version: i64,
}

impl TicketRow {
    pub(crate) fn from_ticket(ticket: &Ticket) -> Self {
        let t = ticket.parts();
        Self {
            id: t.id.get(),
            number: t.number.to_string(),
            customer_id: t.customer_id.get(),
            created_by: t.created_by.get(),
            subject: t.subject.to_string(),
            description: t.description.to_string(),
            priority: t.priority.rank(),
            category: t.category.to_string(),
            tags: t.tags.to_strings().join(" "),
            status: t.status.as_str().to_owned(),
            assignee_id: t.assignee_id.map(UserId::get),
            created_at: to_sql(t.created_at),
            updated_at: to_sql(t.updated_at),
            resolved_at: t.resolved_at.map(to_sql),
            closed_at: t.closed_at.map(to_sql),
            version: t.version.get(),
            first_response_at: t.first_response_at.map(to_sql),
            last_customer_comment_at: t.last_customer_comment_at.map(to_sql),
            last_agent_reply_at: t.last_agent_reply_at.map(to_sql),
            public_comment_count: i32::try_from(t.public_comment_count).unwrap_or(i32::MAX),
            internal_note_count: i32::try_from(t.internal_note_count).unwrap_or(i32::MAX),
            sla_due_at: t.sla_due_at.map(to_sql),
            escalation_level: i16::from(t.escalation_level),
            escalation_check_at: Some(to_sql(t.updated_at)),
            escalation_claimed_until: None,
            public_version: t.public_version.get(),
        }
    }

    pub(crate) fn into_ticket(self) -> Result<Ticket, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("ticket", e);
        let tags: Vec<&str> = self.tags.split_whitespace().collect();
        Ok(Ticket::restore(TicketParts {
            id: TicketId::new(self.id),
            number: TicketNumber::parse(&self.number).map_err(|e| bad(&e))?.0,
            customer_id: UserId::new(self.customer_id),
            created_by: UserId::new(self.created_by),
            subject: Subject::parse(&self.subject).map_err(|e| bad(&e))?,
            description: Description::parse(&self.description).map_err(|e| bad(&e))?,
            priority: Priority::from_rank(self.priority).ok_or_else(|| bad(&"priority rank"))?,
            category: CategorySlug::parse(&self.category).map_err(|e| bad(&e))?,
            tags: Tags::parse(&tags).map_err(|e| bad(&e))?,
            status: TicketStatus::parse(&self.status).map_err(|e| bad(&e))?,
            assignee_id: self.assignee_id.map(UserId::new),
            created_at: from_sql(self.created_at),
            updated_at: from_sql(self.updated_at),
            resolved_at: self.resolved_at.map(from_sql),
            closed_at: self.closed_at.map(from_sql),
            first_response_at: self.first_response_at.map(from_sql),
            last_customer_comment_at: self.last_customer_comment_at.map(from_sql),
            last_agent_reply_at: self.last_agent_reply_at.map(from_sql),
            public_comment_count: u32::try_from(self.public_comment_count).map_err(|e| bad(&e))?,
            internal_note_count: u32::try_from(self.internal_note_count).map_err(|e| bad(&e))?,
            sla_due_at: self.sla_due_at.map(from_sql),
            escalation_level: u8::try_from(self.escalation_level).map_err(|e| bad(&e))?,
            version: Version::new(self.version),
            public_version: Version::new(self.public_version),
        }))
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = ticket_history)]
struct HistoryRow {
    id: i64,
    actor_id: Option<i64>,
    event_type: String,
    details: String,
    occurred_at: NaiveDateTime,
}

/// Up to how many matching tickets a search reads by id; with more, the list walks the
/// index of its order instead (ADR 0021).
pub(crate) const SEARCH_ID_LIMIT: u32 = 2000;

/// A ticket id found by a search's probe.
#[derive(QueryableByName)]
struct MatchRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The distinct ids of a probe's rows when there are at most `limit` (the probe asks for
/// one more), `None` when there are more.
fn few_matches(found: Vec<MatchRow>, limit: u32) -> Option<Vec<i64>> {
    if found.len() > limit as usize {
        return None;
    }
    let mut ids: Vec<i64> = found.into_iter().map(|m| m.id).collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// `sort`'s ORDER BY on `COALESCE(column, column)`: the same order, which no index
/// provides.
fn unindexed_order(sort: TicketSort) -> &'static str {
    match sort {
        TicketSort::CreatedDesc => {
            "COALESCE(tickets.created_at, tickets.created_at) DESC, COALESCE(tickets.id, tickets.id) DESC"
        }
        TicketSort::CreatedAsc => {
            "COALESCE(tickets.created_at, tickets.created_at) ASC, COALESCE(tickets.id, tickets.id) ASC"
        }
        TicketSort::UpdatedDesc => {
            "COALESCE(tickets.updated_at, tickets.updated_at) DESC, COALESCE(tickets.id, tickets.id) DESC"
        }
        TicketSort::UpdatedAsc => {
            "COALESCE(tickets.updated_at, tickets.updated_at) ASC, COALESCE(tickets.id, tickets.id) ASC"
        }
        TicketSort::PriorityDesc => {
            "COALESCE(tickets.priority, tickets.priority) DESC, COALESCE(tickets.created_at, tickets.created_at) DESC, \
             COALESCE(tickets.id, tickets.id) DESC"
        }
        TicketSort::PriorityAsc => {
            "COALESCE(tickets.priority, tickets.priority) ASC, COALESCE(tickets.created_at, tickets.created_at) ASC, \
             COALESCE(tickets.id, tickets.id) ASC"
        }
        TicketSort::SlaDueAsc => {
            "tickets.sla_due_at IS NULL ASC, COALESCE(tickets.sla_due_at, tickets.sla_due_at) ASC, \
             COALESCE(tickets.id, tickets.id) ASC"
        }
    }
}

/// Narrows `$q` to rows after the cursor in the order of `$col` (then id), and orders it.
/// The row-value comparison `(col, id) < (key, id)` lets both databases seek the
/// `(col, id)` index instead of filtering from the start.
macro_rules! keyset {
    ($q:ident, $col:expr, $col_sql:literal, $key_type:ty, $after:expr, $desc:expr) => {{
        if let Some((key, id)) = $after {
            let op = if $desc { "<" } else { ">" };
            $q = $q.filter(
                diesel::dsl::sql::<Bool>(&format!("({}, tickets.id) {op} (", $col_sql))
                    .bind::<$key_type, _>(key)
                    .sql(", ")
                    .bind::<diesel::sql_types::BigInt, _>(id)
                    .sql(")"),
            );
        }
        $q = if $desc {
            $q.order(($col.desc(), tickets::id.desc()))
        } else {
            $q.order(($col.asc(), tickets::id.asc()))
        };
    }};
}

/// Narrows `$q` to tickets with an SLA target in `$status` at instant `$now`: the
/// conditions of `SlaTarget::status` in SQL.
macro_rules! filter_sla_status {
    ($q:ident, $status:expr, $now:expr) => {{
        use diesel::dsl::sql;
        use diesel::sql_types::Timestamp as Ts;
        const TARGETS: &str = "tickets.id IN (SELECT s.ticket_id FROM ticket_sla_targets s WHERE ";
        const OPEN: &str = "tickets.id IN (SELECT s.ticket_id FROM ticket_sla_targets s \
             WHERE s.met_at IS NULL AND s.breached_at IS NULL AND ";
        let now: NaiveDateTime = $now;
        $q = match $status {
            TargetStatus::Breached => $q.filter(
                sql::<Bool>(&format!(
                    "{TARGETS}s.breached_at IS NOT NULL OR (s.met_at IS NULL AND s.due_at < "
                ))
                .bind::<Ts, _>(now)
                .sql("))"),
            ),
            TargetStatus::Met => $q.filter(sql::<Bool>(&format!(
                "{TARGETS}s.met_at IS NOT NULL AND s.breached_at IS NULL)"
            ))),
            TargetStatus::Paused => $q.filter(sql::<Bool>(&format!("{OPEN}s.running_since IS NULL)"))),
            TargetStatus::AtRisk => $q.filter(
                sql::<Bool>(&format!("{OPEN}s.running_since IS NOT NULL AND s.due_at >= "))
                    .bind::<Ts, _>(now)
                    .sql(" AND s.warn_at <= ")
                    .bind::<Ts, _>(now)
                    .sql(")"),
            ),
            TargetStatus::Active => $q.filter(
                sql::<Bool>(&format!("{OPEN}s.running_since IS NOT NULL AND s.due_at >= "))
                    .bind::<Ts, _>(now)
                    .sql(" AND s.warn_at > ")
                    .bind::<Ts, _>(now)
                    .sql(")"),
            ),
        };
    }};
}

/// The queue's condition, as literals so PostgreSQL sees it implies the partial index
/// `tickets_queue`'s (the migration has the same text; a test checks).
pub(crate) const QUEUED: &str = "tickets.status = 'new' AND tickets.assignee_id IS NULL";

#[async_trait]
impl TicketRepository for Database {
    async fn next_id(&self) -> Result<TicketId, StoreError> {
        let id: i64 = match &*self.pool {
            crate::pool::DbPool::Postgres(_) => db_run!(self, conn => {
                diesel::select(crate::nextval("ticket_id_seq"))
                    .get_result(conn)
                    .await
                    .map_err(db_error)?
            }),
            crate::pool::DbPool::Sqlite(_) => db_tx!(self, conn => {
                let value = diesel::update(id_sequences::table.find("tickets"))
                    .set(id_sequences::value.eq(id_sequences::value + 1))
                    .returning(id_sequences::value)
                    .get_result::<i64>(conn)
                    .await?;
                Ok(value)
            })?,
        };
        Ok(TicketId::new(id))
    }

    async fn opening(&self, category: &CategorySlug) -> Result<application::ports::Opening, StoreError> {
        self.read_opening(category).await
    }

    async fn get(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        let row: Option<TicketRow> = db_run!(self, conn => {
            tickets::table
                .find(id.get())
                .select(TicketRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(TicketRow::into_ticket).transpose()
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket, TicketCursor>, StoreError> {
        let owned = query.clone();
        let after = query.after.map(|c| (c.key, c.id.get()));
        let id_limit = self.search_id_limit;
        let rows: Vec<TicketRow> = db_run!(self, conn => {
            let query = &owned;
            let f = &query.filter;
            let mut q = tickets::table.select(TicketRow::as_select()).into_boxed();
            if !f.statuses.is_empty() {
                q = q.filter(tickets::status.eq_any(f.statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>()));
            }
            if !f.priorities.is_empty() {
                q = q.filter(tickets::priority.eq_any(f.priorities.iter().map(|p| p.rank()).collect::<Vec<_>>()));
            }
            if let Some(c) = &f.category {
                q = q.filter(tickets::category.eq(c.as_str().to_owned()));
            }
            if let Some(a) = f.assignee_id {
                q = q.filter(tickets::assignee_id.eq(a.get()));
            }
            if let Some(c) = f.customer_id {
                q = q.filter(tickets::customer_id.eq(c.get()));
            }
            if let Some(tag) = &f.tag {
                let tagged = ticket_tags::table.filter(ticket_tags::tag.eq(tag.as_str().to_owned())).select(ticket_tags::ticket_id);
                q = q.filter(tickets::id.eq_any(tagged));
            }
            if let Some(t) = f.created_after {
                q = q.filter(tickets::created_at.ge(to_sql(t)));
            }
            if let Some(t) = f.created_before {
                q = q.filter(tickets::created_at.lt(to_sql(t)));
            }
            let text = f.text.as_deref().map(dialect::full_text_query).filter(|t| !t.is_empty());
            // A search first asks the full-text indexes alone for its matches (ADR 0021).
            let matched = match &text {
                Some(text) if id_limit > 0 => {
                    let probe = if f.text_in_internal_notes { dialect::SEARCH_PROBE_ANY } else { dialect::SEARCH_PROBE_PUBLIC };
                    let found: Vec<MatchRow> = diesel::sql_query(probe)
                        .bind::<Text, _>(text)
                        .bind::<Text, _>(text)
                        .bind::<BigInt, _>(i64::from(id_limit) + 1)
                        .load(conn)
                        .await
                        .map_err(db_error)?;
                    few_matches(found, id_limit)
                }
                _ => None,
            };
            let by_id = matched.is_some();
            match (matched.as_deref(), text) {
                // Nothing matches: no list to read.
                (Some([]), _) => return Ok(Vec::new()),
                // Few: the list reads them by id and orders them.
                (Some(ids), _) => q = q.filter(tickets::id.eq_any(ids.to_vec())),
                // Many: the list walks its order's index and tests each ticket, which
                // finds a page after a few rows.
                (None, Some(text)) => {
                    let close = if f.text_in_internal_notes { dialect::FULL_TEXT_CLOSE_ANY } else { dialect::FULL_TEXT_CLOSE_PUBLIC };
                    q = q.filter(
                        diesel::dsl::sql::<Bool>(dialect::FULL_TEXT_TICKET)
                            .bind::<Text, _>(text.clone())
                            .sql(dialect::FULL_TEXT_COMMENTS)
                            .bind::<Text, _>(text)
                            .sql(close),
                    );
                }
                (None, None) => {}
            }
            if let Some((status, at)) = f.sla_status {
                filter_sla_status!(q, status, to_sql(at));
            }
            if let Some(t) = f.due_before {
                q = q.filter(tickets::sla_due_at.lt(to_sql(t)));
            }
            let desc = query.sort.descending();
            match query.sort {
                TicketSort::CreatedAsc | TicketSort::CreatedDesc => {
                    let after = after.map(|(k, id)| (to_sql(domain::Timestamp::from_unix_micros(k)), id));
                    keyset!(q, tickets::created_at, "tickets.created_at", diesel::sql_types::Timestamp, after, desc);
                }
                TicketSort::UpdatedAsc | TicketSort::UpdatedDesc => {
                    let after = after.map(|(k, id)| (to_sql(domain::Timestamp::from_unix_micros(k)), id));
                    keyset!(q, tickets::updated_at, "tickets.updated_at", diesel::sql_types::Timestamp, after, desc);
                }
                TicketSort::PriorityAsc | TicketSort::PriorityDesc => {
                    // (priority, created_at, id): urgent first, newest first within a
                    // priority, served by the index of the same columns.
                    if let Some(c) = query.after {
                        let op = if desc { "<" } else { ">" };
                        q = q.filter(
                            diesel::dsl::sql::<Bool>(&format!("(tickets.priority, tickets.created_at, tickets.id) {op} ("))
                                .bind::<diesel::sql_types::SmallInt, _>(i16::try_from(c.key).unwrap_or(0))
                                .sql(", ")
                                .bind::<diesel::sql_types::Timestamp, _>(to_sql(domain::Timestamp::from_unix_micros(c.created)))
                                .sql(", ")
                                .bind::<diesel::sql_types::BigInt, _>(c.id.get())
                                .sql(")"),
                        );
                    }
                    q = if desc {
                        q.order((tickets::priority.desc(), tickets::created_at.desc(), tickets::id.desc()))
                    } else {
                        q.order((tickets::priority.asc(), tickets::created_at.asc(), tickets::id.asc()))
                    };
                }
                TicketSort::SlaDueAsc => {
                    // Tickets with a running target by due instant, then those without by
                    // id; the cursor key of the latter is i64::MAX.
                    if let Some(c) = query.after {
                        let id = c.id.get();
                        q = if c.key == i64::MAX {
                            q.filter(tickets::sla_due_at.is_null().and(tickets::id.gt(id)))
                        } else {
                            let due = to_sql(domain::Timestamp::from_unix_micros(c.key));
                            q.filter(
                                tickets::sla_due_at.is_null().or(diesel::dsl::sql::<Bool>("(tickets.sla_due_at, tickets.id) > (")
                                    .bind::<diesel::sql_types::Timestamp, _>(due)
                                    .sql(", ")
                                    .bind::<diesel::sql_types::BigInt, _>(id)
                                    .sql(")")),
                            )
                        };
                    }
                    q = q.order((tickets::sla_due_at.is_null().asc(), tickets::sla_due_at.asc(), tickets::id.asc()));
                }
            }
            if by_id {
                // The same order on expressions no index holds: the few matches are read
                // by id and sorted, instead of walking the order's index testing each row
                // against the ids (which PostgreSQL picks otherwise).
                q = q.order(diesel::dsl::sql::<Bool>(unindexed_order(query.sort)));
            }
            q.limit(i64::from(query.limit) + 1).load(conn).await.map_err(db_error)?
        });
        let mut items = rows
            .into_iter()
            .map(TicketRow::into_ticket)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if items.len() > query.limit as usize {
            items.truncate(query.limit as usize);
            items.last().map(|t| TicketCursor::after(query.sort, t))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn queue(&self, category: &CategorySlug, limit: u32) -> Result<Vec<Ticket>, StoreError> {
        let category = category.to_string();
        let rows: Vec<TicketRow> = db_run!(self, conn => {
            // Walks the partial index `tickets_queue` in its order.
            tickets::table
                .filter(diesel::dsl::sql::<Bool>(QUEUED))
                .filter(tickets::category.eq(category))
                .order((
                    tickets::priority.desc(),
                    tickets::sla_due_at.is_null().asc(),
                    tickets::sla_due_at.asc(),
                    tickets::created_at.asc(),
                    tickets::id.asc(),
                ))
                .limit(i64::from(limit))
                .select(TicketRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        rows.into_iter().map(TicketRow::into_ticket).collect()
    }

    async fn history(
        &self,
        id: TicketId,
        include_internal: bool,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows: Vec<HistoryRow> = db_run!(self, conn => {
            let mut q = ticket_history::table
                .filter(ticket_history::ticket_id.eq(id.get()))
                .filter(ticket_history::id.gt(after.unwrap_or(0)))
                .into_boxed();
            if !include_internal {
                q = q.filter(ticket_history::visibility.eq("public"));
            }
            q.order(ticket_history::id.asc())
                .limit(i64::from(limit))
                .select(HistoryRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(HistoryEntry {
                    id: r.id,
                    actor: r.actor_id.map(UserId::new),
                    at: from_sql(r.occurred_at),
                    kind: parse_details(&r.event_type, &r.details)?,
                })
            })
            .collect()
    }
}

/// A `ticket_tags` row.
#[derive(Insertable)]
#[diesel(table_name = ticket_tags)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct TagRow {
    ticket_id: i64,
    tag: String,
}

/// The tag rows of a ticket.
pub(crate) fn tag_rows(ticket: &Ticket) -> Vec<TagRow> {
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

/// Applies a ticket write on `$conn` inside the unit of work's transaction (expanded per
/// backend there, see [`crate::unit_of_work`]): `insert` a ticket just opened with its
/// tags, or `update` one provided its stored version is still `$expected` (else
/// [`StoreError::VersionConflict`]) and replace its tags. `?` returns a refusal from the
/// enclosing transaction body.
macro_rules! ticket_write {
    (insert $conn:ident, $ticket:expr) => {{
        use diesel_async::RunQueryDsl as _;
        let conn = &mut *$conn;
        let ticket: &domain::Ticket = $ticket;
        diesel::insert_into($crate::schema::tickets::table)
            .values($crate::tickets::TicketRow::from_ticket(ticket))
            .execute(conn)
            .await?;
        $crate::tickets::ticket_write!(@tags conn, ticket);
    }};
    (update $conn:ident, $ticket:expr, $expected:expr) => {{
        use $crate::schema::{ticket_tags, tickets};
        use diesel::{BoolExpressionMethods as _, ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        let conn = &mut *$conn;
        let ticket: &domain::Ticket = $ticket;
        let expected: domain::Version = $expected;
        let id = ticket.id().get();
        let updated = diesel::update(
            tickets::table.filter(tickets::id.eq(id).and(tickets::version.eq(expected.get()))),
        )
        .set($crate::tickets::TicketRow::from_ticket(ticket))
        .execute(conn)
        .await?;
        if updated == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::VersionConflict,
            ));
        }
        diesel::delete(ticket_tags::table.filter(ticket_tags::ticket_id.eq(id)))
            .execute(conn)
            .await?;
        $crate::tickets::ticket_write!(@tags conn, ticket);
    }};
    (@tags $conn:ident, $ticket:expr) => {{
        use diesel_async::RunQueryDsl as _;
        // One row at a time: the async SQLite wrapper has no batch insert.
        for tag in $crate::tickets::tag_rows($ticket) {
            diesel::insert_into($crate::schema::ticket_tags::table)
                .values(tag)
                .execute($conn)
                .await?;
        }
    }};
}
pub(crate) use ticket_write;
