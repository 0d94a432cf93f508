//! `POST /auth/login`, `POST /auth/logout`, `GET /me`.

use actix_web::{HttpRequest, HttpResponse};

use super::State;
use crate::dto::{LoginRequest, LoginResponse, UserResponse, instant};
use crate::extract::{Authenticated, bearer_token};
use crate::openapi::{AuthErrors, ReadErrors};
use crate::problem::{ApiError, JsonBody};

/// Exchanges e-mail and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Logged in", body = LoginResponse), AuthErrors))]
pub async fn login(state: State, body: JsonBody<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let outcome = state.login.execute(&body.0.email, &body.0.password).await?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: outcome.token,
        expires_at: instant(outcome.expires_at),
        principal: UserResponse::from(&outcome.principal),
    }))
}

/// Revokes the presented token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Logged out; the token no longer works"), ReadErrors))]
pub async fn logout(state: State, req: HttpRequest, _caller: Authenticated) -> Result<HttpResponse, ApiError> {
    if let Some(Ok(token)) = bearer_token(&req) {
        state.logout.execute(&token).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = UserResponse), ReadErrors))]
pub async fn me(caller: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse::from(&caller.0))
}
