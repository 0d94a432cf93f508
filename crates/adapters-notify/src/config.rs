//! The `notify` section of the configuration (`TICKET__NOTIFY__...` in the environment).

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize, Serializer};

/// How notifications are rendered and delivered. Every field has a default, so an empty
/// section logs every message to `./data/notifications.log`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct NotifyConfig {
    /// The sender address of e-mails.
    pub email_from: String,
    /// The sender's display name; empty or absent for none.
    pub email_from_name: Option<String>,
    /// SendGrid, used for e-mail when `api_key` is set.
    pub sendgrid: SendGridConfig,
    /// Twilio, used for SMS when `account_sid`, `auth_token` and `from` are set.
    pub twilio: TwilioConfig,
    /// Where the log gateway appends messages no provider is configured for.
    pub log_file: PathBuf,
    /// A directory whose files replace the default templates of the same name.
    pub templates_dir: Option<PathBuf>,
    /// How long one provider request may take, in seconds (0 counts as 1).
    pub timeout_secs: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            email_from: "support@localhost".into(),
            email_from_name: Some("Help desk".into()),
            sendgrid: SendGridConfig::default(),
            twilio: TwilioConfig::default(),
            log_file: PathBuf::from("./data/notifications.log"),
            templates_dir: None,
            timeout_secs: 10,
        }
    }
}

/// SendGrid credentials and endpoint.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct SendGridConfig {
    /// The API key (a secret); SendGrid is used when it is set and not empty.
    #[serde(serialize_with = "serialize_redacted")]
    pub api_key: Option<String>,
    /// The API's base URL.
    pub base_url: String,
}

impl Default for SendGridConfig {
    fn default() -> Self {
        SendGridConfig {
            api_key: None,
            base_url: "https://api.sendgrid.com".into(),
        }
    }
}

impl fmt::Debug for SendGridConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendGridConfig")
            .field("api_key", &redacted(self.api_key.as_deref()))
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// Twilio credentials, sender number and endpoint.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct TwilioConfig {
    /// The account SID (`AC...`).
    pub account_sid: Option<String>,
    /// The auth token (a secret).
    #[serde(serialize_with = "serialize_redacted")]
    pub auth_token: Option<String>,
    /// The sending phone number, E.164.
    pub from: Option<String>,
    /// The API's base URL.
    pub base_url: String,
}

impl Default for TwilioConfig {
    fn default() -> Self {
        TwilioConfig {
            account_sid: None,
            auth_token: None,
            from: None,
            base_url: "https://api.twilio.com".into(),
        }
    }
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &redacted(self.auth_token.as_deref()))
            .field("from", &self.from)
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// `None`, `Some("")`, or `Some("***")`: whether a secret is set, never its value.
fn redacted(secret: Option<&str>) -> Option<&'static str> {
    secret.map(|secret| if secret.is_empty() { "" } else { "***" })
}

/// Serializes a secret as [`redacted`] does: the configuration can be shown (the example
/// configuration is checked against it) without giving its secrets away.
fn serialize_redacted<S: Serializer>(secret: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    redacted(secret.as_deref()).serialize(serializer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_take_the_defaults() {
        let config: NotifyConfig = serde_json::from_str(r#"{"sendgrid": {"api_key": "SG.x"}}"#).unwrap();
        assert_eq!(config.sendgrid.api_key.as_deref(), Some("SG.x"));
        assert_eq!(config.sendgrid.base_url, "https://api.sendgrid.com");
        assert_eq!(config.email_from, "support@localhost");
        assert_eq!(config.email_from_name.as_deref(), Some("Help desk"));
        assert_eq!(config.twilio, TwilioConfig::default());
        assert_eq!(config.log_file, PathBuf::from("./data/notifications.log"));
        assert_eq!(config.timeout_secs, 10);
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut config = NotifyConfig::default();
        config.sendgrid.api_key = Some("SG.secret-key".into());
        config.twilio.auth_token = Some("twilio-secret".into());
        config.twilio.account_sid = Some("AC123".into());
        let debug = format!("{config:?}");
        assert!(!debug.contains("secret"), "{debug}");
        assert!(debug.contains("AC123") && debug.contains("***"), "{debug}");
        let shown = serde_json::to_string(&config).unwrap();
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("AC123") && shown.contains("***"), "{shown}");
    }
}
