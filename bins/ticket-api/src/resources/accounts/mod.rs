//! Accounts and the caller's own: logging in and out, `/me`, `/me/contact` and
//! `/me/password`, creating customer and staff accounts, password resets, and the roster
//! of agents (`GET /agents`, here because `/agents` is this resource's path).

pub mod dto;

use actix_web::{HttpRequest, HttpResponse, web};
use application::accounts::{
    ChangePassword, CreateAccount, NewAccountInput, PasswordChange, RequestPasswordReset, ResetPassword, ResetSettings,
    SignUp, SignUpInput, SignUpSettings, VerifyEmail,
};
use application::agents::ListAgents;
use application::auth::{Login, Logout};
use application::notifications::MyContact;
use domain::Role;
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::{Authenticated, ClientAddr, MaybeAuthenticated, bearer_token};
use crate::shared::{escape, json_or_form};
use crate::problem::{ApiError, AuthErrors, JsonBody, ReadErrors, SignUpErrors, WriteErrors};
use domain::UserId;
use crate::shared::instant;
use dto::{
    ChangePasswordRequest, ContactRequest, ContactResponse, CreateAgentRequest, CreateCustomerRequest, LoginRequest,
    LoginResponse, PasswordResetRequest, PasswordResetRequested, PasswordResetSent, ResetLinkQuery,
    ResetPasswordRequest, RosterAgent, RosterResponse, SignUpResponse, UserResponse, VerifyEmailRequest,
};

/// `/api/v1/auth/login`
pub const AUTH_LOGIN: &str = "/auth/login";
/// `/api/v1/auth/logout`
pub const AUTH_LOGOUT: &str = "/auth/logout";
/// `/api/v1/auth/verify-email`
pub const AUTH_VERIFY_EMAIL: &str = "/auth/verify-email";
/// `/api/v1/me`
pub const ME: &str = "/me";
/// `/api/v1/me/contact`
pub const ME_CONTACT: &str = "/me/contact";
/// `/api/v1/customers`
pub const CUSTOMERS: &str = "/customers";
/// `/api/v1/agents`
pub const AGENTS: &str = "/agents";
/// `/api/v1/me/password`
pub const ME_PASSWORD: &str = "/me/password";
/// `/api/v1/auth/password-reset/request`
pub const AUTH_RESET_REQUEST: &str = "/auth/password-reset/request";
/// `/api/v1/auth/password-reset` (the link's page, and where it posts)
pub const AUTH_RESET: &str = "/auth/password-reset";
/// `/api/v1/users/{id}/password-reset`
pub const USER_PASSWORD_RESET: &str = "/users/{id}/password-reset";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `POST /auth/login`
    pub login: Login,
    /// `POST /auth/logout`
    pub logout: Logout,
    /// `POST /customers` by staff, `POST /agents`
    pub create_account: CreateAccount,
    /// `POST /customers` by anonymous callers
    pub sign_up: SignUp,
    /// `/auth/verify-email`
    pub verify_email: VerifyEmail,
    /// `GET`/`PUT /me/contact`
    pub my_contact: MyContact,
    /// `GET /agents`
    pub list_agents: ListAgents,
    /// `POST /me/password`
    pub change_password: ChangePassword,
    /// `POST /auth/password-reset/request`, `POST /users/{id}/password-reset`
    pub request_reset: RequestPasswordReset,
    /// `POST /auth/password-reset`
    pub reset_password: ResetPassword,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            login: ctx.login.clone(),
            logout: Logout::new(ctx.db.clone(), ctx.tokens.clone(), ctx.clock.clone()),
            create_account: ctx.create_account(),
            sign_up: SignUp::new(
                ctx.db.clone(),
                ctx.db.clone(),
                ctx.hasher.clone(),
                ctx.tokens.clone(),
                ctx.clock.clone(),
                ctx.settings.throttle_policy(),
                SignUpSettings {
                    enabled: ctx.settings.auth.self_registration,
                    verify_url: format!(
                        "{}{API}{AUTH_VERIFY_EMAIL}",
                        ctx.settings.http.public_url.trim_end_matches('/')
                    ),
                    token_ttl_seconds: ctx.settings.auth.email_verification_hours.saturating_mul(3600),
                },
            ),
            verify_email: VerifyEmail::new(ctx.db.clone(), ctx.tokens.clone(), ctx.clock.clone()),
            my_contact: MyContact::new(ctx.db.clone()),
            list_agents: ListAgents::new(ctx.db.clone(), ctx.clock.clone()),
            change_password: ChangePassword::new(
                ctx.db.clone(),
                ctx.db.clone(),
                ctx.hasher.clone(),
                ctx.tokens.clone(),
                ctx.db.clone(),
                ctx.clock.clone(),
                ctx.settings.throttle_policy(),
            ),
            request_reset: RequestPasswordReset::new(
                ctx.db.clone(),
                ctx.db.clone(),
                ctx.tokens.clone(),
                ctx.db.clone(),
                ctx.clock.clone(),
                ctx.settings.throttle_policy(),
                ResetSettings {
                    reset_url: format!(
                        "{}{API}{AUTH_RESET}",
                        ctx.settings.http.public_url.trim_end_matches('/')
                    ),
                    token_ttl_seconds: ctx.settings.auth.password_reset_minutes.saturating_mul(60),
                },
            ),
            reset_password: ResetPassword::new(
                ctx.db.clone(),
                ctx.db.clone(),
                ctx.db.clone(),
                ctx.hasher.clone(),
                ctx.tokens.clone(),
                ctx.db.clone(),
                ctx.clock.clone(),
                ctx.settings.throttle_policy(),
            ),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
    cfg.service(resource(AUTH_LOGIN, "POST").route(web::post().to(login)));
    cfg.service(resource(AUTH_LOGOUT, "POST").route(web::post().to(logout)));
    cfg.service(
        resource(AUTH_VERIFY_EMAIL, "GET, POST")
            .route(web::get().to(verify_email_page))
            .route(web::post().to(verify_email)),
    );
    cfg.service(resource(ME, "GET").route(web::get().to(me)));
    cfg.service(
        resource(ME_CONTACT, "GET, PUT")
            .route(web::get().to(contact))
            .route(web::put().to(set_contact)),
    );
    cfg.service(resource(CUSTOMERS, "POST").route(web::post().to(create_customer)));
    cfg.service(
        resource(AGENTS, "GET, POST")
            .route(web::get().to(list_agents))
            .route(web::post().to(create_agent)),
    );
    cfg.service(resource(ME_PASSWORD, "POST").route(web::post().to(change_password)));
    cfg.service(resource(AUTH_RESET_REQUEST, "POST").route(web::post().to(request_password_reset)));
    cfg.service(
        resource(AUTH_RESET, "GET, POST")
            .route(web::get().to(reset_password_page))
            .route(web::post().to(reset_password)),
    );
    cfg.service(resource(USER_PASSWORD_RESET, "POST").route(web::post().to(send_password_reset)));
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(
    login,
    logout,
    verify_email_page,
    verify_email,
    me,
    create_customer,
    create_agent,
    list_agents,
    contact,
    set_contact,
    change_password,
    request_password_reset,
    reset_password_page,
    reset_password,
    send_password_reset
))]
pub struct Doc;

/// Exchanges e-mail and password for a bearer token.
#[utoipa::path(post, path = AUTH_LOGIN, context_path = API, tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Logged in", body = LoginResponse), AuthErrors))]
pub async fn login(
    cases: web::Data<Cases>,
    client: ClientAddr,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let outcome = cases.login.execute(&body.0.email, &body.0.password, &client.0).await?;
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

/// Creates a customer account. Staff get the account (201). With self-registration on,
/// anyone may sign up (202): the account can log in once the address is verified through
/// the e-mailed link, and the answer is the same whether or not the address has an
/// account. Anonymous sign-ups are limited per client address (429).
#[utoipa::path(post, path = CUSTOMERS, context_path = API, tag = "accounts", request_body = CreateCustomerRequest,
    security(("bearer" = []), ()),
    responses(
        (status = 201, description = "Created by staff", body = UserResponse),
        (status = 202, description = "Signed up; a verification e-mail is on its way", body = SignUpResponse),
        SignUpErrors))]
pub async fn create_customer(
    cases: web::Data<Cases>,
    caller: MaybeAuthenticated,
    client: ClientAddr,
    body: JsonBody<CreateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let Some(caller) = caller.0 else {
        let input = SignUpInput {
            email: body.email,
            display_name: body.display_name,
            password: body.password,
        };
        cases.sign_up.execute(input, &client.0).await?;
        return Ok(HttpResponse::Accepted().json(SignUpResponse {
            status: "verification_sent",
            detail: "if the address can be used, a message with a link to confirm it is on its way",
        }));
    };
    let input = NewAccountInput {
        email: body.email,
        display_name: body.display_name,
        password: body.password,
        role: Role::Customer,
    };
    let account = cases.create_account.execute(Some(caller.actor()), input).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(&account)))
}

/// Verifies a self-registered address with the token from the e-mailed link; the
/// account can log in from then on. Accepts JSON or the form of the page `GET` serves.
#[utoipa::path(post, path = AUTH_VERIFY_EMAIL, context_path = API, tag = "auth",
    request_body(content = VerifyEmailRequest, content_type = "application/json"),
    responses((status = 200, description = "Verified; the account is active", body = UserResponse), AuthErrors))]
pub async fn verify_email(
    cases: web::Data<Cases>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (VerifyEmailRequest { token }, form) =
        json_or_form(&req, &body, || ApiError::field("token", "is required"))?;
    let account = cases.verify_email.execute(&token).await?;
    if form {
        return Ok(page(
            "Address confirmed",
            "<p>Thank you: your address is confirmed and your account is active. You can log in now.</p>",
        ));
    }
    Ok(HttpResponse::Ok().json(UserResponse::from(&account)))
}

/// The page a verification link opens: a button that confirms the address. Opening
/// the link changes nothing by itself, since mail scanners follow links.
#[utoipa::path(get, path = AUTH_VERIFY_EMAIL, context_path = API, tag = "auth", params(VerifyEmailRequest),
    responses((status = 200, description = "A page with a button that confirms the address", content_type = "text/html")))]
pub async fn verify_email_page(req: HttpRequest) -> HttpResponse {
    let token = web::Query::<VerifyEmailRequest>::from_query(req.query_string())
        .map(|q| q.into_inner().token)
        .unwrap_or_default();
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(256)
        .collect();
    page(
        "Confirm your e-mail address",
        &format!(
            "<p>Confirm the address you signed up with to activate your account.</p>\
             <form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
             <button type=\"submit\">Confirm my address</button></form>"
        ),
    )
}

/// A minimal page (see [`crate::shared::html_page`]).
fn page(title: &str, body: &str) -> HttpResponse {
    crate::shared::html_page(actix_web::http::StatusCode::OK, title, body)
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

/// Every active agent with profile, skills, availability, capacity and open load by
/// priority (staff; customers 403), by id.
#[utoipa::path(get, path = AGENTS, context_path = API, tag = "agents", security(("bearer" = [])),
    responses((status = 200, description = "The roster", body = RosterResponse), ReadErrors))]
pub async fn list_agents(cases: web::Data<Cases>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let roster = cases.list_agents.execute(caller.0.actor()).await?;
    Ok(HttpResponse::Ok().json(RosterResponse {
        items: roster.iter().map(RosterAgent::from).collect(),
    }))
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

/// Changes the caller's password (any signed-in user). The current password is checked
/// like a login and counts against the same limits (429), so a stolen token does not
/// help guess it; a wrong one is 422 with `code` `wrong_password` on `current_password`.
/// The new one must meet the password policy (422 naming the rule in `code`). Every
/// other session of the caller is revoked in the same commit; this token keeps working.
#[utoipa::path(post, path = ME_PASSWORD, context_path = API, tag = "auth", request_body = ChangePasswordRequest,
    security(("bearer" = [])),
    responses((status = 204, description = "Changed; the caller's other sessions are revoked"), SignUpErrors))]
pub async fn change_password(
    cases: web::Data<Cases>,
    req: HttpRequest,
    caller: Authenticated,
    client: ClientAddr,
    body: JsonBody<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = match bearer_token(&req) {
        Some(Ok(token)) => token,
        Some(Err(e)) => return Err(e),
        None => return Err(ApiError::unauthenticated("a bearer token is required")),
    };
    let change = PasswordChange {
        current_password: body.0.current_password,
        new_password: body.0.new_password,
    };
    cases
        .change_password
        .execute(&caller.0.account, &token, change, &client.0)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Asks for a password reset link. The answer is the same (202, same body) whether or
/// not the address has an account; when it has an active one, a single-use link valid
/// `auth.password_reset_minutes` is e-mailed to it. Limited per address and per client
/// address (429).
#[utoipa::path(post, path = AUTH_RESET_REQUEST, context_path = API, tag = "auth", request_body = PasswordResetRequest,
    responses((status = 202, description = "Taken; a link is on its way if the address has an account", body = PasswordResetRequested),
        AuthErrors))]
pub async fn request_password_reset(
    cases: web::Data<Cases>,
    client: ClientAddr,
    body: JsonBody<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    cases.request_reset.execute(&body.0.email, &client.0).await?;
    Ok(HttpResponse::Accepted().json(PasswordResetRequested {
        status: "reset_requested",
        detail: "if the address has an account, a message with a link to choose a new password is on its way",
    }))
}

/// Sets a new password with the token of an e-mailed reset link (JSON, or the form of
/// the page `GET` serves). The token works once and until it expires (else 422 with
/// `code` `invalid_token` on `token`); the new password must meet the policy. Every
/// session of the account is revoked. Limited per client address (429).
#[utoipa::path(post, path = AUTH_RESET, context_path = API, tag = "auth",
    request_body(content = ResetPasswordRequest, content_type = "application/json"),
    responses((status = 204, description = "The password is set; every session of the account is revoked"), AuthErrors))]
pub async fn reset_password(
    cases: web::Data<Cases>,
    req: HttpRequest,
    client: ClientAddr,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (input, form): (ResetPasswordRequest, bool) =
        json_or_form(&req, &body, || ApiError::field("new_password", "and token are required"))?;
    let outcome = cases
        .reset_password
        .execute(&input.token, &input.new_password, &client.0)
        .await;
    if form {
        return match outcome {
            Ok(_) => Ok(page(
                "Password changed",
                "<p>Your new password is set, and every session of your account has been logged out. \
                 You can log in with the new password now.</p>",
            )),
            Err(application::AppError::Invalid(fields)) => {
                let reasons: String = fields
                    .iter()
                    .map(|f| format!("<li>{}: {}</li>", escape(&f.field), escape(&f.message)))
                    .collect();
                let mut response = page(
                    "Password not changed",
                    &format!("<ul>{reasons}</ul><p>Go back to the link to try again, or ask for a new one.</p>"),
                );
                *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
                Ok(response)
            }
            Err(e) => Err(e.into()),
        };
    }
    outcome?;
    Ok(HttpResponse::NoContent().finish())
}

/// The page a reset link opens: a form for the new password, posted back with the token.
/// Opening the link changes nothing by itself.
#[utoipa::path(get, path = AUTH_RESET, context_path = API, tag = "auth", params(ResetLinkQuery),
    responses((status = 200, description = "A page with a form to choose a new password", content_type = "text/html")))]
pub async fn reset_password_page(req: HttpRequest) -> HttpResponse {
    let token = web::Query::<ResetLinkQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().token)
        .unwrap_or_default();
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(256)
        .collect();
    page(
        "Choose a new password",
        &format!(
            "<p>Choose a new password for your account: at least 12 characters, not your e-mail address, \
             not a common password. Setting it logs out every session of your account.</p>\
             <form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{token}\">\
             <label>New password <input type=\"password\" name=\"new_password\" autocomplete=\"new-password\" \
             minlength=\"12\" maxlength=\"256\" required></label> \
             <button type=\"submit\">Set my password</button></form>"
        ),
    )
}

/// E-mails a password reset link to a user (admins only): the same e-mail as a request
/// for their address. 404 for no such user, 409 `user_inactive` for an inactive account.
#[utoipa::path(post, path = USER_PASSWORD_RESET, context_path = API, tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 202, description = "The e-mail is on its way", body = PasswordResetSent), WriteErrors))]
pub async fn send_password_reset(
    cases: web::Data<Cases>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    cases
        .request_reset
        .for_user(&caller.0.actor(), UserId::new(*id))
        .await?;
    Ok(HttpResponse::Accepted().json(PasswordResetSent { status: "reset_sent" }))
}
