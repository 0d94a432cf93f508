//! E-mail through SendGrid's v3 mail-send API (`POST {base_url}/v3/mail/send`).
//!
//! This calls the documented REST endpoint with reqwest rather than through the `sendgrid`
//! crate. `sendgrid` 0.27.2 can be pointed at another host (`Sender::set_host`), but on any
//! non-2xx status its `send` returns `RequestNotSuccessful { status, body }` and drops the
//! response headers, so `Retry-After` on 429/503 is lost; it also depends on reqwest 0.13
//! with default features (aws-lc-rs TLS, a second reqwest next to the workspace's 0.12).

use std::fmt;
use std::time::Duration;

use application::ports::{NotificationGateway, OutgoingMessage, SendError};
use async_trait::async_trait;
use domain::escalation::Channel;
use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::gateways::GatewayError;
use crate::http;

const PROVIDER: &str = "sendgrid";

/// Sends e-mail through SendGrid.
#[derive(Clone)]
pub struct SendGrid {
    client: reqwest::Client,
    endpoint: Url,
    api_key: String,
    from_email: String,
    from_name: Option<String>,
    timeout: Duration,
}

impl SendGrid {
    /// A gateway posting to `{base_url}/v3/mail/send` with `api_key`, sending from
    /// `from_email` (shown as `from_name` when given), giving up on a request after `timeout`.
    pub fn new(
        base_url: &str,
        api_key: impl Into<String>,
        from_email: impl Into<String>,
        from_name: Option<String>,
        timeout: Duration,
    ) -> Result<SendGrid, GatewayError> {
        Ok(SendGrid {
            client: http::client(PROVIDER, timeout)?,
            endpoint: http::endpoint(PROVIDER, base_url, &["v3", "mail", "send"])?,
            api_key: api_key.into(),
            from_email: from_email.into(),
            from_name: from_name.filter(|name| !name.trim().is_empty()),
            timeout,
        })
    }

    /// The mail-send request body.
    fn body<'a>(&'a self, message: &'a OutgoingMessage) -> MailSend<'a> {
        let mut content = vec![Content {
            kind: "text/plain",
            value: &message.content.text,
        }];
        if let Some(html) = &message.content.html {
            content.push(Content {
                kind: "text/html",
                value: html,
            });
        }
        MailSend {
            personalizations: [Personalization {
                to: [Address {
                    email: &message.to,
                    name: message.to_name.as_deref().filter(|name| !name.trim().is_empty()),
                }],
                custom_args: CustomArgs {
                    idempotency_key: &message.idempotency_key,
                },
            }],
            from: Address {
                email: &self.from_email,
                name: self.from_name.as_deref(),
            },
            subject: &message.content.subject,
            content,
        }
    }
}

impl fmt::Debug for SendGrid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendGrid")
            .field("endpoint", &self.endpoint.as_str())
            .field("api_key", &"***")
            .field("from_email", &self.from_email)
            .field("from_name", &self.from_name)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[async_trait]
impl NotificationGateway for SendGrid {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError> {
        if message.channel != Channel::Email {
            return Err(SendError::Permanent {
                reason: format!("{PROVIDER}: sends e-mail, not {}", message.channel.as_str()),
            });
        }
        let response = self
            .client
            .post(self.endpoint.clone())
            .bearer_auth(&self.api_key)
            .json(&self.body(message))
            .send()
            .await
            .map_err(|error| http::request_failed(PROVIDER, self.timeout, &error))?;
        http::outcome(PROVIDER, response, error_detail).await
    }
}

/// The messages of SendGrid's error body, `{"errors": [{"message", "field"}]}`.
fn error_detail(body: &str) -> Option<String> {
    let parsed: ErrorBody = serde_json::from_str(body).ok()?;
    let messages: Vec<String> = parsed
        .errors
        .into_iter()
        .filter_map(|error| {
            let message = error.message?;
            Some(match error.field {
                Some(field) if !field.is_empty() => format!("{field}: {message}"),
                _ => message,
            })
        })
        .collect();
    (!messages.is_empty()).then(|| messages.join("; "))
}

#[derive(Serialize)]
struct MailSend<'a> {
    personalizations: [Personalization<'a>; 1],
    from: Address<'a>,
    subject: &'a str,
    /// `text/plain` first: SendGrid rejects any other order.
    content: Vec<Content<'a>>,
}

#[derive(Serialize)]
struct Personalization<'a> {
    to: [Address<'a>; 1],
    custom_args: CustomArgs<'a>,
}

#[derive(Serialize)]
struct CustomArgs<'a> {
    idempotency_key: &'a str,
}

#[derive(Serialize)]
struct Address<'a> {
    email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct Content<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'a str,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    message: Option<String>,
    field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_detail_reads_sendgrid_errors() {
        let body = r#"{"errors":[{"message":"Does not match a verified Sender Identity","field":"from","help":null},
            {"message":"Invalid email","field":null}]}"#;
        assert_eq!(
            error_detail(body).as_deref(),
            Some("from: Does not match a verified Sender Identity; Invalid email")
        );
        assert_eq!(error_detail("<html>oops</html>"), None);
        assert_eq!(error_detail(r#"{"errors":[]}"#), None);
    }
}
