//! SLA calendars.

use application::ports::{SlaCalendarRepository, SlaPolicyRepository, SlaTargetRepository, StoreError, StoredCalendar};
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
use crate::schema::{sla_calendars, sla_policies, ticket_sla_targets};
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
    policy_id: Option<i64>,
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
    next_deadline: Option<NaiveDateTime>,
}

impl TargetRow {
    /// The rows of a ticket's targets.
    pub(crate) fn of(ticket: TicketId, policy_id: Option<i64>, sla: &TicketSla) -> Vec<Self> {
        sla.targets
            .iter()
            .map(|t| Self {
                ticket_id: ticket.get(),
                kind: t.kind.as_str().to_owned(),
                policy_id,
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
                next_deadline: t.next_deadline().map(to_sql),
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

#[async_trait]
impl SlaTargetRepository for Database {
    async fn sla_of(&self, ticket: TicketId) -> Result<(Option<i64>, TicketSla), StoreError> {
        let rows: Vec<TargetRow> = db_run!(self, conn => {
            ticket_sla_targets::table
                .filter(ticket_sla_targets::ticket_id.eq(ticket.get()))
                .order(ticket_sla_targets::kind.asc())
                .select(TargetRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        let policy = rows.iter().find_map(|r| r.policy_id);
        let targets = rows.into_iter().map(TargetRow::into_target).collect::<Result<_, _>>()?;
        Ok((policy, TicketSla { targets }))
    }

    async fn due_tickets(&self, now: Timestamp, limit: u32) -> Result<Vec<TicketId>, StoreError> {
        let now = to_sql(now);
        let ids: Vec<i64> = db_run!(self, conn => {
            ticket_sla_targets::table
                .filter(ticket_sla_targets::next_deadline.le(now))
                .order(ticket_sla_targets::next_deadline.asc())
                .select(ticket_sla_targets::ticket_id)
                .limit(i64::from(limit) * 3)
                .load::<i64>(conn)
                .await
                .map_err(db_error)?
        });
        let mut seen = std::collections::BTreeSet::new();
        Ok(ids
            .into_iter()
            .filter(|id| seen.insert(*id))
            .take(limit as usize)
            .map(TicketId::new)
            .collect())
    }
}
