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
        let due: Vec<crate::ports::OutboxEvent> = s
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (i as i64 + 1, e))
            .filter(|(id, _)| !s.outbox_done.contains(id))
            .filter(|(id, _)| s.outbox_leases.get(id).is_none_or(|l| *l < now))
            .take(limit as usize)
            .map(|(id, e)| crate::ports::OutboxEvent { id, event: e.clone() })
            .collect();
        for e in &due {
            s.outbox_leases.insert(e.id, lease_until);
        }
        Ok(due)
    }

    async fn release_event(&self, id: i64, retry_at: Timestamp, _error: &str) -> Result<(), StoreError> {
        self.state().outbox_leases.insert(id, retry_at);
        Ok(())
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
        match outcome {
            Outcome::Sent => {
                n.status = NotificationStatus::Sent;
                n.sent_at = Some(at);
            }
            Outcome::Retry { at, error } => {
                n.next_attempt_at = at;
                n.last_error = Some(error);
            }
            Outcome::Dead { error } => {
                n.status = NotificationStatus::Dead;
                n.last_error = Some(error);
            }
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
