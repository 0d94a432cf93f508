//! Stored escalation rules.

use async_trait::async_trait;
use domain::Timestamp;
use domain::escalation::EscalationRule;

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
