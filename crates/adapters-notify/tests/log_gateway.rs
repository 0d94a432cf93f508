//! The log gateway's JSON-lines file.
#![allow(clippy::unwrap_used)]

mod common;

use adapters_notify::LogGateway;
use application::ports::{NotificationGateway, SendError};

use common::{TempDir, email, sms};

#[tokio::test]
async fn concurrent_sends_append_one_json_line_each() {
    let dir = TempDir::new("log");
    let path = dir.0.join("nested/dir/notifications.log");
    let gateway = LogGateway::new(&path);

    let (email, sms) = (email(), sms());
    let (first, second) = tokio::join!(gateway.send(&email), gateway.send(&sms));
    first.unwrap();
    second.unwrap();

    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.ends_with('\n'));
    let lines: Vec<serde_json::Value> = written
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let email_line = lines.iter().find(|line| line["channel"] == "email").unwrap();
    assert_eq!(email_line["idempotency_key"], "notif-42-email");
    assert_eq!(email_line["to"], "jane@example.com");
    assert_eq!(email_line["to_name"], "Jane Doe");
    assert_eq!(email_line["subject"], "[TKT-000042] We received your request");
    assert_eq!(email_line["text"], "Hello Jane,\n\nThank you.");
    assert_eq!(email_line["html"], "<p>Hello Jane,</p><p>Thank you.</p>");
    let sent_at = email_line["sent_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(sent_at).is_ok() && sent_at.ends_with('Z'),
        "{sent_at}"
    );
    let sms_line = lines.iter().find(|line| line["channel"] == "sms").unwrap();
    assert_eq!(sms_line["to"], "+15551234567");
    assert_eq!(sms_line["subject"], "");
    assert!(sms_line["html"].is_null());
}

#[cfg(unix)]
#[tokio::test]
async fn the_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("log-mode");
    let path = dir.0.join("notifications.log");
    LogGateway::new(&path).send(&email()).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "addresses and bodies are personal data: {mode:o}");
}

#[tokio::test]
async fn many_concurrent_sends_never_interleave() {
    let dir = TempDir::new("log-many");
    let path = dir.0.join("notifications.log");
    let gateway = std::sync::Arc::new(LogGateway::new(&path));
    let mut message = email();
    message.content.text = "x".repeat(64 * 1024);

    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let gateway = gateway.clone();
            let message = message.clone();
            tokio::spawn(async move { gateway.send(&message).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    let written = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = written
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 16);
}

#[tokio::test]
async fn appends_to_an_existing_file() {
    let dir = TempDir::new("log-append");
    let path = dir.0.join("notifications.log");
    std::fs::write(&path, "{\"earlier\":true}\n").unwrap();

    LogGateway::new(&path).send(&email()).await.unwrap();

    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written.lines().count(), 2);
    assert!(written.starts_with("{\"earlier\":true}\n"));
}

#[tokio::test]
async fn a_failing_write_is_transient() {
    let dir = TempDir::new("log-fail");
    // A directory where the file should be: opening it for writing fails.
    let gateway = LogGateway::new(&dir.0);

    let error = gateway.send(&email()).await.unwrap_err();

    let SendError::Transient {
        reason,
        retry_after_secs: None,
    } = error
    else {
        panic!("got {error:?}")
    };
    assert!(reason.contains(&dir.0.display().to_string()), "{reason}");
}
