//! Escalation rules, firings and check schedules of the fakes.

use async_trait::async_trait;
use domain::{TicketId, TicketStatus, Timestamp};

use super::Fake;
use crate::ports::StoreError;

#[async_trait]
impl crate::ports::EscalationRuleRepository for Fake {
    async fn list_rules(&self) -> Result<Vec<domain::escalation::EscalationRule>, StoreError> {
        Ok(self.state().rules.clone())
    }

    async fn get_rule(&self, id: i64) -> Result<Option<domain::escalation::EscalationRule>, StoreError> {
        Ok(self.state().rules.iter().find(|r| r.id == id).cloned())
    }

    async fn insert_rule(
        &self,
        mut rule: domain::escalation::EscalationRule,
        _at: Timestamp,
    ) -> Result<domain::escalation::EscalationRule, StoreError> {
        let mut s = self.state();
        if s.rules.iter().any(|r| r.name == rule.name) {
            return Err(StoreError::Duplicate("name"));
        }
        rule.id = s.rules.iter().map(|r| r.id).max().unwrap_or(0) + 1;
        s.rules.push(rule.clone());
        Ok(rule)
    }

    async fn update_rule(&self, rule: domain::escalation::EscalationRule, _at: Timestamp) -> Result<bool, StoreError> {
        let mut s = self.state();
        if s.rules.iter().any(|r| r.name == rule.name && r.id != rule.id) {
            return Err(StoreError::Duplicate("name"));
        }
        match s.rules.iter_mut().find(|r| r.id == rule.id) {
            Some(slot) => {
                *slot = rule;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn delete_rule(&self, id: i64) -> Result<bool, StoreError> {
        let mut s = self.state();
        let before = s.rules.len();
        s.rules.retain(|r| r.id != id);
        Ok(s.rules.len() < before)
    }
}

#[async_trait]
impl crate::ports::EscalationChecks for Fake {
    async fn claim_checks(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketId>, StoreError> {
        let mut s = self.state();
        let mut due: Vec<(Timestamp, i64)> = s
            .checks
            .iter()
            .filter_map(|(id, (at, lease))| match (at, lease) {
                (Some(at), lease) if *at <= now && lease.is_none_or(|l| l < now) => Some((*at, *id)),
                _ => None,
            })
            .collect();
        due.sort();
        due.truncate(limit as usize);
        for (_, id) in &due {
            if let Some(c) = s.checks.get_mut(id) {
                c.1 = Some(lease_until);
            }
        }
        Ok(due.into_iter().map(|(_, id)| TicketId::new(id)).collect())
    }

    async fn fired(&self, ticket: TicketId) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(self
            .state()
            .firings
            .iter()
            .filter(|(t, _, _)| *t == ticket.get())
            .map(|(_, r, k)| (*r, k.clone()))
            .collect())
    }

    async fn recheck_open_tickets(&self, at: Timestamp) -> Result<u64, StoreError> {
        let mut s = self.state();
        let open: Vec<i64> = s
            .tickets
            .iter()
            .filter(|t| !matches!(t.status(), TicketStatus::Resolved | TicketStatus::Closed))
            .map(|t| t.id().get())
            .collect();
        for id in &open {
            s.checks.insert(*id, (Some(at), None));
        }
        Ok(open.len() as u64)
    }
}
