//! Twilio against a local wiremock server.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use adapters_notify::Twilio;
use application::ports::{NotificationGateway, SendError};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{TIMEOUT, closed_port_url, email, form_pairs, sms};

const SID: &str = "AC0123456789abcdef";
const MESSAGES_PATH: &str = "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json";

fn gateway(base_url: &str) -> Twilio {
    Twilio::new(base_url, SID, "tw-secret-token", "+15550001111", TIMEOUT).unwrap()
}

async fn server(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn posts_the_documented_request_and_accepts_201() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        // base64("AC0123456789abcdef:tw-secret-token")
        .and(header(
            "authorization",
            "Basic QUMwMTIzNDU2Nzg5YWJjZGVmOnR3LXNlY3JldC10b2tlbg==",
        ))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("I-Twilio-Idempotency-Token", "notif-42-sms"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": "SM123", "status": "queued"})))
        .expect(1)
        .mount(&server)
        .await;

    gateway(&server.uri()).send(&sms()).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let form = form_pairs(&requests[0].body);
    let expected = [
        ("To", "+15551234567"),
        ("From", "+15550001111"),
        ("Body", "Ticket TKT-000042 & more: 100% done"),
    ];
    assert_eq!(form, expected.map(|(k, v)| (k.to_string(), v.to_string())));
}

#[tokio::test]
async fn bad_request_is_permanent_with_the_providers_message() {
    let body = json!({"code": 21211, "message": "The 'To' number +15551234567 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400});
    let server = server(ResponseTemplate::new(400).set_body_json(body)).await;

    let error = gateway(&server.uri()).send(&sms()).await.unwrap_err();

    let SendError::Permanent { reason } = error else {
        panic!("expected permanent, got {error:?}")
    };
    assert!(reason.contains("400"), "{reason}");
    assert!(reason.contains("is not a valid phone number. (code 21211)"), "{reason}");
}

#[tokio::test]
async fn unauthorized_is_permanent() {
    let body = json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401});
    let server = server(ResponseTemplate::new(401).set_body_json(body)).await;

    let error = gateway(&server.uri()).send(&sms()).await.unwrap_err();

    let SendError::Permanent { reason } = error else {
        panic!("expected permanent, got {error:?}")
    };
    assert!(
        reason.contains("401") && reason.contains("Authenticate (code 20003)"),
        "{reason}"
    );
}

#[tokio::test]
async fn too_many_requests_is_transient_with_retry_after() {
    let body = json!({"code": 20429, "message": "Too Many Requests", "status": 429});
    let server = server(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "7")
            .set_body_json(body),
    )
    .await;

    let error = gateway(&server.uri()).send(&sms()).await.unwrap_err();

    let SendError::Transient {
        reason,
        retry_after_secs,
    } = error
    else {
        panic!("expected transient, got {error:?}")
    };
    assert_eq!(retry_after_secs, Some(7));
    assert!(reason.contains("Too Many Requests (code 20429)"), "{reason}");
}

#[tokio::test]
async fn service_unavailable_is_transient_with_and_without_retry_after() {
    let server = server(ResponseTemplate::new(503).set_body_string("Service Unavailable")).await;
    let error = gateway(&server.uri()).send(&sms()).await.unwrap_err();
    let SendError::Transient {
        reason,
        retry_after_secs: None,
    } = error
    else {
        panic!("got {error:?}")
    };
    assert!(
        reason.contains("503") && reason.contains("Service Unavailable"),
        "{reason}"
    );

    let server = self::server(ResponseTemplate::new(503).insert_header("Retry-After", "120")).await;
    let error = gateway(&server.uri()).send(&sms()).await.unwrap_err();
    assert!(
        matches!(
            error,
            SendError::Transient {
                retry_after_secs: Some(120),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let error = gateway(&closed_port_url()).send(&sms()).await.unwrap_err();
    let SendError::Transient {
        reason,
        retry_after_secs: None,
    } = error
    else {
        panic!("got {error:?}")
    };
    assert!(reason.starts_with("twilio: "), "{reason}");
}

#[tokio::test]
async fn a_slow_response_times_out_as_transient() {
    let server = server(ResponseTemplate::new(201).set_delay(Duration::from_secs(5))).await;

    let error = gateway(&server.uri()).send(&sms()).await.unwrap_err();

    let SendError::Transient { reason, .. } = error else {
        panic!("got {error:?}")
    };
    assert!(reason.contains("no response within"), "{reason}");
}

#[tokio::test]
async fn refuses_email() {
    let error = gateway(&closed_port_url()).send(&email()).await.unwrap_err();
    assert!(matches!(error, SendError::Permanent { .. }), "{error:?}");
}

#[test]
fn debug_hides_the_auth_token() {
    let debug = format!("{:?}", gateway("https://api.twilio.com"));
    assert!(!debug.contains("tw-secret-token"), "{debug}");
    assert!(debug.contains(SID), "{debug}");
}
