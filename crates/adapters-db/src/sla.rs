//! SLA calendars.

use application::ports::{SlaCalendarRepository, StoreError, StoredCalendar};
use application::sla::CalendarSpec;
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use serde_json::{Map, Value, json};

use crate::error::{corrupt, db_error};
use crate::pool::Database;
use crate::schema::sla_calendars;
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
