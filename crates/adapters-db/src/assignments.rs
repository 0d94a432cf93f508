//! A batch of automatic assignments from the queue in one transaction
//! ([`application::ports::UnitOfWork::commit_assignments`], ADR 0023): the batch's
//! tickets taken first (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so a ticket another worker
//! holds is left to it instead of waited for), then its agents' profiles locked in the
//! order of their ids (so two batches cannot deadlock on two agents), their accounts and
//! open tickets read in one query each; the batch is settled in memory by
//! [`application::ports::settle_assignments`], and what it accepts is written: the tickets
//! (their tags are unchanged by an assignment, so not rewritten), the agents' last
//! assignments and the history and outbox rows in multi-row statements (PostgreSQL), the
//! few SLA saves one by one. SQLite's `BEGIN IMMEDIATE` has the database to itself, so
//! its reads need no locks and its inserts go row by row (in-process, no round trips).

use std::collections::BTreeMap;

use application::ports::{AgentStanding, DEFAULT_CAPACITY, QueuedAssignment, StoreError, Write};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::TicketEvent;
use domain::assignment::Availability;

use crate::error::TxError;
use crate::events::{history_row, outbox_row};
use crate::pool::SqliteConnection;
use crate::schema::{agent_profiles, outbox, ticket_history, tickets};

/// Rows per multi-row insert, well under PostgreSQL's 65,535 bound parameters.
const INSERT_CHUNK: usize = 1000;

/// The batch's ticket ids and its agents' ids (ascending, each once).
pub(crate) fn ids_of(batch: &[QueuedAssignment]) -> (Vec<i64>, Vec<i64>) {
    let tickets = batch.iter().map(|a| a.ticket.id().get()).collect();
    let mut agents: Vec<i64> = batch.iter().map(|a| a.agent.get()).collect();
    agents.sort_unstable();
    agents.dedup();
    (tickets, agents)
}

/// The agents' standings from their locked profiles, their accounts' active flags and
/// their open tickets counted.
pub(crate) fn standings(
    profiles: Vec<(i64, String, i32)>,
    accounts: Vec<(i64, bool)>,
    open: Vec<(Option<i64>, i64)>,
) -> Result<BTreeMap<i64, AgentStanding>, StoreError> {
    let mut rooms = BTreeMap::new();
    for (id, availability, capacity) in profiles {
        rooms.insert(id, crate::agents::room_of((availability, capacity))?);
    }
    let open: BTreeMap<i64, u32> = open
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u32::try_from(n).unwrap_or(u32::MAX))))
        .collect();
    Ok(accounts
        .into_iter()
        .map(|(id, active)| {
            let (availability, capacity) = rooms
                .get(&id)
                .copied()
                .unwrap_or((Availability::Offline, DEFAULT_CAPACITY));
            let standing = AgentStanding {
                availability,
                capacity,
                active,
                open: open.get(&id).copied().unwrap_or(0),
            };
            (id, standing)
        })
        .collect())
}

/// The accepted assignments' agents with the instant of their last one in the batch.
pub(crate) fn last_assignments(accepted: &[&QueuedAssignment]) -> Vec<(i64, NaiveDateTime)> {
    let mut last: BTreeMap<i64, NaiveDateTime> = BTreeMap::new();
    for a in accepted {
        let at = crate::time::to_sql(a.event.at);
        let entry = last.entry(a.agent.get()).or_insert(at);
        *entry = (*entry).max(at);
    }
    last.into_iter().collect()
}

/// The accepted assignments' events in the order one commit each would record them: each
/// assignment's `Assigned`, then its SLA crossings.
pub(crate) fn events_of<'a>(accepted: &[&'a QueuedAssignment]) -> Vec<&'a TicketEvent> {
    let mut events = Vec::new();
    for a in accepted {
        events.push(&a.event);
        events.extend(a.follow.iter().filter_map(|w| match w {
            Write::Record(e) => Some(e),
            _ => None,
        }));
    }
    events
}

/// Refuses a batch carrying a write [`QueuedAssignment::follow`] may not hold.
pub(crate) fn check_follow(batch: &[QueuedAssignment]) -> Result<bool, TxError> {
    let mut saves = false;
    for w in batch.iter().flat_map(|a| &a.follow) {
        match w {
            Write::SaveSla { .. } => saves = true,
            Write::Record(_) => {}
            other => {
                return Err(TxError::Store(StoreError::Failure(format!(
                    "an assignment's follow-up may only save SLAs and record events, not {other:?}"
                ))));
            }
        }
    }
    Ok(saves)
}

/// Takes the batch's tickets that nobody else holds, with their stored versions.
pub(crate) async fn lock_queued_postgres(
    conn: &mut diesel_async::AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    tickets::table
        .filter(tickets::id.eq_any(ids))
        .select((tickets::id, tickets::version))
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// SQLite's [`lock_queued_postgres`]: the transaction has the database to itself.
pub(crate) async fn lock_queued_sqlite(conn: &mut SqliteConnection, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    tickets::table
        .filter(tickets::id.eq_any(ids))
        .select((tickets::id, tickets::version))
        .load(conn)
        .await
}

/// The agents' profiles with these ids, in the order of their ids: id, availability,
/// capacity (a macro: the locking clause is added before the query is typed further).
macro_rules! agents_in_order {
    ($ids:expr) => {
        agent_profiles::table
            .filter(agent_profiles::user_id.eq_any($ids))
            .order(agent_profiles::user_id.asc())
            .select((
                agent_profiles::user_id,
                agent_profiles::availability,
                agent_profiles::capacity,
            ))
    };
}

/// Locks the agents' profiles in the order of their ids and reads their availability and
/// capacity.
pub(crate) async fn lock_agents_postgres(
    conn: &mut diesel_async::AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String, i32)>> {
    agents_in_order!(ids).for_update().load(conn).await
}

/// SQLite's [`lock_agents_postgres`].
pub(crate) async fn lock_agents_sqlite(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String, i32)>> {
    agents_in_order!(ids).load(conn).await
}

/// Notes each agent's last assignment in one statement.
pub(crate) async fn note_last_assignments_postgres(
    conn: &mut diesel_async::AsyncPgConnection,
    last: &[(i64, NaiveDateTime)],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Timestamp};
    let (ids, ats): (Vec<i64>, Vec<NaiveDateTime>) = last.iter().copied().unzip();
    diesel::sql_query(
        "UPDATE agent_profiles SET last_assigned_at = v.at \
         FROM unnest($1, $2) AS v(id, at) WHERE agent_profiles.user_id = v.id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Timestamp>, _>(ats)
    .execute(conn)
    .await?;
    Ok(())
}

/// SQLite's [`note_last_assignments_postgres`], one agent at a time.
pub(crate) async fn note_last_assignments_sqlite(
    conn: &mut SqliteConnection,
    last: &[(i64, NaiveDateTime)],
) -> QueryResult<()> {
    for (id, at) in last {
        diesel::update(agent_profiles::table.find(id))
            .set(agent_profiles::last_assigned_at.eq(at))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Appends the events to the history and the outbox, a multi-row insert per table.
pub(crate) async fn record_postgres(
    conn: &mut diesel_async::AsyncPgConnection,
    events: &[&TicketEvent],
) -> QueryResult<()> {
    for chunk in events.chunks(INSERT_CHUNK) {
        let history: Vec<_> = chunk.iter().map(|e| history_row(e)).collect();
        diesel::insert_into(ticket_history::table)
            .values(history)
            .execute(conn)
            .await?;
        let rows: Vec<_> = chunk.iter().map(|e| outbox_row(e)).collect();
        diesel::insert_into(outbox::table).values(rows).execute(conn).await?;
    }
    Ok(())
}

/// SQLite's [`record_postgres`], one row at a time (the async SQLite wrapper has no
/// batch insert).
pub(crate) async fn record_sqlite(conn: &mut SqliteConnection, events: &[&TicketEvent]) -> QueryResult<()> {
    for e in events {
        diesel::insert_into(ticket_history::table)
            .values(history_row(e))
            .execute(conn)
            .await?;
        diesel::insert_into(outbox::table)
            .values(outbox_row(e))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Commits a batch of queued assignments on `$conn` inside the transaction the caller
/// opened (expanded per backend in [`crate::unit_of_work`], with `dialect` naming the
/// backend); evaluates to `Result<Vec<Result<(), StoreError>>, TxError>`.
macro_rules! assignments_write {
    ($conn:ident, $batch:expr) => {{
        use diesel::{BoolExpressionMethods as _, ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::{ticket_slas, tickets, users};
        let conn = $conn;
        let batch: &[application::ports::QueuedAssignment] = $batch;
        let saves = $crate::assignments::check_follow(batch)?;
        let (ticket_ids, agent_ids) = $crate::assignments::ids_of(batch);
        // Lock order: the tickets (never waited for), then the agents by id.
        let held = dialect::lock_queued(conn, &ticket_ids).await?;
        let profiles = dialect::lock_agents(conn, &agent_ids).await?;
        let accounts: Vec<(i64, bool)> = users::table
            .filter(users::id.eq_any(&agent_ids))
            .select((users::id, users::active))
            .load(conn)
            .await?;
        // Counted after the locks: every committed assignment to these agents is seen.
        let open: Vec<(Option<i64>, i64)> = tickets::table
            .filter(tickets::assignee_id.eq_any(&agent_ids))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                &$crate::agents::open_load_condition(),
            ))
            .group_by(tickets::assignee_id)
            .select((tickets::assignee_id, diesel::dsl::count_star()))
            .load(conn)
            .await?;
        // No SLA save can slip in: it writes the ticket's row first, which we hold.
        let sla_revisions: Vec<(i64, i64)> = if saves {
            ticket_slas::table
                .filter(ticket_slas::ticket_id.eq_any(&ticket_ids))
                .select((ticket_slas::ticket_id, ticket_slas::revision))
                .load(conn)
                .await?
        } else {
            Vec::new()
        };
        let facts = application::ports::LockedFacts {
            versions: held
                .into_iter()
                .map(|(id, v)| (id, domain::Version::new(v)))
                .collect(),
            sla_revisions: sla_revisions.into_iter().collect(),
            agents: $crate::assignments::standings(profiles, accounts, open)?,
        };
        let outcomes = application::ports::settle_assignments(batch, &facts);
        let accepted: Vec<&application::ports::QueuedAssignment> = batch
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| o.is_ok())
            .map(|(a, _)| a)
            .collect();
        for a in &accepted {
            let id = a.ticket.id().get();
            let updated = diesel::update(
                tickets::table.filter(tickets::id.eq(id).and(tickets::version.eq(a.expected.get()))),
            )
            .set($crate::tickets::TicketRow::from_ticket(&a.ticket))
            .execute(&mut *conn)
            .await?;
            if updated == 0 {
                return Err($crate::error::TxError::Store(application::ports::StoreError::Failure(
                    format!("ticket {id} moved while the batch held it"),
                )));
            }
        }
        dialect::note_last_assignments(conn, &$crate::assignments::last_assignments(&accepted)).await?;
        for a in &accepted {
            for w in &a.follow {
                if let application::ports::Write::SaveSla {
                    ticket_id,
                    policy_id,
                    revision,
                    sla,
                } = w
                {
                    $crate::sla::sla_write!(save conn, *ticket_id, *policy_id, *revision, sla);
                }
            }
        }
        dialect::record(conn, &$crate::assignments::events_of(&accepted)).await?;
        Ok::<_, $crate::error::TxError>(outcomes)
    }};
}
pub(crate) use assignments_write;
