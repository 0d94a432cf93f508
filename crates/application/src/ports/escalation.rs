//! Stored escalation rules.

use async_trait::async_trait;
use domain::escalation::EscalationRule;
use domain::{TicketId, Timestamp};

use super::StoreError;

/// Stores escalation rules.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EscalationRuleRepository: Send + Sync {
    /// Every rule, oldest first.
    async fn list_rules(&self) -> Result<Vec<EscalationRule>, StoreError>;
    /// The rule with this id.
    async fn get_rule(&self, id: i64) -> Result<Option<EscalationRule>, StoreError>;
    /// Stores a new rule created `at` (its `id` is ignored) and returns it with its id.
    /// MUST return [`StoreError::Duplicate`]`("name")` for a taken name.
    async fn insert_rule(&self, rule: EscalationRule, at: Timestamp) -> Result<EscalationRule, StoreError>;
    /// Replaces a rule (changed `at`); false if it does not exist. Errors as for insert.
    async fn update_rule(&self, rule: EscalationRule, at: Timestamp) -> Result<bool, StoreError>;
    /// Deletes a rule; false if it did not exist.
    async fn delete_rule(&self, id: i64) -> Result<bool, StoreError>;
}

/// The escalation loop's schedule: which tickets are due a look, and what already fired.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EscalationChecks: Send + Sync {
    /// Leases up to `limit` tickets whose check is due at `now` and not leased (or whose
    /// lease ran out), earliest first, until `lease_until`, through the check index.
    /// Concurrent loops take different tickets (`SKIP LOCKED` on PostgreSQL).
    async fn claim_checks(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketId>, StoreError>;
    /// The `(rule, trigger)` pairs that fired for the ticket.
    async fn fired(&self, ticket: TicketId) -> Result<Vec<(i64, String)>, StoreError>;
    /// Makes every open ticket due a look at `at` (a rule was added or changed); returns
    /// how many.
    async fn recheck_open_tickets(&self, at: Timestamp) -> Result<u64, StoreError>;
}
