//! SLA calendars.

use application::ports::{
    SlaCalendarRepository, SlaPolicyRepository, SlaTargetRepository, StoreError, StoredCalendar, StoredSla,
};
use application::sla::CalendarSpec;
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use domain::sla::{SlaTarget, TargetKind, TicketSla};
use domain::{TicketId, Timestamp};
use serde_json::{Map, Value, json};

use crate::error::{corrupt, db_error};
use crate::pool::Database;
use crate::schema::{sla_calendars, sla_policies, ticket_sla_targets, ticket_slas};
use crate::time::{from_sql, to_sql};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sla_calendars)]
struct CalendarRow {
    id: i64,
    name: String,
    time_zone: String,
    weekly: String,
    holidays: String,
    holiday_rules: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = sla_calendars)]
#[diesel(treat_none_as_default_value = false)]
struct CalendarValues {
    name: String,
    time_zone: String,
    weekly: String,
    holidays: String,
    holiday_rules: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl CalendarValues {
    fn of(c: &StoredCalendar) -> Self {
        let s = &c.spec;
        let weekly: Map<String, Value> = s
            .weekly
            .iter()
            .map(|(day, intervals)| (day.clone(), json!(intervals)))
            .collect();
        let rules: Vec<Value> = s
            .holiday_rules
            .iter()
            .map(|(rrule, dtstart)| json!({"rrule": rrule, "dtstart": dtstart}))
            .collect();
        Self {
            name: c.name.clone(),
            time_zone: s.time_zone.clone(),
            weekly: Value::Object(weekly).to_string(),
            holidays: json!(s.holidays).to_string(),
            holiday_rules: Value::Array(rules).to_string(),
            created_at: to_sql(c.created_at),
            updated_at: to_sql(c.updated_at),
        }
    }
}

impl CalendarRow {
    fn into_calendar(self) -> Result<StoredCalendar, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("calendar", e);
        let weekly: Map<String, Value> = serde_json::from_str(&self.weekly).map_err(|e| bad(&e))?;
        let weekly = weekly
            .into_iter()
            .map(|(day, v)| serde_json::from_value::<Vec<(String, String)>>(v).map(|iv| (day, iv)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(&e))?;
        let holidays: Vec<String> = serde_json::from_str(&self.holidays).map_err(|e| bad(&e))?;
        #[derive(serde::Deserialize)]
        struct Rule {
            rrule: String,
            dtstart: String,
        }
        let rules: Vec<Rule> = serde_json::from_str(&self.holiday_rules).map_err(|e| bad(&e))?;
        Ok(StoredCalendar {
            id: self.id,
            name: self.name,
            spec: CalendarSpec {
                time_zone: self.time_zone,
                weekly,
                holidays,
                holiday_rules: rules.into_iter().map(|r| (r.rrule, r.dtstart)).collect(),
            },
            created_at: from_sql(self.created_at),
            updated_at: from_sql(self.updated_at),
        })
    }
}

fn duplicate_name(e: DieselError) -> StoreError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Duplicate("name"),
        other => db_error(other),
    }
}

#[async_trait]
impl SlaCalendarRepository for Database {
    async fn list_calendars(&self) -> Result<Vec<StoredCalendar>, StoreError> {
        let rows: Vec<CalendarRow> = db_run!(self, conn => {
            sla_calendars::table
                .order((sla_calendars::name.asc(), sla_calendars::id.asc()))
                .select(CalendarRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        rows.into_iter().map(CalendarRow::into_calendar).collect()
    }

    async fn get_calendar(&self, id: i64) -> Result<Option<StoredCalendar>, StoreError> {
        let row: Option<CalendarRow> = db_run!(self, conn => {
            sla_calendars::table
                .find(id)
                .select(CalendarRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(CalendarRow::into_calendar).transpose()
    }

    async fn insert_calendar(&self, calendar: StoredCalendar) -> Result<StoredCalendar, StoreError> {
        let values = CalendarValues::of(&calendar);
        let id: i64 = db_run!(self, conn => {
            diesel::insert_into(sla_calendars::table)
                .values(values)
                .returning(sla_calendars::id)
                .get_result(conn)
                .await
                .map_err(duplicate_name)?
        });
        Ok(StoredCalendar { id, ..calendar })
    }

    async fn update_calendar(&self, calendar: StoredCalendar) -> Result<bool, StoreError> {
        let values = CalendarValues::of(&calendar);
        let id = calendar.id;
        let updated: usize = db_run!(self, conn => {
            diesel::update(sla_calendars::table.find(id))
                .set(values)
                .execute(conn)
                .await
                .map_err(duplicate_name)?
        });
        Ok(updated == 1)
    }

    async fn delete_calendar(&self, id: i64) -> Result<bool, StoreError> {
        let deleted: usize = db_run!(self, conn => {
            diesel::delete(sla_calendars::table.find(id)).execute(conn).await.map_err(db_error)?
        });
        Ok(deleted == 1)
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sla_policies)]
struct PolicyRow {
    id: i64,
    name: String,
    priorities: String,
    category: Option<String>,
    calendar_id: Option<i64>,
    first_response_minutes: Option<i32>,
    next_response_minutes: Option<i32>,
    resolution_minutes: Option<i32>,
    warning_percent: i16,
    pause_statuses: String,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = sla_policies)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
struct PolicyValues {
    name: String,
    priorities: String,
    category: Option<String>,
    calendar_id: Option<i64>,
    first_response_minutes: Option<i32>,
    next_response_minutes: Option<i32>,
    resolution_minutes: Option<i32>,
    warning_percent: i16,
    pause_statuses: String,
    updated_at: NaiveDateTime,
}

impl PolicyValues {
    fn of(p: &domain::sla::SlaPolicy, now: NaiveDateTime) -> Self {
        let minutes = |m: Option<u32>| m.and_then(|m| i32::try_from(m).ok());
        Self {
            name: p.name.clone(),
            priorities: p.priorities.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" "),
            category: p.category.as_ref().map(ToString::to_string),
            calendar_id: p.calendar_id,
            first_response_minutes: minutes(p.first_response_minutes),
            next_response_minutes: minutes(p.next_response_minutes),
            resolution_minutes: minutes(p.resolution_minutes),
            warning_percent: i16::from(p.warning_percent),
            pause_statuses: p
                .pause_statuses
                .iter()
                .map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            updated_at: now,
        }
    }
}

impl PolicyRow {
    fn into_policy(self) -> Result<domain::sla::SlaPolicy, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("SLA policy", e);
        let minutes = |m: Option<i32>| m.map(|m| u32::try_from(m).map_err(|e| bad(&e))).transpose();
        Ok(domain::sla::SlaPolicy {
            id: self.id,
            name: self.name,
            priorities: self
                .priorities
                .split_whitespace()
                .map(|x| domain::Priority::parse(x).map_err(|e| bad(&e)))
                .collect::<Result<_, _>>()?,
            category: self
                .category
                .map(|c| domain::CategorySlug::parse(&c).map_err(|e| bad(&e)))
                .transpose()?,
            calendar_id: self.calendar_id,
            first_response_minutes: minutes(self.first_response_minutes)?,
            next_response_minutes: minutes(self.next_response_minutes)?,
            resolution_minutes: minutes(self.resolution_minutes)?,
            warning_percent: u8::try_from(self.warning_percent).map_err(|e| bad(&e))?,
            pause_statuses: self
                .pause_statuses
                .split_whitespace()
                .map(|x| domain::TicketStatus::parse(x).map_err(|e| bad(&e)))
                .collect::<Result<_, _>>()?,
        })
    }
}

fn policy_error(e: DieselError) -> StoreError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Duplicate("name"),
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            StoreError::Reference("calendar or category")
        }
        other => db_error(other),
    }
}

#[async_trait]
impl SlaPolicyRepository for Database {
    async fn list_policies(&self) -> Result<Vec<domain::sla::SlaPolicy>, StoreError> {
        let rows: Vec<PolicyRow> = db_run!(self, conn => {
            sla_policies::table
                .order(sla_policies::id.asc())
                .select(PolicyRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        rows.into_iter().map(PolicyRow::into_policy).collect()
    }

    async fn get_policy(&self, id: i64) -> Result<Option<domain::sla::SlaPolicy>, StoreError> {
        let row: Option<PolicyRow> = db_run!(self, conn => {
            sla_policies::table
                .find(id)
                .select(PolicyRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(PolicyRow::into_policy).transpose()
    }

    async fn insert_policy(
        &self,
        policy: domain::sla::SlaPolicy,
        at: domain::Timestamp,
    ) -> Result<domain::sla::SlaPolicy, StoreError> {
        let now = to_sql(at);
        let values = PolicyValues::of(&policy, now);
        let id: i64 = db_run!(self, conn => {
            diesel::insert_into(sla_policies::table)
                .values((values, sla_policies::created_at.eq(now)))
                .returning(sla_policies::id)
                .get_result(conn)
                .await
                .map_err(policy_error)?
        });
        Ok(domain::sla::SlaPolicy { id, ..policy })
    }

    async fn update_policy(&self, policy: domain::sla::SlaPolicy, at: domain::Timestamp) -> Result<bool, StoreError> {
        let values = PolicyValues::of(&policy, to_sql(at));
        let id = policy.id;
        let updated: usize = db_run!(self, conn => {
            diesel::update(sla_policies::table.find(id)).set(values).execute(conn).await.map_err(policy_error)?
        });
        Ok(updated == 1)
    }

    async fn delete_policy(&self, id: i64) -> Result<bool, StoreError> {
        let deleted: usize = db_run!(self, conn => {
            diesel::delete(sla_policies::table.find(id)).execute(conn).await.map_err(db_error)?
        });
        Ok(deleted == 1)
    }
}

/// A `ticket_sla_targets` row.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = ticket_sla_targets)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct TargetRow {
    ticket_id: i64,
    kind: String,
    target_seconds: i64,
    warning_percent: i16,
    started_at: NaiveDateTime,
    consumed_before: i64,
    running_since: Option<NaiveDateTime>,
    due_at: Option<NaiveDateTime>,
    warn_at: Option<NaiveDateTime>,
    warned_at: Option<NaiveDateTime>,
    breached_at: Option<NaiveDateTime>,
    met_at: Option<NaiveDateTime>,
}

impl TargetRow {
    /// The rows of a ticket's targets.
    pub(crate) fn of(ticket: TicketId, sla: &TicketSla) -> Vec<Self> {
        sla.targets
            .iter()
            .map(|t| Self {
                ticket_id: ticket.get(),
                kind: t.kind.as_str().to_owned(),
                target_seconds: t.target_seconds,
                warning_percent: i16::from(t.warning_percent),
                started_at: to_sql(t.started_at),
                consumed_before: t.consumed_before,
                running_since: t.running_since.map(to_sql),
                due_at: t.due_at.map(to_sql),
                warn_at: t.warn_at.map(to_sql),
                warned_at: t.warned_at.map(to_sql),
                breached_at: t.breached_at.map(to_sql),
                met_at: t.met_at.map(to_sql),
            })
            .collect()
    }

    fn into_target(self) -> Result<SlaTarget, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("SLA target", e);
        Ok(SlaTarget {
            kind: TargetKind::parse(&self.kind).ok_or_else(|| bad(&"kind"))?,
            target_seconds: self.target_seconds,
            warning_percent: u8::try_from(self.warning_percent).map_err(|e| bad(&e))?,
            started_at: from_sql(self.started_at),
            consumed_before: self.consumed_before,
            running_since: self.running_since.map(from_sql),
            due_at: self.due_at.map(from_sql),
            warn_at: self.warn_at.map(from_sql),
            warned_at: self.warned_at.map(from_sql),
            breached_at: self.breached_at.map(from_sql),
            met_at: self.met_at.map(from_sql),
        })
    }
}

/// A `ticket_slas` row.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = ticket_slas)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct SlaRow {
    pub(crate) ticket_id: i64,
    pub(crate) policy_id: Option<i64>,
    pub(crate) revision: i64,
    pub(crate) next_deadline: Option<NaiveDateTime>,
    pub(crate) claimed_until: Option<NaiveDateTime>,
}

/// Puts target rows together with their tickets' SLA rows.
fn assemble(slas: Vec<SlaRow>, targets: Vec<TargetRow>) -> Result<Vec<(TicketId, StoredSla)>, StoreError> {
    let mut by_ticket: std::collections::BTreeMap<i64, StoredSla> = slas
        .into_iter()
        .map(|r| {
            let stored = StoredSla {
                policy_id: r.policy_id,
                revision: r.revision,
                sla: TicketSla::default(),
            };
            (r.ticket_id, stored)
        })
        .collect();
    for row in targets {
        if let Some(stored) = by_ticket.get_mut(&row.ticket_id) {
            stored.sla.targets.push(row.into_target()?);
        }
    }
    Ok(by_ticket.into_iter().map(|(id, s)| (TicketId::new(id), s)).collect())
}

/// Due, unleased tickets, earliest deadline first, through the partial index on
/// `next_deadline`.
macro_rules! due_rows {
    ($now:expr, $limit:expr) => {
        ticket_slas::table
            .filter(ticket_slas::next_deadline.le($now))
            .filter(
                ticket_slas::claimed_until
                    .is_null()
                    .or(ticket_slas::claimed_until.lt($now)),
            )
            .order(ticket_slas::next_deadline.asc())
            .select(ticket_slas::ticket_id)
            .limit($limit)
    };
}

#[async_trait]
impl SlaTargetRepository for Database {
    async fn sla_of(&self, ticket: TicketId) -> Result<StoredSla, StoreError> {
        let found = self.slas_of(&[ticket]).await?;
        Ok(found.into_iter().next().map(|(_, s)| s).unwrap_or_default())
    }

    async fn slas_of(&self, tickets: &[TicketId]) -> Result<Vec<(TicketId, StoredSla)>, StoreError> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = tickets.iter().map(|t| t.get()).collect();
        let (slas, targets) = db_run!(self, conn => {
            let slas: Vec<SlaRow> = ticket_slas::table
                .filter(ticket_slas::ticket_id.eq_any(&ids))
                .select(SlaRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            let targets: Vec<TargetRow> = ticket_sla_targets::table
                .filter(ticket_sla_targets::ticket_id.eq_any(&ids))
                .order((ticket_sla_targets::ticket_id.asc(), ticket_sla_targets::kind.asc()))
                .select(TargetRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            (slas, targets)
        });
        assemble(slas, targets)
    }

    async fn claim_due(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> Result<Vec<TicketId>, StoreError> {
        let (now, until) = (to_sql(now), to_sql(lease_until));
        let limit = i64::from(limit);
        let ids: Vec<i64> = db_tx!(self, conn => {
            let ids = dialect::lease_rows!(
                conn,
                due_rows!(now, limit),
                ticket_slas::table,
                ticket_slas::ticket_id,
                ticket_slas::claimed_until.eq(until)
            );
            Ok(ids)
        })?;
        Ok(ids.into_iter().map(TicketId::new).collect())
    }
}

/// Applies [`application::ports::Write::SaveSla`] on `$conn` inside the unit of work's
/// transaction (expanded per backend there, see [`crate::unit_of_work`]): sets the
/// ticket's `sla_due_at`, then inserts (revision 0) or updates its `ticket_slas` row
/// provided the stored revision is still `$revision` (else
/// [`StoreError::VersionConflict`]), ending the monitor's lease, and replaces its targets.
macro_rules! sla_write {
    (save $conn:ident, $ticket_id:expr, $policy_id:expr, $revision:expr, $sla:expr) => {{
        use application::ports::StoreError;
        use diesel::{BoolExpressionMethods as _, ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::{ticket_sla_targets, ticket_slas, tickets};
        use $crate::time::to_sql;
        let conn = &mut *$conn;
        let ticket_id: domain::TicketId = $ticket_id;
        let policy_id: Option<i64> = $policy_id;
        let revision: i64 = $revision;
        let sla: &domain::sla::TicketSla = $sla;
        let id = ticket_id.get();
        // The ticket row first, then ticket_slas: the same lock order as a
        // ticket command, so a command and the monitor cannot deadlock.
        diesel::update(tickets::table.find(id))
            .set(tickets::sla_due_at.eq(sla.running_due().map(to_sql)))
            .execute(conn)
            .await?;
        let next_deadline = sla.next_deadline().map(to_sql);
        let saved = if revision == 0 {
            let row = $crate::sla::SlaRow {
                ticket_id: id,
                policy_id,
                revision: 1,
                next_deadline,
                claimed_until: None,
            };
            diesel::insert_into(ticket_slas::table)
                .values(row)
                .execute(conn)
                .await
                .map_err($crate::error::unique_violation_as(StoreError::VersionConflict))?
        } else {
            let current = ticket_slas::ticket_id.eq(id).and(ticket_slas::revision.eq(revision));
            diesel::update(ticket_slas::table.filter(current))
                .set((
                    ticket_slas::policy_id.eq(policy_id),
                    ticket_slas::revision.eq(revision + 1),
                    ticket_slas::next_deadline.eq(next_deadline),
                    ticket_slas::claimed_until.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)
                .await?
        };
        if saved == 0 {
            return Err($crate::error::TxError::Store(StoreError::VersionConflict));
        }
        diesel::delete(ticket_sla_targets::table.filter(ticket_sla_targets::ticket_id.eq(id)))
            .execute(conn)
            .await?;
        // One row at a time: the async SQLite wrapper has no batch insert.
        for row in $crate::sla::TargetRow::of(ticket_id, sla) {
            diesel::insert_into(ticket_sla_targets::table)
                .values(row)
                .execute(conn)
                .await?;
        }
    }};
}
pub(crate) use sla_write;
