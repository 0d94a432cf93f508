//! SLA policies and stored targets of the fakes.

use async_trait::async_trait;
use domain::{TicketId, Timestamp};

use super::Fake;
use crate::ports::{SlaPolicyRepository, SlaTargetRepository, StoreError, StoredSla};

#[async_trait]
impl SlaPolicyRepository for Fake {
    async fn list_policies(&self) -> Result<Vec<domain::sla::SlaPolicy>, StoreError> {
        Ok(self.state().policies.clone())
    }

    async fn get_policy(&self, id: i64) -> Result<Option<domain::sla::SlaPolicy>, StoreError> {
        Ok(self.state().policies.iter().find(|p| p.id == id).cloned())
    }

    async fn insert_policy(
        &self,
        p: domain::sla::SlaPolicy,
        _: Timestamp,
    ) -> Result<domain::sla::SlaPolicy, StoreError> {
        self.state().policies.push(p.clone());
        Ok(p)
    }

    async fn update_policy(&self, p: domain::sla::SlaPolicy, _: Timestamp) -> Result<bool, StoreError> {
        let mut s = self.state();
        let slot = s.policies.iter_mut().find(|q| q.id == p.id);
        Ok(slot.map(|q| *q = p).is_some())
    }

    async fn delete_policy(&self, id: i64) -> Result<bool, StoreError> {
        let mut s = self.state();
        let before = s.policies.len();
        s.policies.retain(|p| p.id != id);
        for (stored, _) in s.slas.values_mut() {
            if stored.policy_id == Some(id) {
                stored.policy_id = None;
            }
        }
        Ok(s.policies.len() < before)
    }
}

#[async_trait]
impl SlaTargetRepository for Fake {
    async fn sla_of(&self, ticket: TicketId) -> Result<StoredSla, StoreError> {
        Ok(self
            .state()
            .slas
            .get(&ticket.get())
            .map(|(s, _)| s.clone())
            .unwrap_or_default())
    }

    async fn slas_of(&self, tickets: &[TicketId]) -> Result<Vec<(TicketId, StoredSla)>, StoreError> {
        let s = self.state();
        Ok(tickets
            .iter()
            .filter_map(|id| s.slas.get(&id.get()).map(|(sla, _)| (*id, sla.clone())))
            .collect())
    }

    async fn claim_due(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> Result<Vec<TicketId>, StoreError> {
        let mut s = self.state();
        let mut due: Vec<(Timestamp, i64)> = s
            .slas
            .iter()
            .filter(|(_, (sla, lease))| {
                lease.is_none_or(|l| l < now) && sla.sla.next_deadline().is_some_and(|d| d <= now)
            })
            .filter_map(|(id, (sla, _))| sla.sla.next_deadline().map(|d| (d, *id)))
            .collect();
        due.sort();
        due.truncate(limit as usize);
        for (_, id) in &due {
            if let Some((_, lease)) = s.slas.get_mut(id) {
                *lease = Some(lease_until);
            }
        }
        Ok(due.into_iter().map(|(_, id)| TicketId::new(id)).collect())
    }
}
