//! The outbox and queued notifications of the fakes.

use async_trait::async_trait;
use domain::{Role, Timestamp, UserId};

use super::{Fake, State};
use crate::ports::{StoreError, UserAccount};

#[async_trait]
impl crate::ports::OutboxRepository for Fake {
    async fn claim_events(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<crate::ports::OutboxEvent>, StoreError> {
        let mut s = self.state();
        // Available at the event's instant, or at the retry instant once given back.
        let mut due: Vec<(Timestamp, i64)> = s
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (i as i64 + 1, e))
            .filter(|(id, _)| !s.outbox_done.contains(id))
            .filter_map(|(id, e)| {
                let held = s.outbox_leases.get(&id).copied();
                let (available, lease) = match s.outbox_released.contains(&id) {
                    true => (held.unwrap_or(e.at), None),
                    false => (e.at, held),
                };
                (available <= now && lease.is_none_or(|l| l < now)).then_some((available, id))
            })
            .collect();
        due.sort();
        due.truncate(limit as usize);
        let mut ids: Vec<i64> = due.into_iter().map(|(_, id)| id).collect();
        ids.sort_unstable();
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            s.outbox_released.remove(&id);
            s.outbox_leases.insert(id, lease_until);
            if let Some(e) = usize::try_from(id - 1).ok().and_then(|i| s.events.get(i)) {
                claimed.push(crate::ports::OutboxEvent { id, event: e.clone() });
            }
        }
        Ok(claimed)
    }

    async fn release_event(&self, id: i64, retry_at: Timestamp, _error: &str) -> Result<(), StoreError> {
        let mut s = self.state();
        s.outbox_leases.insert(id, retry_at);
        s.outbox_released.insert(id);
        Ok(())
    }

    async fn pending_events(&self) -> Result<i64, StoreError> {
        let s = self.state();
        let pending = (1..=s.events.len() as i64)
            .filter(|id| !s.outbox_done.contains(id))
            .count();
        Ok(i64::try_from(pending).unwrap_or(i64::MAX))
    }

    async fn purge_processed(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError> {
        let mut s = self.state();
        let newest = s.events.len() as i64;
        let mut due: Vec<(Timestamp, i64)> = s
            .outbox_processed_at
            .iter()
            .filter(|(id, at)| **at < before && **id < newest && !s.outbox_purged.contains(id))
            .map(|(id, at)| (*at, *id))
            .collect();
        due.sort();
        due.truncate(limit as usize);
        for (_, id) in &due {
            s.outbox_purged.insert(*id);
        }
        Ok(due.len() as u64)
    }
}

#[async_trait]
impl crate::ports::NotificationRepository for Fake {
    async fn claim_notifications(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
        claimant: &str,
    ) -> Result<Vec<crate::ports::Notification>, StoreError> {
        let mut s = self.state();
        let due: Vec<crate::ports::Notification> = s
            .notifications
            .iter()
            .filter(|n| n.status == crate::ports::NotificationStatus::Pending && n.next_attempt_at <= now)
            .filter(|n| s.notification_leases.get(&n.id).is_none_or(|(_, l)| *l < now))
            .take(limit as usize)
            .cloned()
            .collect();
        for n in &due {
            s.notification_leases.insert(n.id, (claimant.to_owned(), lease_until));
        }
        Ok(due)
    }

    async fn record_outcome(
        &self,
        id: i64,
        claimant: &str,
        at: Timestamp,
        outcome: crate::ports::Outcome,
    ) -> Result<bool, StoreError> {
        use crate::ports::{NotificationStatus, Outcome};
        let mut s = self.state();
        if s.notification_leases.get(&id).map(|(c, _)| c.as_str()) != Some(claimant) {
            return Ok(false);
        }
        s.notification_leases.remove(&id);
        let Some(n) = s.notifications.iter_mut().find(|n| n.id == id) else {
            return Ok(false);
        };
        n.attempts += 1;
        let finished = match outcome {
            Outcome::Sent => {
                n.status = NotificationStatus::Sent;
                n.sent_at = Some(at);
                true
            }
            Outcome::Retry { at, error } => {
                n.next_attempt_at = at;
                n.last_error = Some(error);
                false
            }
            Outcome::Dead { error } => {
                n.status = NotificationStatus::Dead;
                n.last_error = Some(error);
                true
            }
        };
        if finished {
            s.notification_finished.insert(id, at);
        }
        Ok(true)
    }

    async fn list_notifications(
        &self,
        status: Option<crate::ports::NotificationStatus>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<crate::ports::Notification>, StoreError> {
        Ok(self
            .state()
            .notifications
            .iter()
            .rev()
            .filter(|n| status.is_none_or(|s| n.status == s) && before.is_none_or(|b| n.id < b))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn requeue(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let mut s = self.state();
        match s
            .notifications
            .iter_mut()
            .find(|n| n.id == id && n.status == crate::ports::NotificationStatus::Dead)
        {
            Some(n) => {
                n.status = crate::ports::NotificationStatus::Pending;
                n.attempts = 0;
                n.next_attempt_at = now;
                s.notification_finished.remove(&id);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn get_notification(&self, id: i64) -> Result<Option<crate::ports::Notification>, StoreError> {
        Ok(self.state().notifications.iter().find(|n| n.id == id).cloned())
    }

    async fn contacts(&self, ids: &[UserId]) -> Result<Vec<crate::ports::Contact>, StoreError> {
        let s = self.state();
        Ok(s.users
            .iter()
            .filter(|u| ids.contains(&u.id))
            .map(|u| contact_of(&s, u))
            .collect())
    }

    async fn set_contact(&self, user: UserId, phone: Option<String>, sms_opt_in: bool) -> Result<bool, StoreError> {
        let mut s = self.state();
        if !s.users.iter().any(|u| u.id == user) {
            return Ok(false);
        }
        match phone {
            Some(p) => {
                s.phones.insert(user.get(), (p, sms_opt_in));
            }
            None => {
                s.phones.remove(&user.get());
            }
        }
        Ok(true)
    }

    async fn purge_notifications(
        &self,
        status: crate::ports::NotificationStatus,
        before: Timestamp,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let mut s = self.state();
        if status == crate::ports::NotificationStatus::Pending {
            return Ok(0);
        }
        let newest = s.notifications.last().map_or(0, |n| n.id);
        let mut due: Vec<(Timestamp, i64)> = s
            .notifications
            .iter()
            .filter(|n| n.status == status && n.id < newest)
            .filter_map(|n| s.notification_finished.get(&n.id).map(|at| (*at, n.id)))
            .filter(|(at, _)| *at < before)
            .collect();
        due.sort();
        due.truncate(limit as usize);
        s.notifications.retain(|n| !due.iter().any(|(_, id)| *id == n.id));
        for (_, id) in &due {
            s.notification_finished.remove(id);
            s.notification_leases.remove(id);
        }
        Ok(due.len() as u64)
    }

    async fn supervisors(&self) -> Result<Vec<crate::ports::Contact>, StoreError> {
        let s = self.state();
        Ok(s.users
            .iter()
            .filter(|u| u.role == Role::Supervisor && u.active)
            .map(|u| contact_of(&s, u))
            .collect())
    }
}

fn contact_of(s: &State, u: &UserAccount) -> crate::ports::Contact {
    let phone = s.phones.get(&u.id.get());
    crate::ports::Contact {
        id: u.id,
        name: u.display_name.as_str().to_owned(),
        email: u.email.as_str().to_owned(),
        role: u.role,
        active: u.active,
        phone: phone.map(|p| p.0.clone()),
        sms_opt_in: phone.is_some_and(|p| p.1),
    }
}
