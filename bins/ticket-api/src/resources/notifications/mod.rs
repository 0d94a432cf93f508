//! The notifications (admins): what is waiting, what went out, what was given up.

pub mod dto;

use actix_web::{HttpResponse, web};
use application::notifications::{ListNotifications, NotificationListInput, RetryNotification};
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::Authenticated;
use crate::problem::{ApiError, ReadErrors, WriteErrors};
use dto::{NotificationList, NotificationQuery, NotificationResponse};

/// `/api/v1/notifications`
pub const NOTIFICATIONS: &str = "/notifications";
/// `/api/v1/notifications/{id}/retry`
pub const NOTIFICATIONS_ID_RETRY: &str = "/notifications/{id}/retry";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `GET /notifications`
    pub list_notifications: ListNotifications,
    /// `POST /notifications/{id}/retry`
    pub retry_notification: RetryNotification,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            list_notifications: ListNotifications::new(ctx.db.clone()),
            retry_notification: RetryNotification::new(ctx.db.clone(), ctx.clock.clone()),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(NOTIFICATIONS, "GET").route(web::get().to(list)));
    cfg.service(resource(NOTIFICATIONS_ID_RETRY, "POST").route(web::post().to(retry)));
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, retry))]
pub struct Doc;

/// Notifications, newest first, optionally of one status (admins).
#[utoipa::path(get, path = NOTIFICATIONS, context_path = API, tag = "notifications", security(("bearer" = [])),
    params(NotificationQuery),
    responses((status = 200, description = "A page of notifications", body = NotificationList), ReadErrors))]
pub async fn list(
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = cases
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
#[utoipa::path(post, path = NOTIFICATIONS_ID_RETRY, context_path = API, tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The notification")),
    responses((status = 200, description = "Queued again", body = NotificationResponse), WriteErrors))]
pub async fn retry(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let n = cases
        .retry_notification
        .execute(caller.0.actor(), id.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(NotificationResponse::from(&n)))
}
