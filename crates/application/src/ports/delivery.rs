//! Delivering notifications: rendering a template and handing the message to a provider.

use std::collections::BTreeMap;

use async_trait::async_trait;
use domain::escalation::Channel;

/// The values a template may use, by name (`ticket_number`, `comment_body`, ...). Plain
/// strings: templates format nothing themselves.
pub type TemplateContext = BTreeMap<String, String>;

/// A template rendered for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The e-mail subject; empty for SMS.
    pub subject: String,
    /// The plain-text body (the whole message for SMS).
    pub text: String,
    /// The HTML body of an e-mail; `None` for SMS.
    pub html: Option<String>,
}

/// Renders the notification templates.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TemplateRenderer: Send + Sync {
    /// Renders `template` for `channel` with `context`. `Err` names what is wrong (an
    /// unknown template, a syntax error in an override); the notification is then
    /// dead-lettered with that reason.
    fn render(&self, template: &str, channel: Channel, context: &TemplateContext) -> Result<Rendered, String>;
}

/// One message, ready to hand to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// Stable per notification: a provider that deduplicates may use it, and a resend
    /// after a crash carries the same key.
    pub idempotency_key: String,
    /// E-mail or SMS.
    pub channel: Channel,
    /// The address: an e-mail address, or a phone number in E.164 form.
    pub to: String,
    /// The recipient's display name, if known.
    pub to_name: Option<String>,
    /// What to send.
    pub content: Rendered,
}

/// Why a provider did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: a network error or timeout, HTTP 429 or 5xx.
    #[error("{reason}")]
    Transient {
        /// What happened, for the notification's `last_error`.
        reason: String,
        /// The provider's `Retry-After`, in seconds, when it gave one.
        retry_after_secs: Option<u64>,
    },
    /// Never worth retrying: any other 4xx (a bad address, bad credentials, a rejected
    /// body). The notification is dead-lettered with the reason.
    #[error("{reason}")]
    Permanent {
        /// What the provider said.
        reason: String,
    },
}

/// Hands messages to e-mail and SMS providers (or to the log when none is configured).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait NotificationGateway: Send + Sync {
    /// Sends one message; `Ok` once the provider accepted it (2xx).
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError>;
}
