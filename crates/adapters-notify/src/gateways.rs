//! Routing each message to its channel's provider, or to the log when it has none.

use std::time::Duration;

use application::ports::{NotificationGateway, OutgoingMessage, SendError};
use async_trait::async_trait;
use domain::escalation::Channel;

use crate::config::NotifyConfig;
use crate::log::LogGateway;
use crate::sendgrid::SendGrid;
use crate::twilio::Twilio;

/// Why the gateways could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// A provider's base URL is not an absolute http(s) URL.
    #[error("{provider}: invalid base URL {url:?}: {reason}")]
    BaseUrl {
        /// `sendgrid` or `twilio`.
        provider: &'static str,
        /// The configured URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (TLS initialisation).
    #[error("{provider}: cannot build the HTTP client: {source}")]
    Client {
        /// `sendgrid` or `twilio`.
        provider: &'static str,
        /// reqwest's error.
        source: reqwest::Error,
    },
}

/// The [`NotificationGateway`] port: e-mail through SendGrid and SMS through Twilio when
/// they are configured, anything else to the [`LogGateway`].
#[derive(Debug)]
pub struct Gateways {
    sendgrid: Option<SendGrid>,
    twilio: Option<Twilio>,
    log: LogGateway,
}

impl Gateways {
    /// Routes e-mail to `sendgrid` and SMS to `twilio`, each falling back to `log`.
    pub fn new(sendgrid: Option<SendGrid>, twilio: Option<Twilio>, log: LogGateway) -> Gateways {
        Gateways { sendgrid, twilio, log }
    }

    /// The gateways `config` describes: a provider is used when its credentials are set
    /// (SendGrid: `api_key`; Twilio: `account_sid`, `auth_token` and `from`; empty counts as
    /// unset), the log file otherwise.
    pub fn from_config(config: &NotifyConfig) -> Result<Gateways, GatewayError> {
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let sendgrid = match set(config.sendgrid.api_key.as_deref()) {
            Some(api_key) => Some(SendGrid::new(
                &config.sendgrid.base_url,
                api_key,
                config.email_from.clone(),
                config.email_from_name.clone(),
                timeout,
            )?),
            None => None,
        };
        let twilio = &config.twilio;
        let twilio = match (
            set(twilio.account_sid.as_deref()),
            set(twilio.auth_token.as_deref()),
            set(twilio.from.as_deref()),
        ) {
            (Some(sid), Some(token), Some(from)) => Some(Twilio::new(&twilio.base_url, sid, token, from, timeout)?),
            (None, None, None) => None,
            _ => {
                tracing::warn!(
                    "notify.twilio needs account_sid, auth_token and from; some are missing, so SMS go to the log"
                );
                None
            }
        };
        Ok(Gateways::new(
            sendgrid,
            twilio,
            LogGateway::new(config.log_file.clone()),
        ))
    }

    /// Which gateway each channel uses, for the start-up log: `email: sendgrid, sms: log`.
    pub fn describe(&self) -> String {
        let email = if self.sendgrid.is_some() { "sendgrid" } else { "log" };
        let sms = if self.twilio.is_some() { "twilio" } else { "log" };
        format!("email: {email}, sms: {sms}")
    }
}

#[async_trait]
impl NotificationGateway for Gateways {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError> {
        match (message.channel, &self.sendgrid, &self.twilio) {
            (Channel::Email, Some(sendgrid), _) => sendgrid.send(message).await,
            (Channel::Sms, _, Some(twilio)) => twilio.send(message).await,
            _ => self.log.send(message).await,
        }
    }
}

/// A configured value that is neither absent nor blank.
fn set(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}
