//! The notification endpoints (admins): what is waiting, what went out, what was given up.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use application::notifications::NotificationListInput;
use application::ports::Notification;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use crate::dto::instant;
use crate::extract::Authenticated;
use crate::openapi::{ReadErrors, WriteErrors};
use crate::problem::ApiError;

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

/// Notifications, newest first, optionally of one status (admins).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(NotificationQuery),
    responses((status = 200, description = "A page of notifications", body = NotificationList), ReadErrors))]
pub async fn list(
    state: State,
    caller: Authenticated,
    query: web::Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = state
        .list_notifications
        .execute(
            caller.0.actor(),
            NotificationListInput {
                status: q.status,
                before: q.before,
                limit: q.limit,
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(NotificationList {
        next_before: page.next_before,
        items: page.items.iter().map(NotificationResponse::from).collect(),
    }))
}

/// Puts a dead notification back in the queue with its attempts reset (admins): 409
/// `notification_not_dead` for one that is pending or sent.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The notification")),
    responses((status = 200, description = "Queued again", body = NotificationResponse), WriteErrors))]
pub async fn retry(state: State, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let n = state
        .retry_notification
        .execute(caller.0.actor(), id.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(NotificationResponse::from(&n)))
}

/// `PUT /me/contact`: how texts reach the caller.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// A phone number in international form (`+4930123456`); `null` removes it. Required:
    /// `PUT` replaces both.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true)]
    pub phone: Option<String>,
    /// Whether text messages may be sent to it (needs a number).
    #[serde(default)]
    pub sms_opt_in: bool,
}

/// The caller's contact details for notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    /// Where e-mail goes.
    pub email: String,
    /// The phone number, E.164.
    pub phone: Option<String>,
    /// Whether texts may be sent to it.
    pub sms_opt_in: bool,
}

impl From<application::ports::Contact> for ContactResponse {
    fn from(c: application::ports::Contact) -> Self {
        Self {
            email: c.email,
            phone: c.phone,
            sms_opt_in: c.sms_opt_in,
        }
    }
}

/// The caller's e-mail address, phone number and SMS consent.
#[utoipa::path(get, path = "/api/v1/me/contact", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "How notifications reach the caller", body = ContactResponse), ReadErrors))]
pub async fn contact(state: State, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let c = state.my_contact.get(caller.0.actor()).await?;
    Ok(HttpResponse::Ok().json(ContactResponse::from(c)))
}

/// Sets the caller's phone number and SMS consent (any signed-in user): texts reach them
/// only with both. 422 for a number not in international form, or consent without one.
#[utoipa::path(put, path = "/api/v1/me/contact", tag = "notifications", request_body = ContactRequest,
    security(("bearer" = [])),
    responses((status = 200, description = "Stored", body = ContactResponse), WriteErrors))]
pub async fn set_contact(
    state: State,
    caller: Authenticated,
    body: crate::problem::JsonBody<ContactRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = application::notifications::ContactInput {
        phone: body.0.phone,
        sms_opt_in: body.0.sms_opt_in,
    };
    let c = state.my_contact.set(caller.0.actor(), input).await?;
    Ok(HttpResponse::Ok().json(ContactResponse::from(c)))
}
