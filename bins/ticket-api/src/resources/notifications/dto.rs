//! The JSON bodies and query strings of the notifications endpoints.

use std::collections::BTreeMap;

use application::ports::Notification;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::shared::instant;

/// Query of `GET /notifications`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// `pending`, `sent` or `dead`; all when absent.
    pub status: Option<String>,
    /// The previous page's `next_before`.
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// Page size, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// A notification: one message to one recipient on one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationResponse {
    /// Its id.
    pub id: i64,
    /// `pending`, `sent` or `dead`.
    pub status: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The template.
    pub template: String,
    /// The user it goes to.
    pub recipient_id: Option<i64>,
    /// Their name.
    pub recipient_name: Option<String>,
    /// The e-mail address or phone number.
    pub address: String,
    /// The ticket it is about.
    pub ticket_id: Option<i64>,
    /// The outbox event it comes from.
    pub event_id: Option<i64>,
    /// Stable per message; providers see it, a resend after a crash carries the same.
    pub idempotency_key: String,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending ones).
    pub next_attempt_at: Option<String>,
    /// Why the last attempt failed, or why it was given up.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: String,
    /// When the provider accepted it.
    pub sent_at: Option<String>,
    /// The values the template is rendered with.
    pub context: BTreeMap<String, String>,
}

impl From<&Notification> for NotificationResponse {
    fn from(n: &Notification) -> Self {
        let pending = n.status == application::ports::NotificationStatus::Pending;
        Self {
            id: n.id,
            status: n.status.as_str().to_owned(),
            channel: n.spec.channel.as_str().to_owned(),
            template: n.spec.template.clone(),
            recipient_id: n.spec.recipient_id.map(domain::UserId::get),
            recipient_name: n.spec.recipient_name.clone(),
            address: n.spec.address.clone(),
            ticket_id: n.spec.ticket_id.map(domain::TicketId::get),
            event_id: n.spec.event_id,
            idempotency_key: n.spec.idempotency_key.clone(),
            attempts: n.attempts,
            next_attempt_at: pending.then(|| instant(n.next_attempt_at)),
            last_error: n.last_error.clone(),
            created_at: instant(n.spec.at),
            sent_at: n.sent_at.map(instant),
            context: n.spec.context.clone(),
        }
    }
}

/// A page of notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    /// Newest first.
    pub items: Vec<NotificationResponse>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<i64>,
}
