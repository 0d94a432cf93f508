//! Accounts and the caller's own: logging in and out, `/me` and `/me/contact`, and
//! creating customer and staff accounts.

pub mod dto;

use actix_web::{HttpRequest, HttpResponse, web};
use application::accounts::{CreateAccount, NewAccountInput};
use application::auth::{Login, Logout};
use application::notifications::MyContact;
use domain::Role;
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::{Authenticated, MaybeAuthenticated, bearer_token};
use crate::problem::{ApiError, AuthErrors, JsonBody, ReadErrors, WriteErrors};
use crate::shared::instant;
use dto::{
    ContactRequest, ContactResponse, CreateAgentRequest, CreateCustomerRequest, LoginRequest, LoginResponse,
    UserResponse,
};

/// `/api/v1/auth/login`
pub const AUTH_LOGIN: &str = "/auth/login";
/// `/api/v1/auth/logout`
pub const AUTH_LOGOUT: &str = "/auth/logout";
/// `/api/v1/me`
pub const ME: &str = "/me";
/// `/api/v1/me/contact`
pub const ME_CONTACT: &str = "/me/contact";
/// `/api/v1/customers`
pub const CUSTOMERS: &str = "/customers";
/// `/api/v1/agents`
pub const AGENTS: &str = "/agents";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `POST /auth/login`
    pub login: Login,
    /// `POST /auth/logout`
    pub logout: Logout,
    /// `POST /customers`, `POST /agents`
    pub create_account: CreateAccount,
    /// `GET`/`PUT /me/contact`
    pub my_contact: MyContact,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            login: Login::new(
                ctx.db.clone(),
                ctx.db.clone(),
                ctx.hasher.clone(),
                ctx.tokens.clone(),
                ctx.clock.clone(),
                ctx.settings.auth.token_ttl_minutes * 60,
                ctx.login_throttle.clone(),
            ),
            logout: Logout::new(ctx.db.clone(), ctx.tokens.clone(), ctx.clock.clone()),
            create_account: ctx.create_account(),
            my_contact: MyContact::new(ctx.db.clone()),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(AUTH_LOGIN, "POST").route(web::post().to(login)));
    cfg.service(resource(AUTH_LOGOUT, "POST").route(web::post().to(logout)));
    cfg.service(resource(ME, "GET").route(web::get().to(me)));
    cfg.service(
        resource(ME_CONTACT, "GET, PUT")
            .route(web::get().to(contact))
            .route(web::put().to(set_contact)),
    );
    cfg.service(resource(CUSTOMERS, "POST").route(web::post().to(create_customer)));
    cfg.service(resource(AGENTS, "POST").route(web::post().to(create_agent)));
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(login, logout, me, create_customer, create_agent, contact, set_contact))]
pub struct Doc;

/// Exchanges e-mail and password for a bearer token.
#[utoipa::path(post, path = AUTH_LOGIN, context_path = API, tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Logged in", body = LoginResponse), AuthErrors))]
pub async fn login(cases: web::Data<Cases>, body: JsonBody<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let outcome = cases.login.execute(&body.0.email, &body.0.password).await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: outcome.token,
        expires_at: instant(outcome.expires_at),
        principal: UserResponse::from(&outcome.principal),
    }))
}

/// Revokes the presented token.
#[utoipa::path(post, path = AUTH_LOGOUT, context_path = API, tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Logged out; the token no longer works"), ReadErrors))]
pub async fn logout(cases: web::Data<Cases>, req: HttpRequest, _caller: Authenticated) -> Result<HttpResponse, ApiError> {
    if let Some(Ok(token)) = bearer_token(&req) {
        cases.logout.execute(&token).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account.
#[utoipa::path(get, path = ME, context_path = API, tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = UserResponse), ReadErrors))]
pub async fn me(caller: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse::from(&caller.0))
}

/// Creates a customer account: staff create customers; anyone may when
/// self-registration is configured on.
#[utoipa::path(post, path = CUSTOMERS, context_path = API, tag = "accounts", request_body = CreateCustomerRequest,
    security(("bearer" = []), ()),
    responses((status = 201, description = "Created", body = UserResponse), WriteErrors))]
pub async fn create_customer(
    cases: web::Data<Cases>,
    caller: MaybeAuthenticated,
    body: JsonBody<CreateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let input = NewAccountInput {
        email: body.email,
        display_name: body.display_name,
        password: body.password,
        role: Role::Customer,
    };
    let actor = caller.0.as_ref().map(|p| p.actor());
    let account = cases.create_account.execute(actor, input).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(&account)))
}

/// Creates a staff account (admins only).
#[utoipa::path(post, path = AGENTS, context_path = API, tag = "accounts", request_body = CreateAgentRequest,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = UserResponse), WriteErrors))]
pub async fn create_agent(
    cases: web::Data<Cases>,
    caller: Authenticated,
    body: JsonBody<CreateAgentRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let role = match body.role.as_deref() {
        None => Role::Agent,
        Some(raw) => match Role::parse(raw) {
            Ok(role) if role.is_staff() => role,
            _ => return Err(ApiError::field("role", "must be one of: agent, supervisor, admin")),
        },
    };
    let input = NewAccountInput {
        email: body.email,
        display_name: body.display_name,
        password: body.password,
        role,
    };
    let account = cases.create_account.execute(Some(caller.0.actor()), input).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(&account)))
}

/// The caller's e-mail address, phone number and SMS consent.
#[utoipa::path(get, path = ME_CONTACT, context_path = API, tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "How notifications reach the caller", body = ContactResponse), ReadErrors))]
pub async fn contact(cases: web::Data<Cases>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let c = cases.my_contact.get(caller.0.actor()).await?;
    Ok(HttpResponse::Ok().json(ContactResponse::from(c)))
}

/// Sets the caller's phone number and SMS consent (any signed-in user): texts reach them
/// only with both. 422 for a number not in international form, or consent without one.
#[utoipa::path(put, path = ME_CONTACT, context_path = API, tag = "notifications", request_body = ContactRequest,
    security(("bearer" = [])),
    responses((status = 200, description = "Stored", body = ContactResponse), WriteErrors))]
pub async fn set_contact(
    cases: web::Data<Cases>,
    caller: Authenticated,
    body: crate::problem::JsonBody<ContactRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = application::notifications::ContactInput {
        phone: body.0.phone,
        sms_opt_in: body.0.sms_opt_in,
    };
    let c = cases.my_contact.set(caller.0.actor(), input).await?;
    Ok(HttpResponse::Ok().json(ContactResponse::from(c)))
}
