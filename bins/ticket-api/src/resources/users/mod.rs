//! People: listing, reading and changing accounts (roles, deactivation).

pub mod dto;

use actix_web::{HttpResponse, web};
use application::accounts::{GetUser, ListUsers, UpdateUser, UserChanges, UserListInput};
use domain::UserId;
use domain::user::ChangedBy;
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::cursor;
use crate::extract::Authenticated;
use crate::problem::{ApiError, JsonBody, ReadErrors, WriteErrors};
use dto::{UpdateUserRequest, UserItem, UserListQuery, UserPage, UserUpdatedResponse};

/// `/api/v1/users`
pub const USERS: &str = "/users";
/// `/api/v1/users/{id}`
pub const USERS_ID: &str = "/users/{id}";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `GET /users`
    pub list: ListUsers,
    /// `GET /users/{id}`
    pub get: GetUser,
    /// `PATCH /users/{id}`
    pub update: UpdateUser,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            list: ListUsers::new(ctx.db.clone()),
            get: GetUser::new(ctx.db.clone()),
            update: UpdateUser::new(ctx.tickets.clone()),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(USERS, "GET").route(web::get().to(list)));
    cfg.service(
        resource(USERS_ID, "GET, PATCH")
            .route(web::get().to(get))
            .route(web::patch().to(update)),
    );
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, get, update))]
pub struct Doc;

/// Lists accounts, newest first: admins every account, agents and supervisors customers
/// only (asking for another role is 403), customers nobody (403).
#[utoipa::path(get, path = USERS, context_path = API, tag = "users", security(("bearer" = [])),
    params(UserListQuery),
    responses((status = 200, description = "A page of accounts", body = UserPage), ReadErrors))]
pub async fn list(
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let input = UserListInput {
        role: q.role,
        active: q.active,
        q: q.q,
        limit: q.limit,
        after: q
            .cursor
            .as_deref()
            .map(|c| cursor::decode_id("u", c))
            .transpose()?
            .map(UserId::new),
    };
    let page = cases.list.execute(caller.0.actor(), input).await?;
    Ok(HttpResponse::Ok().json(UserPage {
        items: page.items.iter().map(UserItem::from).collect(),
        next_cursor: page.next.map(|id| cursor::encode_id("u", id.get())),
    }))
}

/// Reads an account by the rule of the list: one the caller may not list is 404.
#[utoipa::path(get, path = USERS_ID, context_path = API, tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    responses((status = 200, description = "The account", body = UserItem), ReadErrors))]
pub async fn get(cases: web::Data<Cases>, caller: Authenticated, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let user = cases.get.execute(caller.0.actor(), *id).await?;
    Ok(HttpResponse::Ok().json(UserItem::from(&user)))
}

/// Changes an account (admins), checked as a whole: every invalid field in one 422,
/// nothing changed on any error. Roles change among staff roles only (customer ↔ staff
/// is 422); the last active admin cannot be deactivated or demoted (409 `last_admin`).
/// Deactivating ends every session at once; a staff member deactivated (or an agent
/// given another role) goes offline and their open tickets return to the queue, each with
/// a history entry giving the reason. Reactivating restores login only.
#[utoipa::path(patch, path = USERS_ID, context_path = API, tag = "users", request_body = UpdateUserRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    responses((status = 200, description = "The account as changed", body = UserUpdatedResponse), WriteErrors))]
pub async fn update(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<i64>,
    body: JsonBody<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let changes = UserChanges {
        display_name: b.display_name,
        role: b.role,
        active: b.active,
    };
    let done = cases
        .update
        .execute(ChangedBy::User(caller.0.actor()), *id, changes)
        .await?;
    Ok(HttpResponse::Ok().json(UserUpdatedResponse {
        user: UserItem::from(&done.user),
        released_tickets: done.released_tickets,
    }))
}
