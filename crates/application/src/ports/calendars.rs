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

/// The SLA policies and business calendars, read together (see
/// [`super::TicketRepository::opening`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaReference {
    /// Every policy, in the order [`SlaPolicyRepository::list_policies`] gives.
    pub policies: Vec<domain::sla::SlaPolicy>,
    /// Every calendar.
    pub calendars: Vec<StoredCalendar>,
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

/// A ticket's SLA as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSla {
    /// The policy its targets come from.
    pub policy_id: Option<i64>,
    /// Its revision: 0 when nothing is stored, then 1, 2, ... with each save. A save names
    /// the revision it read, so concurrent writers cannot record a crossing twice.
    pub revision: i64,
    /// The targets.
    pub sla: domain::sla::TicketSla,
}

/// Reads tickets' SLA targets (written with [`super::Write::SaveSla`]) and leases due ones
/// to the monitor.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait SlaTargetRepository: Send + Sync {
    /// The ticket's SLA; revision 0 and no targets when none is stored.
    async fn sla_of(&self, ticket: domain::TicketId) -> Result<StoredSla, super::StoreError>;
    /// The stored SLAs of these tickets, in any order; tickets without one are left out.
    async fn slas_of(
        &self,
        tickets: &[domain::TicketId],
    ) -> Result<Vec<(domain::TicketId, StoredSla)>, super::StoreError>;
    /// Leases up to `limit` tickets whose next deadline is at or before `now` and whose
    /// lease (if any) has expired, earliest deadline first, until `lease_until`. Found
    /// through the index on the deadline, so the cost follows what is due. Concurrent
    /// callers never get the same ticket while its lease runs; a save ends the lease.
    async fn claim_due(
        &self,
        now: domain::Timestamp,
        lease_until: domain::Timestamp,
        limit: u32,
    ) -> Result<Vec<domain::TicketId>, super::StoreError>;
}
