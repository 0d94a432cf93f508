//! SendGrid against a local wiremock server.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use adapters_notify::SendGrid;
use application::ports::{NotificationGateway, SendError};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{TIMEOUT, closed_port_url, email, sms};

fn gateway(base_url: &str) -> SendGrid {
    SendGrid::new(
        base_url,
        "SG.test-key",
        "support@example.com",
        Some("Help desk".into()),
        TIMEOUT,
    )
    .unwrap()
}

/// A server answering every mail-send with `response`.
async fn server(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn posts_the_documented_request_and_accepts_202() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .and(header("authorization", "Bearer SG.test-key"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;

    gateway(&server.uri()).send(&email()).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "personalizations": [{
                "to": [{"email": "jane@example.com", "name": "Jane Doe"}],
                "custom_args": {"idempotency_key": "notif-42-email"},
            }],
            "from": {"email": "support@example.com", "name": "Help desk"},
            "subject": "[TKT-000042] We received your request",
            "content": [
                {"type": "text/plain", "value": "Hello Jane,\n\nThank you."},
                {"type": "text/html", "value": "<p>Hello Jane,</p><p>Thank you.</p>"},
            ],
        })
    );
}

#[tokio::test]
async fn without_html_or_names_sends_only_what_there_is() {
    let server = server(ResponseTemplate::new(200)).await;
    let sendgrid = SendGrid::new(&server.uri(), "SG.test-key", "support@example.com", None, TIMEOUT).unwrap();
    let mut message = email();
    message.to_name = None;
    message.content.html = None;

    sendgrid.send(&message).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body["personalizations"][0]["to"],
        json!([{"email": "jane@example.com"}])
    );
    assert_eq!(body["from"], json!({"email": "support@example.com"}));
    assert_eq!(
        body["content"],
        json!([{"type": "text/plain", "value": "Hello Jane,\n\nThank you."}])
    );
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/proxy/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    gateway(&format!("{}/proxy/", server.uri()))
        .send(&email())
        .await
        .unwrap();
}

#[tokio::test]
async fn bad_request_is_permanent_with_the_providers_message() {
    let body = json!({"errors": [{"message": "The from address does not match a verified Sender Identity.",
        "field": "from", "help": "https://sendgrid.com/docs/for-developers/sending-email/sender-identity/"}]});
    let server = server(ResponseTemplate::new(400).set_body_json(body)).await;

    let error = gateway(&server.uri()).send(&email()).await.unwrap_err();

    let SendError::Permanent { reason } = error else {
        panic!("expected permanent, got {error:?}")
    };
    assert!(reason.contains("400"), "{reason}");
    assert!(
        reason.contains("from: The from address does not match a verified Sender Identity."),
        "{reason}"
    );
}

#[tokio::test]
async fn unauthorized_is_permanent() {
    let message = "The provided authorization grant is invalid, expired, or revoked";
    let body = json!({"errors": [{"field": null, "message": message}]});
    let server = server(ResponseTemplate::new(401).set_body_json(body)).await;

    let error = gateway(&server.uri()).send(&email()).await.unwrap_err();

    let SendError::Permanent { reason } = error else {
        panic!("expected permanent, got {error:?}")
    };
    assert!(
        reason.contains("401") && reason.contains("authorization grant is invalid"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_long_error_body_is_cut() {
    let server = server(ResponseTemplate::new(400).set_body_string("x".repeat(5000))).await;

    let error = gateway(&server.uri()).send(&email()).await.unwrap_err();

    let SendError::Permanent { reason } = error else {
        panic!("expected permanent, got {error:?}")
    };
    assert!(reason.chars().count() < 350, "{} chars", reason.chars().count());
}

#[tokio::test]
async fn too_many_requests_is_transient_with_retry_after() {
    let response = ResponseTemplate::new(429).insert_header("Retry-After", "7");
    let server = server(response).await;

    let error = gateway(&server.uri()).send(&email()).await.unwrap_err();

    let SendError::Transient {
        reason,
        retry_after_secs,
    } = error
    else {
        panic!("expected transient, got {error:?}")
    };
    assert_eq!(retry_after_secs, Some(7));
    assert!(reason.contains("429"), "{reason}");
}

#[tokio::test]
async fn service_unavailable_is_transient() {
    let server = server(ResponseTemplate::new(503)).await;
    let error = gateway(&server.uri()).send(&email()).await.unwrap_err();
    assert!(
        matches!(
            error,
            SendError::Transient {
                retry_after_secs: None,
                ..
            }
        ),
        "{error:?}"
    );

    let in_a_minute = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(60));
    let server = server_with_retry_after(503, &in_a_minute).await;
    let error = gateway(&server.uri()).send(&email()).await.unwrap_err();
    let SendError::Transient {
        retry_after_secs: Some(secs),
        ..
    } = error
    else {
        panic!("got {error:?}")
    };
    assert!((55..=61).contains(&secs), "{secs}");
}

async fn server_with_retry_after(status: u16, retry_after: &str) -> MockServer {
    server(ResponseTemplate::new(status).insert_header("Retry-After", retry_after)).await
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let error = gateway(&closed_port_url()).send(&email()).await.unwrap_err();
    let SendError::Transient {
        reason,
        retry_after_secs: None,
    } = error
    else {
        panic!("got {error:?}")
    };
    assert!(reason.starts_with("sendgrid: "), "{reason}");
}

#[tokio::test]
async fn a_slow_response_times_out_as_transient() {
    let server = server(ResponseTemplate::new(202).set_delay(Duration::from_secs(5))).await;
    let started = std::time::Instant::now();

    let error = gateway(&server.uri()).send(&email()).await.unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let SendError::Transient { reason, .. } = error else {
        panic!("got {error:?}")
    };
    assert!(reason.contains("no response within 500 ms"), "{reason}");
}

#[tokio::test]
async fn refuses_sms() {
    let error = gateway(&closed_port_url()).send(&sms()).await.unwrap_err();
    assert!(matches!(error, SendError::Permanent { .. }), "{error:?}");
}

#[test]
fn debug_hides_the_api_key() {
    let debug = format!("{:?}", gateway("https://api.sendgrid.com"));
    assert!(!debug.contains("SG.test-key"), "{debug}");
}

#[test]
fn an_invalid_base_url_is_an_error() {
    let error = SendGrid::new("api.sendgrid.com", "k", "a@b.c", None, TIMEOUT).unwrap_err();
    assert!(error.to_string().contains("api.sendgrid.com"), "{error}");
}
