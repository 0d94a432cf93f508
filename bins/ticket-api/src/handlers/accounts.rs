//! `POST /customers`, `POST /agents`.

use actix_web::HttpResponse;
use application::accounts::NewAccountInput;
use domain::Role;

use super::State;
use crate::dto::{CreateAgentRequest, CreateCustomerRequest, UserResponse};
use crate::extract::{Authenticated, MaybeAuthenticated};
use crate::openapi::WriteErrors;
use crate::problem::{ApiError, JsonBody};

/// Creates a customer account: staff create customers; anyone may when
/// self-registration is configured on.
#[utoipa::path(post, path = "/api/v1/customers", tag = "accounts", request_body = CreateCustomerRequest,
    security(("bearer" = []), ()),
    responses((status = 201, description = "Created", body = UserResponse), WriteErrors))]
pub async fn create_customer(
    state: State,
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
    let account = state.create_account.execute(actor, input).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(&account)))
}

/// Creates a staff account (admins only).
#[utoipa::path(post, path = "/api/v1/agents", tag = "accounts", request_body = CreateAgentRequest,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = UserResponse), WriteErrors))]
pub async fn create_agent(
    state: State,
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
    let account = state.create_account.execute(Some(caller.0.actor()), input).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(&account)))
}
