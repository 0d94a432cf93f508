//! Choosing a gateway per channel from the configuration.
#![allow(clippy::unwrap_used)]

mod common;

use adapters_notify::{GatewayError, Gateways, NotifyConfig};
use application::ports::NotificationGateway;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{TempDir, email, sms};

fn config(dir: &TempDir) -> NotifyConfig {
    NotifyConfig {
        log_file: dir.0.join("notifications.log"),
        ..NotifyConfig::default()
    }
}

#[test]
fn without_credentials_everything_goes_to_the_log() {
    let dir = TempDir::new("gw-default");
    assert_eq!(
        Gateways::from_config(&config(&dir)).unwrap().describe(),
        "email: log, sms: log"
    );

    let mut blank = config(&dir);
    blank.sendgrid.api_key = Some("  ".into());
    blank.twilio.account_sid = Some("AC123".into());
    blank.twilio.auth_token = Some("token".into());
    assert_eq!(
        Gateways::from_config(&blank).unwrap().describe(),
        "email: log, sms: log"
    );
}

#[test]
fn with_credentials_the_providers_are_used() {
    let dir = TempDir::new("gw-providers");
    let mut config = config(&dir);
    config.sendgrid.api_key = Some("SG.key".into());
    assert_eq!(
        Gateways::from_config(&config).unwrap().describe(),
        "email: sendgrid, sms: log"
    );

    config.twilio.account_sid = Some("AC123".into());
    config.twilio.auth_token = Some("token".into());
    config.twilio.from = Some("+15550001111".into());
    assert_eq!(
        Gateways::from_config(&config).unwrap().describe(),
        "email: sendgrid, sms: twilio"
    );

    config.sendgrid.api_key = None;
    let gateways = Gateways::from_config(&config).unwrap();
    assert_eq!(gateways.describe(), "email: log, sms: twilio");
    let debug = format!("{gateways:?}");
    assert!(!debug.contains("token\""), "{debug}");
}

#[test]
fn an_invalid_base_url_is_an_error() {
    let dir = TempDir::new("gw-url");
    let mut config = config(&dir);
    config.sendgrid.api_key = Some("SG.key".into());
    config.sendgrid.base_url = "not a url".into();
    let error = Gateways::from_config(&config).unwrap_err();
    assert!(
        matches!(
            error,
            GatewayError::BaseUrl {
                provider: "sendgrid",
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn routes_each_channel_to_its_gateway() {
    let dir = TempDir::new("gw-route");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = config(&dir);
    config.sendgrid.api_key = Some("SG.key".into());
    config.sendgrid.base_url = server.uri();
    let gateways = Gateways::from_config(&config).unwrap();

    gateways.send(&email()).await.unwrap();
    gateways.send(&sms()).await.unwrap();

    let logged = std::fs::read_to_string(&config.log_file).unwrap();
    assert_eq!(logged.lines().count(), 1);
    assert!(logged.contains("\"channel\":\"sms\""), "{logged}");
}
