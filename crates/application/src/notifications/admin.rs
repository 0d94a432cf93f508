//! The admins' view of notifications: list them by status, put dead ones back.

use std::sync::Arc;

use domain::Actor;

use crate::error::{AppError, Validator, require_admin};
use crate::ports::{Clock, Notification, NotificationRepository, NotificationStatus};
use crate::tickets::check_limit;

/// Why a non-admin is refused.
const ADMINS_ONLY: &str = "only admins see notifications";

/// `GET /notifications`, as received.
#[derive(Debug, Clone, Default)]
pub struct NotificationListInput {
    /// `pending`, `sent` or `dead`; all when absent.
    pub status: Option<String>,
    /// Only notifications with ids below this (the previous page's last id).
    pub before: Option<i64>,
    /// Page size.
    pub limit: Option<u32>,
}

/// A page of notifications.
#[derive(Debug, Clone)]
pub struct NotificationPage {
    /// Newest first.
    pub items: Vec<Notification>,
    /// The `before` of the next page; `None` on the last.
    pub next_before: Option<i64>,
}

/// Lists notifications, newest first (admins only): what is waiting, what went out, and
/// what was given up with the reason.
#[derive(Clone)]
pub struct ListNotifications {
    store: Arc<dyn NotificationRepository>,
}

impl ListNotifications {
    /// Wires the use case.
    pub fn new(store: Arc<dyn NotificationRepository>) -> Self {
        Self { store }
    }

    /// One page.
    pub async fn execute(&self, actor: Actor, input: NotificationListInput) -> Result<NotificationPage, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        let mut v = Validator::default();
        let status = match input.status.as_deref() {
            None => None,
            Some(s) => {
                let parsed = NotificationStatus::parse(s);
                if parsed.is_none() {
                    v.fail("status", "must be pending, sent or dead");
                }
                parsed
            }
        };
        if input.before.is_some_and(|b| b < 1) {
            v.fail("before", "must be a notification id");
        }
        v.finish()?;
        let limit = check_limit(input.limit)?;
        let items = self.store.list_notifications(status, input.before, limit).await?;
        let next_before = items.last().filter(|_| items.len() >= limit as usize).map(|n| n.id);
        Ok(NotificationPage { items, next_before })
    }
}

/// Puts a dead notification back in the queue with its attempts reset (admins only),
/// after the cause was fixed (a corrected address, restored credentials).
#[derive(Clone)]
pub struct RetryNotification {
    store: Arc<dyn NotificationRepository>,
    clock: Arc<dyn Clock>,
}

impl RetryNotification {
    /// Wires the use case.
    pub fn new(store: Arc<dyn NotificationRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Requeues; 404 when there is no such notification, 409 `notification_not_dead`
    /// when it is pending or sent.
    pub async fn execute(&self, actor: Actor, id: i64) -> Result<Notification, AppError> {
        require_admin(&actor, ADMINS_ONLY)?;
        if self.store.requeue(id, self.clock.now()).await? {
            return self
                .store
                .get_notification(id)
                .await?
                .ok_or(AppError::NotFound("notification"));
        }
        match self.store.get_notification(id).await? {
            None => Err(AppError::NotFound("notification")),
            Some(n) => Err(AppError::Conflict {
                code: "notification_not_dead",
                message: format!("notification {id} is {}; only dead ones are retried", n.status.as_str()),
            }),
        }
    }
}
