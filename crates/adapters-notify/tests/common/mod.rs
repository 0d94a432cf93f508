//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use application::ports::{OutgoingMessage, Rendered};
use domain::escalation::Channel;

/// Long enough for a loopback request, short enough to keep the timeout tests quick.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// An e-mail with both bodies.
pub fn email() -> OutgoingMessage {
    OutgoingMessage {
        idempotency_key: "notif-42-email".into(),
        channel: Channel::Email,
        to: "jane@example.com".into(),
        to_name: Some("Jane Doe".into()),
        content: Rendered {
            subject: "[TKT-000042] We received your request".into(),
            text: "Hello Jane,\n\nThank you.".into(),
            html: Some("<p>Hello Jane,</p><p>Thank you.</p>".into()),
        },
    }
}

/// A text message.
pub fn sms() -> OutgoingMessage {
    OutgoingMessage {
        idempotency_key: "notif-42-sms".into(),
        channel: Channel::Sms,
        to: "+15551234567".into(),
        to_name: Some("Jane Doe".into()),
        content: Rendered {
            subject: String::new(),
            text: "Ticket TKT-000042 & more: 100% done".into(),
            html: None,
        },
    }
}

/// A loopback URL nothing listens on.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// `application/x-www-form-urlencoded` pairs, decoded.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let body = std::str::from_utf8(body).unwrap();
    body.split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                out.push(u8::from_str_radix(&raw[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!("adapters-notify-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
