//! SMS through Twilio's Messages API
//! (`POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json`).
//!
//! This calls the documented REST endpoint with reqwest rather than through the `twilio`
//! crate. `twilio` 1.1.0 hard-codes `https://api.twilio.com` (no way to point it at a test
//! server), reports a failure as `HTTPError(StatusCode)` without the body or headers (no
//! error message, no `Retry-After`), cannot add the idempotency header, and pulls in
//! hyper 0.14 with hyper-tls, i.e. OpenSSL.

use std::fmt;
use std::time::Duration;

use application::ports::{NotificationGateway, OutgoingMessage, SendError};
use async_trait::async_trait;
use domain::escalation::Channel;
use reqwest::Url;
use serde::Deserialize;

use crate::gateways::GatewayError;
use crate::http;

const PROVIDER: &str = "twilio";

/// The header Twilio deduplicates requests by.
pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

/// Sends text messages through Twilio.
#[derive(Clone)]
pub struct Twilio {
    client: reqwest::Client,
    endpoint: Url,
    account_sid: String,
    auth_token: String,
    from: String,
    timeout: Duration,
}

impl Twilio {
    /// A gateway for the account `account_sid` (authenticated with `auth_token`), sending
    /// from the number `from`, giving up on a request after `timeout`.
    pub fn new(
        base_url: &str,
        account_sid: impl Into<String>,
        auth_token: impl Into<String>,
        from: impl Into<String>,
        timeout: Duration,
    ) -> Result<Twilio, GatewayError> {
        let account_sid = account_sid.into();
        let endpoint = http::endpoint(
            PROVIDER,
            base_url,
            &["2010-04-01", "Accounts", &account_sid, "Messages.json"],
        )?;
        Ok(Twilio {
            client: http::client(PROVIDER, timeout)?,
            endpoint,
            account_sid,
            auth_token: auth_token.into(),
            from: from.into(),
            timeout,
        })
    }
}

impl fmt::Debug for Twilio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Twilio")
            .field("endpoint", &self.endpoint.as_str())
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[async_trait]
impl NotificationGateway for Twilio {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError> {
        if message.channel != Channel::Sms {
            return Err(SendError::Permanent {
                reason: format!("{PROVIDER}: sends sms, not {}", message.channel.as_str()),
            });
        }
        let form = [
            ("To", message.to.as_str()),
            ("From", self.from.as_str()),
            ("Body", message.content.text.as_str()),
        ];
        let response = self
            .client
            .post(self.endpoint.clone())
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .header(IDEMPOTENCY_HEADER, &message.idempotency_key)
            .form(&form)
            .send()
            .await
            .map_err(|error| http::request_failed(PROVIDER, self.timeout, &error))?;
        http::outcome(PROVIDER, response, error_detail).await
    }
}

/// Twilio's error body: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
fn error_detail(body: &str) -> Option<String> {
    let parsed: ErrorBody = serde_json::from_str(body).ok()?;
    let message = parsed.message.filter(|message| !message.trim().is_empty())?;
    Some(match parsed.code {
        Some(code) => format!("{message} (code {code})"),
        None => message,
    })
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    code: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_detail_reads_twilio_errors() {
        let body = r#"{"code": 21211, "message": "The 'To' number 123 is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
        assert_eq!(
            error_detail(body).as_deref(),
            Some("The 'To' number 123 is not a valid phone number. (code 21211)")
        );
        assert_eq!(
            error_detail(r#"{"message": "Too Many Requests"}"#).as_deref(),
            Some("Too Many Requests")
        );
        assert_eq!(error_detail("Bad Gateway"), None);
    }
}
