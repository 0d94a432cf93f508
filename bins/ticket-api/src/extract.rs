//! Request extractors: the authenticated caller and the conditional-request headers.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use std::net::{IpAddr, Ipv4Addr};

use application::auth::{ClientKey, Principal};
use futures_util::future::LocalBoxFuture;

use crate::compose::Edge;
use crate::problem::ApiError;

/// The longest bearer token looked up; anything longer cannot be one of ours.
const MAX_TOKEN_LEN: usize = 256;

/// The caller, authenticated by `Authorization: Bearer <token>`; 401 otherwise.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

/// The caller if a token is presented (a presented token must be valid), else `None`.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Principal>);

/// Where the request comes from, as the login and sign-up limits count it: the peer
/// address, or the `X-Forwarded-For` client when the peer is a trusted proxy.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub ClientKey);

impl FromRequest for ClientAddr {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Without a socket address (only in-process tests) every request is one client.
        let peer = req.peer_addr().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        let ip = match req.app_data::<web::Data<Edge>>() {
            Some(edge) => edge.proxies.client(peer, forwarded),
            None => peer,
        };
        std::future::ready(Ok(ClientAddr(ClientKey::from_ip(ip))))
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer_token(req: &HttpRequest) -> Option<Result<String, ApiError>> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let parsed = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned())
        .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN_LEN);
    Some(parsed.ok_or_else(|| ApiError::unauthenticated("the Authorization header must be `Bearer <token>`")))
}

async fn authenticate(edge: Option<web::Data<Edge>>, token: String) -> Result<Principal, ApiError> {
    let edge = edge.ok_or_else(|| ApiError::from(application::AppError::Internal("state missing".into())))?;
    edge.authenticate.execute(&token).await.map_err(|e| match e {
        application::AppError::Unauthenticated => ApiError::unauthenticated("the token is unknown, expired or revoked"),
        other => other.into(),
    })
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let edge = req.app_data::<web::Data<Edge>>().cloned();
        Box::pin(async move {
            let token = token.unwrap_or_else(|| Err(ApiError::unauthenticated("a bearer token is required")))?;
            authenticate(edge, token).await.map(Authenticated)
        })
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let edge = req.app_data::<web::Data<Edge>>().cloned();
        Box::pin(async move {
            match token {
                None => Ok(MaybeAuthenticated(None)),
                Some(token) => authenticate(edge, token?).await.map(|p| MaybeAuthenticated(Some(p))),
            }
        })
    }
}

/// The version named by `If-Match` (`"3"`); `None` when absent or `*`.
///
/// Our ETags are strong, and `If-Match` compares strongly (RFC 9110), so a weak tag
/// (`W/"3"`) can never match: it is passed on as version -1, which answers 412. A list
/// of several tags is refused, since one request changes one known version.
pub fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::bad_request(
            "invalid_if_match",
            "If-Match must be one ETag of this API, such as \"3\"",
        )
    };
    let raw = value.to_str().map_err(|_| invalid())?.trim();
    if raw == "*" {
        return Ok(None);
    }
    if raw.contains(',') {
        return Err(invalid());
    }
    if raw.starts_with("W/") {
        return Ok(Some(-1));
    }
    raw.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .and_then(|tag| tag.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(invalid)
}

/// The `ETag` of a ticket version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The `Idempotency-Key` header, if present.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.to_owned()))
            .map_err(|_| ApiError::field("Idempotency-Key", "must be visible ASCII characters")),
    }
}
