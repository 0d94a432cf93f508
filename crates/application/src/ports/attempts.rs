//! Counters of login and sign-up attempts, shared by every API replica.

use async_trait::async_trait;
use domain::Timestamp;

use super::store::StoreError;
use crate::auth::{Admission, AttemptPlan, Settlement};

/// Keeps attempt counters where every API replica sees them, so limits hold across
/// replicas instead of multiplying by their number.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AttemptStore: Send + Sync {
    /// In one transaction: reads the counters under the plan's keys (empty ones for keys
    /// not stored), asks [`AttemptPlan::decide`], and when the attempt is admitted stores
    /// the counters it returns. Calls on the same keys MUST be serialised, so no two see
    /// the same count; a refused attempt changes nothing.
    async fn reserve(&self, plan: AttemptPlan, now: Timestamp) -> Result<Admission, StoreError>;
    /// Applies the adjustments after an attempt's outcome is known; unknown keys are
    /// ignored, and counts never go below zero.
    async fn settle(&self, settlement: Settlement) -> Result<(), StoreError>;
    /// Deletes counters whose window began before `before` and that block nothing after
    /// it; returns how many.
    async fn delete_stale(&self, before: Timestamp) -> Result<u64, StoreError>;
}
