//! What business calendars need from outside: time zones by IANA name and holiday rules.

use std::sync::Arc;

use domain::sla::{Holidays, LocalDate, TimeZone};

/// A holiday rule as configured: an RFC 5545 `RRULE` and its start date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayRuleSpec {
    /// Such as `FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO`.
    pub rrule: String,
    /// The rule's start date.
    pub dtstart: LocalDate,
}

/// Time zones and holiday rules (implemented with chrono-tz and rrule).
pub trait CalendarSupport: Send + Sync {
    /// The zone of this IANA name (`UTC` included), if known.
    fn zone(&self, name: &str) -> Option<Arc<dyn TimeZone>>;
    /// The version of the zone database, such as `2025b`.
    fn zone_database_version(&self) -> &str;
    /// Holidays from explicit dates and rules; a refused rule is reported with its
    /// position and the reason.
    fn holidays(&self, dates: Vec<LocalDate>, rules: &[HolidayRuleSpec]) -> Result<Arc<dyn Holidays>, (usize, String)>;
}

/// A business calendar as stored: its configuration, checked when saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCalendar {
    /// Its id.
    pub id: i64,
    /// Its unique name.
    pub name: String,
    /// Its configuration.
    pub spec: crate::sla::CalendarSpec,
    /// When it was created.
    pub created_at: domain::Timestamp,
    /// When it last changed.
    pub updated_at: domain::Timestamp,
}

/// Stores business calendars.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait SlaCalendarRepository: Send + Sync {
    /// Every calendar, by name.
    async fn list_calendars(&self) -> Result<Vec<StoredCalendar>, super::StoreError>;
    /// The calendar with this id.
    async fn get_calendar(&self, id: i64) -> Result<Option<StoredCalendar>, super::StoreError>;
    /// Stores a new calendar (its `id` is ignored) and returns it with its id. MUST
    /// return [`super::StoreError::Duplicate`]`("name")` when the name is taken.
    async fn insert_calendar(&self, calendar: StoredCalendar) -> Result<StoredCalendar, super::StoreError>;
    /// Replaces a calendar; false if it does not exist. Duplicate names as for insert.
    async fn update_calendar(&self, calendar: StoredCalendar) -> Result<bool, super::StoreError>;
    /// Deletes a calendar; false if it did not exist.
    async fn delete_calendar(&self, id: i64) -> Result<bool, super::StoreError>;
}

/// Stores SLA policies.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait SlaPolicyRepository: Send + Sync {
    /// Every policy, oldest first.
    async fn list_policies(&self) -> Result<Vec<domain::sla::SlaPolicy>, super::StoreError>;
    /// The policy with this id.
    async fn get_policy(&self, id: i64) -> Result<Option<domain::sla::SlaPolicy>, super::StoreError>;
    /// Stores a new policy created `at` (its `id` is ignored) and returns it with its id. MUST return
    /// [`super::StoreError::Duplicate`]`("name")` for a taken name and
    /// [`super::StoreError::Reference`] for a missing calendar or category.
    async fn insert_policy(
        &self,
        policy: domain::sla::SlaPolicy,
        at: domain::Timestamp,
    ) -> Result<domain::sla::SlaPolicy, super::StoreError>;
    /// Replaces a policy (changed `at`); false if it does not exist. Errors as for insert.
    async fn update_policy(
        &self,
        policy: domain::sla::SlaPolicy,
        at: domain::Timestamp,
    ) -> Result<bool, super::StoreError>;
    /// Deletes a policy; false if it did not exist.
    async fn delete_policy(&self, id: i64) -> Result<bool, super::StoreError>;
}

/// Reads tickets' SLA targets (written with [`super::Write::SaveSla`]).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait SlaTargetRepository: Send + Sync {
    /// The ticket's targets and the policy they come from; empty when none applies.
    async fn sla_of(
        &self,
        ticket: domain::TicketId,
    ) -> Result<(Option<i64>, domain::sla::TicketSla), super::StoreError>;
    /// Tickets with a target whose next deadline is at or before `now`, earliest first,
    /// at most `limit`: found through the index on the deadline.
    async fn due_tickets(&self, now: domain::Timestamp, limit: u32)
    -> Result<Vec<domain::TicketId>, super::StoreError>;
}
