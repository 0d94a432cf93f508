//! Notification delivery: the [`TemplateRenderer`](application::ports::TemplateRenderer)
//! port with minijinja ([`Templates`]) and the
//! [`NotificationGateway`](application::ports::NotificationGateway) port ([`Gateways`]):
//! e-mail through SendGrid, SMS through Twilio, and a log file for any channel without a
//! configured provider.
//!
//! Provider failures map onto `SendError`: network errors, timeouts, HTTP 429 and 5xx are
//! transient (with the provider's `Retry-After`); any other non-2xx status is permanent.
#![forbid(unsafe_code)]

mod config;
mod gateways;
mod http;
mod log;
mod sendgrid;
mod templates;
mod twilio;

pub use config::{NotifyConfig, SendGridConfig, TwilioConfig};
pub use gateways::{GatewayError, Gateways};
pub use log::LogGateway;
pub use sendgrid::SendGrid;
pub use templates::{TEMPLATE_NAMES, TemplateError, Templates};
pub use twilio::{IDEMPOTENCY_HEADER, Twilio};
