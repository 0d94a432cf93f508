//! Agent profiles and their skills.

use std::collections::BTreeMap;

use application::ports::{AgentProfile, AgentRepository, AgentWorkload, DEFAULT_CAPACITY, RosterEntry, StoreError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use domain::assignment::{AgentSnapshot, Availability, LOAD_STATUSES, Load, Skill};
use domain::{CategorySlug, Priority, Role, TicketStatus, Timestamp, UserId};

use crate::error::{TxError, corrupt, db_error};
use crate::pool::Database;
use crate::schema::{agent_profiles, agent_skills, tickets, users};
use crate::time::{from_sql, to_sql};

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = agent_profiles)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
struct ProfileRow {
    user_id: i64,
    availability: String,
    capacity: i32,
    last_assigned_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

/// What a save replaces: everything but the last assignment, which only assignments set.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = agent_profiles)]
struct ProfileChanges {
    availability: String,
    capacity: i32,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = agent_skills)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
struct SkillRow {
    user_id: i64,
    category: String,
    level: Option<i16>,
}

fn bad(e: &dyn std::fmt::Display) -> StoreError {
    corrupt("agent profile", e)
}

impl ProfileRow {
    fn into_profile(self, skills: Vec<SkillRow>) -> Result<AgentProfile, StoreError> {
        let skills = skills
            .into_iter()
            .map(|s| {
                Ok(Skill {
                    category: CategorySlug::parse(&s.category).map_err(|e| bad(&e))?,
                    level: s.level.map(u8::try_from).transpose().map_err(|e| bad(&e))?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(AgentProfile {
            user_id: UserId::new(self.user_id),
            availability: Availability::parse(&self.availability).map_err(|e| bad(&e))?,
            capacity: u32::try_from(self.capacity).map_err(|e| bad(&e))?,
            skills,
            last_assigned_at: self.last_assigned_at.map(from_sql),
            updated_at: from_sql(self.updated_at),
        })
    }
}

/// `tickets.status IN (...)` for the statuses that take up an agent's capacity, written
/// out as literals: PostgreSQL uses a partial index only for a condition it can see
/// implies the index's, which a bound parameter never does. The migration's index
/// `tickets_open_by_assignee` has the same list (a test below checks).
pub(crate) fn open_load_condition() -> String {
    let names: Vec<String> = LOAD_STATUSES.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("tickets.status IN ({})", names.join(", "))
}

/// The stored names of the staff roles.
fn staff_roles() -> Vec<&'static str> {
    Role::ALL.iter().filter(|r| r.is_staff()).map(|r| r.as_str()).collect()
}

/// Profiles with their skills, by user id.
fn profiles_with_skills(
    profiles: Vec<ProfileRow>,
    skills: Vec<SkillRow>,
) -> Result<BTreeMap<i64, AgentProfile>, StoreError> {
    let mut by_agent: BTreeMap<i64, Vec<SkillRow>> = BTreeMap::new();
    for skill in skills {
        by_agent.entry(skill.user_id).or_default().push(skill);
    }
    profiles
        .into_iter()
        .map(|p| {
            let id = p.user_id;
            let skills = by_agent.remove(&id).unwrap_or_default();
            Ok((id, p.into_profile(skills)?))
        })
        .collect()
}

/// The workload line of agent `id`, started if new; `None` unless `id` is an active
/// staff account (a deactivated agent's leftovers are not a workload).
fn line_of<'a>(
    lines: &'a mut BTreeMap<i64, AgentWorkload>,
    names: &BTreeMap<i64, String>,
    profiles: &BTreeMap<i64, ProfileRow>,
    id: i64,
) -> Option<&'a mut AgentWorkload> {
    let name = names.get(&id)?;
    let profile = profiles.get(&id);
    Some(lines.entry(id).or_insert_with(|| {
        AgentWorkload {
            user_id: UserId::new(id),
            display_name: name.clone(),
            availability: profile
                .and_then(|p| Availability::parse(&p.availability).ok())
                .unwrap_or(Availability::Offline),
            capacity: profile
                .and_then(|p| u32::try_from(p.capacity).ok())
                .unwrap_or(DEFAULT_CAPACITY),
            by_status: [0; LOAD_STATUSES.len()],
            load: Load::default(),
            at_risk: 0,
            breached: 0,
            first_responses: 0,
            median_first_response_seconds: None,
        }
    }))
}

fn priority_of(rank: i16) -> Result<Priority, StoreError> {
    Priority::from_rank(rank).ok_or_else(|| corrupt("ticket", format!("priority rank {rank}")))
}

/// A profile's availability and capacity, locked until the transaction ends so that
/// assignments to one agent take turns (PostgreSQL; on SQLite the `BEGIN IMMEDIATE`
/// transaction already has the database to itself).
pub(crate) async fn lock_agent_postgres(
    conn: &mut diesel_async::AsyncPgConnection,
    id: i64,
) -> QueryResult<Option<(String, i32)>> {
    agent_profiles::table
        .find(id)
        .select((agent_profiles::availability, agent_profiles::capacity))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// SQLite's [`lock_agent_postgres`].
pub(crate) async fn lock_agent_sqlite(
    conn: &mut crate::pool::SqliteConnection,
    id: i64,
) -> QueryResult<Option<(String, i32)>> {
    agent_profiles::table
        .find(id)
        .select((agent_profiles::availability, agent_profiles::capacity))
        .first(conn)
        .await
        .optional()
}

/// An agent nobody has configured gets the unconfigured profile stored, so that it can
/// be locked like any other.
#[derive(Insertable)]
#[diesel(table_name = agent_profiles)]
pub(crate) struct UnconfiguredRow {
    user_id: i64,
    availability: &'static str,
    capacity: i32,
    updated_at: NaiveDateTime,
}

impl UnconfiguredRow {
    pub(crate) fn new(user_id: i64, at: NaiveDateTime) -> Self {
        Self {
            user_id,
            availability: Availability::Offline.as_str(),
            capacity: i32::try_from(DEFAULT_CAPACITY).unwrap_or(i32::MAX),
            updated_at: at,
        }
    }
}

/// Reads a locked profile's availability and capacity.
pub(crate) fn room_of(row: (String, i32)) -> Result<(Availability, u32), StoreError> {
    Ok((
        Availability::parse(&row.0).map_err(|e| bad(&e))?,
        u32::try_from(row.1).map_err(|e| bad(&e))?,
    ))
}

fn missing_category(e: DieselError) -> TxError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            TxError::Store(StoreError::Reference("category"))
        }
        other => TxError::Diesel(other),
    }
}

#[async_trait]
impl AgentRepository for Database {
    async fn agent_profile(&self, user_id: UserId) -> Result<Option<AgentProfile>, StoreError> {
        let id = user_id.get();
        let (row, skills) = db_run!(self, conn => {
            let row: Option<ProfileRow> = agent_profiles::table
                .find(id)
                .select(ProfileRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?;
            let skills: Vec<SkillRow> = agent_skills::table
                .filter(agent_skills::user_id.eq(id))
                .order(agent_skills::category.asc())
                .select(SkillRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            (row, skills)
        });
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(row.into_profile(skills)?))
    }

    async fn save_agent_profile(&self, profile: AgentProfile) -> Result<(), StoreError> {
        let id = profile.user_id.get();
        let row = ProfileRow {
            user_id: id,
            availability: profile.availability.as_str().to_owned(),
            capacity: i32::try_from(profile.capacity).unwrap_or(i32::MAX),
            last_assigned_at: profile.last_assigned_at.map(to_sql),
            updated_at: to_sql(profile.updated_at),
        };
        let skills: Vec<SkillRow> = profile
            .skills
            .iter()
            .map(|s| SkillRow {
                user_id: id,
                category: s.category.to_string(),
                level: s.level.map(i16::from),
            })
            .collect();
        db_tx!(self, conn => {
            let changes = ProfileChanges {
                availability: row.availability.clone(),
                capacity: row.capacity,
                updated_at: row.updated_at,
            };
            diesel::insert_into(agent_profiles::table)
                .values(&row)
                .on_conflict(agent_profiles::user_id)
                .do_update()
                .set(&changes)
                .execute(conn)
                .await?;
            diesel::delete(agent_skills::table.filter(agent_skills::user_id.eq(id))).execute(conn).await?;
            // One row at a time: the async SQLite wrapper has no batch insert.
            for skill in &skills {
                diesel::insert_into(agent_skills::table).values(skill).execute(conn).await.map_err(missing_category)?;
            }
            Ok(())
        })
    }

    async fn online_agents(&self, category: Option<CategorySlug>) -> Result<Vec<AgentSnapshot>, StoreError> {
        let category = category.map(|c| c.to_string());
        let (profiles, skills, loads) = db_run!(self, conn => {
            let mut q = agent_profiles::table
                .inner_join(users::table.on(users::id.eq(agent_profiles::user_id)))
                .filter(agent_profiles::availability.eq(Availability::Online.as_str()))
                .filter(users::active.eq(true))
                .filter(users::role.eq_any(staff_roles()))
                .select(ProfileRow::as_select())
                .into_boxed();
            if let Some(c) = &category {
                let skilled = agent_skills::table.filter(agent_skills::category.eq(c.clone())).select(agent_skills::user_id);
                q = q.filter(agent_profiles::user_id.eq_any(skilled));
            }
            let profiles: Vec<ProfileRow> = q.load(conn).await.map_err(db_error)?;
            if profiles.is_empty() {
                // Nobody online (in this category): no skills or load to read.
                return Ok((profiles, Vec::new(), Vec::new()));
            }
            let ids: Vec<i64> = profiles.iter().map(|p| p.user_id).collect();
            let skills: Vec<SkillRow> = agent_skills::table
                .filter(agent_skills::user_id.eq_any(&ids))
                .select(SkillRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            // Through the partial index of open assigned tickets: closed work is not read.
            let loads: Vec<(Option<i64>, i16, i64)> = tickets::table
                .filter(tickets::assignee_id.eq_any(ids.iter().map(|id| Some(*id)).collect::<Vec<_>>()))
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&open_load_condition()))
                .group_by((tickets::assignee_id, tickets::priority))
                .select((tickets::assignee_id, tickets::priority, diesel::dsl::count_star()))
                .load(conn)
                .await
                .map_err(db_error)?;
            (profiles, skills, loads)
        });
        let mut loads_by_agent: BTreeMap<i64, Load> = BTreeMap::new();
        for (agent, rank, n) in loads {
            let load = loads_by_agent.entry(agent.unwrap_or_default()).or_default();
            let priority = priority_of(rank)?;
            for _ in 0..n {
                load.add(priority);
            }
        }
        Ok(profiles_with_skills(profiles, skills)?
            .into_values()
            .map(|p| AgentSnapshot {
                id: p.user_id,
                skills: p.skills,
                availability: p.availability,
                capacity: p.capacity,
                load: loads_by_agent.remove(&p.user_id.get()).unwrap_or_default(),
                last_assigned_at: p.last_assigned_at,
            })
            .collect())
    }

    async fn roster(&self, at: Timestamp) -> Result<Vec<RosterEntry>, StoreError> {
        type AgentLine = (
            i64,
            String,
            String,
            Option<String>,
            Option<i32>,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        );
        let (agents, skills, loads) = db_run!(self, conn => {
            // Three reads whatever the number of agents: the accounts with their profiles,
            // their skills, and their open tickets grouped by agent and priority.
            let agents: Vec<AgentLine> = users::table
                .left_join(agent_profiles::table.on(agent_profiles::user_id.eq(users::id)))
                .filter(users::role.eq(Role::Agent.as_str()))
                .filter(users::active.eq(true))
                .order(users::id.asc())
                .select((
                    users::id,
                    users::display_name,
                    users::email,
                    agent_profiles::availability.nullable(),
                    agent_profiles::capacity.nullable(),
                    agent_profiles::last_assigned_at.nullable(),
                    agent_profiles::updated_at.nullable(),
                ))
                .load(conn)
                .await
                .map_err(db_error)?;
            let ids: Vec<i64> = agents.iter().map(|a| a.0).collect();
            let skills: Vec<SkillRow> = agent_skills::table
                .filter(agent_skills::user_id.eq_any(&ids))
                .select(SkillRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            // Through the partial index of open assigned tickets.
            let loads: Vec<(Option<i64>, i16, i64)> = tickets::table
                .filter(tickets::assignee_id.eq_any(ids.iter().map(|id| Some(*id)).collect::<Vec<_>>()))
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&open_load_condition()))
                .group_by((tickets::assignee_id, tickets::priority))
                .select((tickets::assignee_id, tickets::priority, diesel::dsl::count_star()))
                .load(conn)
                .await
                .map_err(db_error)?;
            (agents, skills, loads)
        });
        let mut loads_by_agent: BTreeMap<i64, Load> = BTreeMap::new();
        for (agent, rank, n) in loads {
            let load = loads_by_agent.entry(agent.unwrap_or_default()).or_default();
            let priority = priority_of(rank)?;
            for _ in 0..n {
                load.add(priority);
            }
        }
        let mut skills_by_agent: BTreeMap<i64, Vec<SkillRow>> = BTreeMap::new();
        for skill in skills {
            skills_by_agent.entry(skill.user_id).or_default().push(skill);
        }
        agents
            .into_iter()
            .map(
                |(id, display_name, email, availability, capacity, last_assigned_at, updated_at)| {
                    let profile = match (availability, capacity, updated_at) {
                        (Some(availability), Some(capacity), Some(updated_at)) => ProfileRow {
                            user_id: id,
                            availability,
                            capacity,
                            last_assigned_at,
                            updated_at,
                        }
                        .into_profile(skills_by_agent.remove(&id).unwrap_or_default())?,
                        _ => AgentProfile::unconfigured(UserId::new(id), at),
                    };
                    Ok(RosterEntry {
                        display_name,
                        email,
                        profile,
                        load: loads_by_agent.remove(&id).unwrap_or_default(),
                    })
                },
            )
            .collect()
    }

    async fn workload(&self, since: Timestamp, at: Timestamp) -> Result<Vec<AgentWorkload>, StoreError> {
        let since = to_sql(since);
        let at = to_sql(at);
        let postgres = matches!(&*self.pool, crate::pool::DbPool::Postgres(_));
        let (trouble_sql, middle_sql) = workload_sql(postgres);
        let (profiles, names, open, trouble, middles) = db_run!(self, conn => {
            let profiles: Vec<ProfileRow> = agent_profiles::table
                .inner_join(users::table.on(users::id.eq(agent_profiles::user_id)))
                .filter(users::active.eq(true))
                .filter(users::role.eq_any(staff_roles()))
                .select(ProfileRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            let names: Vec<(i64, String)> = users::table
                .filter(users::active.eq(true))
                .filter(users::role.eq_any(staff_roles()))
                .select((users::id, users::display_name))
                .load(conn)
                .await
                .map_err(db_error)?;
            // Counted per agent, status and priority through the load index: a row per
            // group, not per ticket.
            let open: Vec<(Option<i64>, String, i16, i64)> = tickets::table
                .filter(tickets::assignee_id.is_not_null())
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(&open_load_condition()))
                .group_by((tickets::assignee_id, tickets::status, tickets::priority))
                .select((tickets::assignee_id, tickets::status, tickets::priority, diesel::dsl::count_star()))
                .load(conn)
                .await
                .map_err(db_error)?;
            let trouble: Vec<TroubleRow> = diesel::sql_query(&trouble_sql)
                .bind::<diesel::sql_types::Timestamp, _>(at)
                .load(conn)
                .await
                .map_err(db_error)?;
            // The one or two middle responses of each agent in the window.
            let middles: Vec<MiddleRow> = diesel::sql_query(&middle_sql)
                .bind::<diesel::sql_types::Timestamp, _>(since)
                .load(conn)
                .await
                .map_err(db_error)?;
            (profiles, names, open, trouble, middles)
        });
        let names: BTreeMap<i64, String> = names.into_iter().collect();
        let profiles: BTreeMap<i64, ProfileRow> = profiles.into_iter().map(|p| (p.user_id, p)).collect();
        let mut lines: BTreeMap<i64, AgentWorkload> = BTreeMap::new();
        for id in profiles.keys() {
            line_of(&mut lines, &names, &profiles, *id);
        }
        for (agent, status, rank, n) in open {
            let Some(w) = agent.and_then(|a| line_of(&mut lines, &names, &profiles, a)) else {
                continue;
            };
            let status = TicketStatus::parse(&status).map_err(|e| corrupt("ticket", e))?;
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            if let Some(i) = LOAD_STATUSES.iter().position(|s| *s == status) {
                w.by_status[i] += n;
            }
            let priority = priority_of(rank)?;
            for _ in 0..n {
                w.load.add(priority);
            }
        }
        for t in trouble {
            if let Some(w) = line_of(&mut lines, &names, &profiles, t.assignee_id) {
                w.at_risk = u32::try_from(t.at_risk).unwrap_or(u32::MAX);
                w.breached = u32::try_from(t.breached).unwrap_or(u32::MAX);
            }
        }
        let mut middle: BTreeMap<i64, (i64, Vec<i64>)> = BTreeMap::new();
        for m in middles {
            let entry = middle.entry(m.assignee_id).or_insert((m.n, Vec::new()));
            entry.1.push((m.first_response_at - m.created_at).num_seconds());
        }
        for (agent, (n, mut values)) in middle {
            let Some(w) = line_of(&mut lines, &names, &profiles, agent) else {
                continue;
            };
            values.sort_unstable();
            w.first_responses = u32::try_from(n).unwrap_or(u32::MAX);
            w.median_first_response_seconds = match values.as_slice() {
                [one] => Some(*one),
                [a, b] => Some((a + b).div_euclid(2)),
                _ => None,
            };
        }
        Ok(lines.into_values().collect())
    }
}

/// Per agent, their open tickets with a target at risk and with one breached at the bound
/// instant: the domain's `SlaTarget::status` in SQL, as `filter_sla_status!` writes it.
#[derive(QueryableByName)]
struct TroubleRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    assignee_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    at_risk: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    breached: i64,
}

/// One of the one or two middle first responses of an agent in the window, with the
/// number of their responses in it.
#[derive(QueryableByName)]
struct MiddleRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    assignee_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    created_at: NaiveDateTime,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    first_response_at: NaiveDateTime,
}

/// The workload's two aggregate queries for the backend: SLA trouble per agent (bound:
/// the instant) and the middle first responses per agent (bound: the window's start),
/// ranked by the exact time to respond (to the millisecond on SQLite).
fn workload_sql(postgres: bool) -> (String, String) {
    let p = if postgres { "$1" } else { "?1" };
    let breached = format!("s.breached_at IS NOT NULL OR (s.met_at IS NULL AND s.due_at < {p})");
    let at_risk = format!(
        "s.breached_at IS NULL AND (s.due_at IS NULL OR s.due_at >= {p}) AND s.met_at IS NULL \
         AND s.running_since IS NOT NULL AND s.warn_at <= {p}"
    );
    let trouble = format!(
        "SELECT tickets.assignee_id AS assignee_id, \
           COUNT(DISTINCT CASE WHEN {at_risk} THEN tickets.id END) AS at_risk, \
           COUNT(DISTINCT CASE WHEN {breached} THEN tickets.id END) AS breached \
         FROM tickets JOIN ticket_sla_targets s ON s.ticket_id = tickets.id \
         WHERE tickets.assignee_id IS NOT NULL AND {} \
         GROUP BY tickets.assignee_id",
        open_load_condition()
    );
    let duration = if postgres {
        "first_response_at - created_at"
    } else {
        "julianday(first_response_at) - julianday(created_at)"
    };
    let middle = format!(
        "SELECT assignee_id, n, created_at, first_response_at FROM ( \
           SELECT assignee_id, created_at, first_response_at, \
             ROW_NUMBER() OVER (PARTITION BY assignee_id ORDER BY {duration}, id) AS rn, \
             COUNT(*) OVER (PARTITION BY assignee_id) AS n \
           FROM tickets \
           WHERE assignee_id IS NOT NULL AND first_response_at IS NOT NULL AND first_response_at >= {p} \
         ) ranked WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2"
    );
    (trouble, middle)
}

/// Applies [`application::ports::Write::TakeCapacity`] on `$conn` inside the unit of
/// work's transaction (expanded per backend there, see [`crate::unit_of_work`], with
/// `dialect` naming the backend): locks the agent's profile (storing the unconfigured one
/// first if there is none), counts their other open tickets and checks the room (else
/// [`StoreError::AgentRefused`]), then notes `$at` as their last assignment.
macro_rules! agent_write {
    (offline $conn:ident, $user_id:expr, $at:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::agent_profiles;
        let user_id: domain::UserId = $user_id;
        diesel::update(agent_profiles::table.find(user_id.get()))
            .set((
                agent_profiles::availability.eq(domain::assignment::Availability::Offline.as_str()),
                agent_profiles::updated_at.eq($crate::time::to_sql($at)),
            ))
            .execute(&mut *$conn)
            .await
            .map_err($crate::error::db_error)?;
    }};
    (take_capacity $conn:ident, $ticket_id:expr, $agent_id:expr, $strictness:expr, $at:expr) => {{
        use application::ports::StoreError;
        use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::error::TxError;
        use $crate::schema::{agent_profiles, tickets};
        let conn = &mut *$conn;
        let ticket_id: domain::TicketId = $ticket_id;
        let agent = domain::UserId::get($agent_id);
        let strictness: domain::assignment::Strictness = $strictness;
        let at = $crate::time::to_sql($at);
        let locked = match dialect::lock_agent(conn, agent).await? {
            Some(row) => row,
            None => {
                // Store the unconfigured profile so there is a row to lock.
                diesel::insert_into(agent_profiles::table)
                    .values($crate::agents::UnconfiguredRow::new(agent, at))
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?;
                dialect::lock_agent(conn, agent)
                    .await?
                    .ok_or(TxError::Diesel(diesel::result::Error::NotFound))?
            }
        };
        let (availability, capacity) = $crate::agents::room_of(locked).map_err(TxError::Store)?;
        // Read after the lock, so a deactivation that set the profile offline (and so
        // held its row) is seen committed: nothing reaches a deactivated account.
        let active: Option<bool> = $crate::schema::users::table
            .find(agent)
            .select($crate::schema::users::active)
            .first(conn)
            .await
            .optional()?;
        if active != Some(true) {
            return Err(TxError::Store(StoreError::AgentRefused(
                domain::assignment::Refusal::Deactivated,
            )));
        }
        // Counted after the lock: every committed assignment to this agent is
        // seen (READ COMMITTED takes a fresh snapshot per statement).
        let open: i64 = tickets::table
            .filter(tickets::assignee_id.eq(agent))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                &$crate::agents::open_load_condition(),
            ))
            .filter(tickets::id.ne(ticket_id.get()))
            .count()
            .get_result(conn)
            .await?;
        let open = u32::try_from(open).unwrap_or(u32::MAX);
        domain::assignment::check_room(strictness, availability, capacity, open)
            .map_err(|r| TxError::Store(StoreError::AgentRefused(r)))?;
        diesel::update(agent_profiles::table.find(agent))
            .set(agent_profiles::last_assigned_at.eq(at))
            .execute(conn)
            .await?;
    }};
}
pub(crate) use agent_write;

#[cfg(test)]
mod tests {
    use super::open_load_condition;
    use crate::tickets::QUEUED;

    #[test]
    fn the_load_and_queue_conditions_are_the_partial_index_predicates_on_both_backends() {
        let condition = open_load_condition().replace("tickets.", "");
        for backend in ["postgres", "sqlite"] {
            let path = format!(
                "{}/../../migrations/{backend}/2026-12-02-000001_assignment_queue/up.sql",
                env!("CARGO_MANIFEST_DIR")
            );
            let sql = std::fs::read_to_string(&path).expect("migration");
            assert!(
                sql.contains(&format!("WHERE {condition};")),
                "{path} must index `{condition}`"
            );
            let queued = QUEUED.replace("tickets.", "");
            assert!(
                sql.contains(&format!("WHERE {queued};")),
                "{path} must index `{queued}`"
            );
        }
    }
}
