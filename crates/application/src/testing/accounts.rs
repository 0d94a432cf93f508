//! Users, sessions, categories and idempotency keys of the fakes.

use async_trait::async_trait;
use domain::{CategorySlug, Email, Role, Timestamp, UserId};

use super::Fake;
use crate::ports::{
    Category, CategoryChanges, CategoryRepository, IdempotencyRecord, IdempotencyRepository, NewAccount, Session,
    SessionRepository, StoreError, TokenHash, UserAccount, UserDetails, UserQuery, UserRepository,
};

#[async_trait]
impl UserRepository for Fake {
    async fn insert(&self, account: NewAccount) -> Result<UserAccount, StoreError> {
        let mut s = self.state();
        if s.users.iter().any(|u| u.email == account.email) {
            return Err(StoreError::Duplicate("email"));
        }
        let id = s.users.iter().map(|u| u.id.get()).max().unwrap_or(0) + 1;
        let stored = UserAccount {
            id: UserId::new(id),
            email: account.email,
            display_name: account.display_name,
            role: account.role,
            active: true,
            created_at: account.created_at,
        };
        s.users.push(stored.clone());
        s.passwords.insert(id, account.password_hash);
        Ok(stored)
    }

    async fn get(&self, id: UserId) -> Result<Option<UserAccount>, StoreError> {
        Ok(self.state().users.iter().find(|u| u.id == id).cloned())
    }

    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<UserAccount>, StoreError> {
        Ok(self
            .state()
            .users
            .iter()
            .filter(|u| ids.contains(&u.id))
            .cloned()
            .collect())
    }

    /// Only accounts stored through [`UserRepository::insert`] have a password hash.
    async fn find_credentials(&self, email: &Email) -> Result<Option<(UserAccount, String)>, StoreError> {
        let s = self.state();
        Ok(s.users
            .iter()
            .find(|u| u.email == *email)
            .and_then(|u| s.passwords.get(&u.id.get()).map(|hash| (u.clone(), hash.clone()))))
    }

    async fn any_active_admin(&self) -> Result<bool, StoreError> {
        Ok(self.state().users.iter().any(|u| u.active && u.role == Role::Admin))
    }

    async fn list_users(&self, query: &UserQuery) -> Result<crate::ports::Page<UserDetails, UserId>, StoreError> {
        let s = self.state();
        let text = query.text.as_ref().map(|t| t.to_lowercase());
        let mut found: Vec<UserDetails> = s
            .users
            .iter()
            .filter(|u| query.roles.contains(&u.role))
            .filter(|u| query.active.is_none_or(|a| u.active == a))
            .filter(|u| query.after.is_none_or(|after| u.id.get() < after.get()))
            .filter(|u| {
                text.as_ref().is_none_or(|t| {
                    u.email.as_str().to_lowercase().contains(t) || u.display_name.as_str().to_lowercase().contains(t)
                })
            })
            .map(|u| details_of(&s, u))
            .collect();
        found.sort_by_key(|d| std::cmp::Reverse(d.account.id.get()));
        Ok(super::page(found, query.limit, |d| d.account.id))
    }

    async fn user_details(&self, id: UserId) -> Result<Option<UserDetails>, StoreError> {
        let s = self.state();
        Ok(s.users.iter().find(|u| u.id == id).map(|u| details_of(&s, u)))
    }

    async fn count_active_admins_except(&self, id: UserId) -> Result<u64, StoreError> {
        Ok(self
            .state()
            .users
            .iter()
            .filter(|u| u.id != id && u.active && u.role == Role::Admin)
            .count() as u64)
    }
}

/// An account's details as the fakes know them: every account verified, the last login
/// the newest session's start.
fn details_of(s: &super::State, u: &UserAccount) -> UserDetails {
    UserDetails {
        account: u.clone(),
        phone: s.phones.get(&u.id.get()).map(|p| p.0.clone()),
        email_verified: true,
        last_login_at: s
            .sessions
            .iter()
            .filter(|(k, _)| k.user_id == u.id)
            .map(|(k, _)| k.created_at)
            .max(),
    }
}

#[async_trait]
impl SessionRepository for Fake {
    async fn insert(&self, session: Session) -> Result<(), StoreError> {
        let mut s = self.state();
        // The token hash is the key and the user a foreign key, as in the databases.
        if s.sessions.iter().any(|(k, _)| k.token_hash == session.token_hash) {
            return Err(StoreError::Duplicate("record"));
        }
        if !s.users.iter().any(|u| u.id == session.user_id) {
            return Err(StoreError::Reference("record"));
        }
        s.sessions.push((session, None));
        Ok(())
    }

    async fn authenticate(&self, token_hash: &TokenHash, now: Timestamp) -> Result<Option<UserAccount>, StoreError> {
        let s = self.state();
        Ok(s.sessions
            .iter()
            .find(|(k, revoked)| k.token_hash == *token_hash && revoked.is_none() && k.expires_at > now)
            .and_then(|(k, _)| s.users.iter().find(|u| u.id == k.user_id && u.active))
            .cloned())
    }

    async fn revoke(&self, token_hash: &TokenHash, now: Timestamp) -> Result<(), StoreError> {
        let mut s = self.state();
        for (k, revoked) in s.sessions.iter_mut() {
            if k.token_hash == *token_hash && revoked.is_none() {
                *revoked = Some(now);
            }
        }
        Ok(())
    }

    async fn delete_ended_before(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError> {
        let mut s = self.state();
        let mut due: Vec<(Timestamp, String)> = s
            .sessions
            .iter()
            .filter(|(k, _)| k.expires_at < before)
            .map(|(k, _)| (k.expires_at, k.token_hash.0.clone()))
            .collect();
        due.sort();
        due.truncate(limit as usize);
        s.sessions
            .retain(|(k, _)| !due.iter().any(|(_, hash)| *hash == k.token_hash.0));
        Ok(due.len() as u64)
    }
}

#[async_trait]
impl CategoryRepository for Fake {
    async fn list(&self, include_inactive: bool) -> Result<Vec<Category>, StoreError> {
        let mut listed: Vec<Category> = self
            .state()
            .categories
            .iter()
            .filter(|c| include_inactive || c.active)
            .cloned()
            .collect();
        listed.sort_by(|a, b| a.slug.as_str().cmp(b.slug.as_str()));
        Ok(listed)
    }

    async fn get(&self, slug: &CategorySlug) -> Result<Option<Category>, StoreError> {
        Ok(self.state().categories.iter().find(|c| c.slug == *slug).cloned())
    }

    async fn insert(&self, category: Category) -> Result<(), StoreError> {
        let mut s = self.state();
        if s.categories.iter().any(|c| c.slug == category.slug) {
            return Err(StoreError::Duplicate("slug"));
        }
        s.categories.push(category);
        Ok(())
    }

    async fn update(
        &self,
        slug: &CategorySlug,
        changes: CategoryChanges,
        now: Timestamp,
    ) -> Result<Option<Category>, StoreError> {
        let mut s = self.state();
        let Some(c) = s.categories.iter_mut().find(|c| c.slug == *slug) else {
            return Ok(None);
        };
        if let Some(name) = changes.name {
            c.name = name;
        }
        if let Some(description) = changes.description {
            c.description = description;
        }
        if let Some(active) = changes.active {
            c.active = active;
        }
        c.updated_at = now;
        Ok(Some(c.clone()))
    }

    async fn delete(&self, slug: &CategorySlug) -> Result<bool, StoreError> {
        let mut s = self.state();
        if s.tickets.iter().any(|t| t.parts().category == *slug) {
            return Err(StoreError::Reference("category"));
        }
        let before = s.categories.len();
        s.categories.retain(|c| c.slug != *slug);
        Ok(s.categories.len() < before)
    }
}

#[async_trait]
impl IdempotencyRepository for Fake {
    async fn find(
        &self,
        user_id: UserId,
        scope: &'static str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self
            .state()
            .keys
            .iter()
            .find(|k| k.user_id == user_id && k.scope == scope && k.key == key)
            .cloned())
    }

    async fn purge_keys(&self, before: Timestamp, limit: u32) -> Result<u64, StoreError> {
        let mut s = self.state();
        let mut due: Vec<(Timestamp, UserId, &'static str, String)> = s
            .keys
            .iter()
            .filter(|k| k.created_at < before)
            .map(|k| (k.created_at, k.user_id, k.scope, k.key.clone()))
            .collect();
        due.sort();
        due.truncate(limit as usize);
        s.keys.retain(|k| {
            !due.iter()
                .any(|(_, user, scope, key)| *user == k.user_id && *scope == k.scope && *key == k.key)
        });
        Ok(due.len() as u64)
    }
}

#[async_trait]
impl crate::ports::AttemptStore for Fake {
    async fn reserve(
        &self,
        plan: crate::auth::AttemptPlan,
        now: Timestamp,
    ) -> Result<crate::auth::Admission, StoreError> {
        // The mutex serialises reservations as the databases' row locks do.
        let mut s = self.state();
        let counters: Vec<_> = plan
            .rules
            .iter()
            .map(|r| {
                s.attempts
                    .get(&r.key)
                    .cloned()
                    .unwrap_or_else(|| crate::auth::AttemptCounter::empty(&r.key, now))
            })
            .collect();
        match plan.decide(&counters, now) {
            Ok(next) => {
                for c in next {
                    s.attempts.insert(c.key.clone(), c);
                }
                Ok(crate::auth::Admission::Admitted)
            }
            Err(retry_after_seconds) => Ok(crate::auth::Admission::Refused { retry_after_seconds }),
        }
    }

    async fn settle(&self, settlement: crate::auth::Settlement) -> Result<(), StoreError> {
        let mut s = self.state();
        for adjustment in settlement.adjustments {
            match adjustment {
                crate::auth::Adjustment::Reset(key) => {
                    s.attempts.remove(&key);
                }
                crate::auth::Adjustment::Forgive(key) => {
                    if let Some(c) = s.attempts.get_mut(&key) {
                        c.attempts = c.attempts.saturating_sub(1);
                    }
                }
            }
        }
        Ok(())
    }

    async fn delete_stale(&self, before: Timestamp) -> Result<u64, StoreError> {
        let mut s = self.state();
        let n = s.attempts.len();
        s.attempts
            .retain(|_, c| c.window_started_at >= before || c.blocked_until.is_some_and(|b| b >= before));
        Ok((n - s.attempts.len()) as u64)
    }
}

#[async_trait]
impl crate::ports::PasswordResets for Fake {
    async fn issue_password_reset(&self, reset: crate::ports::NewPasswordReset) -> Result<(), StoreError> {
        let mut s = self.state();
        if !s.users.iter().any(|u| u.id == reset.user_id) {
            return Err(StoreError::Reference("user"));
        }
        if s.password_resets.iter().any(|r| r.token_hash == reset.token_hash) {
            return Err(StoreError::Duplicate("record"));
        }
        s.password_resets.push(super::StoredReset {
            token_hash: reset.token_hash,
            user_id: reset.user_id,
            expires_at: reset.expires_at,
            used_at: None,
        });
        let n = reset.email;
        if !s
            .notifications
            .iter()
            .any(|q| q.spec.idempotency_key == n.idempotency_key)
        {
            let id = s.notifications.last().map_or(1, |q| q.id + 1);
            s.notifications.push(crate::ports::Notification {
                id,
                next_attempt_at: n.at,
                spec: n,
                status: crate::ports::NotificationStatus::Pending,
                attempts: 0,
                last_error: None,
                sent_at: None,
            });
        }
        Ok(())
    }

    async fn find_password_reset(&self, token_hash: &TokenHash, now: Timestamp) -> Result<Option<UserId>, StoreError> {
        Ok(self
            .state()
            .password_resets
            .iter()
            .find(|r| r.token_hash == *token_hash && r.used_at.is_none() && r.expires_at > now)
            .map(|r| r.user_id))
    }

    async fn delete_expired_password_resets(&self, before: Timestamp) -> Result<u64, StoreError> {
        let mut s = self.state();
        let n = s.password_resets.len();
        s.password_resets.retain(|r| r.expires_at >= before);
        Ok((n - s.password_resets.len()) as u64)
    }
}
