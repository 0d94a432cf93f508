//! Configuration shared by both binaries: built-in defaults, then an optional TOML file,
//! then `TICKET__SECTION__KEY` environment variables (and the conventional `DATABASE_URL`).

use std::fmt;

use application::comments::AttachmentRules;
use config::{Config, Environment, File, FileFormat};
use serde::{Deserialize, Serialize, Serializer};

/// A value that never prints, for passwords and keys.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Shown as `""` when empty and `"***"` otherwise, never its value.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0.is_empty() { "" } else { "***" })
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

/// Everything the binaries can be configured with. Every key is documented in README.md.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The HTTP API.
    pub http: HttpSettings,
    /// The database.
    pub database: DatabaseSettings,
    /// Logins and tokens.
    pub auth: AuthSettings,
    /// The first admin account.
    pub bootstrap: BootstrapSettings,
    /// Logging.
    pub log: LogSettings,
    /// The background loops.
    pub worker: WorkerSettings,
    /// Uploaded files.
    pub attachments: AttachmentSettings,
    /// Routing tickets to agents.
    pub assignment: AssignmentSettings,
    /// The satisfaction survey (issue 16).
    pub survey: SurveySettings,
    /// Notification providers and templates (`TICKET__NOTIFY__*`): SendGrid for e-mail and
    /// Twilio for SMS when their credentials are set, the log otherwise.
    #[serde(default)]
    pub notify: adapters_notify::NotifyConfig,
}

/// `survey.*`: when customers are invited to rate a ticket and how long their link works.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SurveySettings {
    /// Also invite when a ticket is resolved, not only when it is closed.
    pub on_resolved: bool,
    /// Minutes between the status change and the invitation.
    pub delay_minutes: u64,
    /// Days an unanswered invitation's link works.
    pub token_days: u64,
    /// Days after the first answer during which it may be changed.
    pub edit_days: u64,
    /// Tickets closed by their own customer within this many minutes of opening get no
    /// invitation; 0 turns the exclusion off.
    pub exclude_customer_close_minutes: u64,
    /// Merged tickets get no invitation (once merging exists).
    pub exclude_merged: bool,
}

/// `assignment.*`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentSettings {
    /// Give a ticket to an agent as it is opened, when an online agent skilled in its
    /// category has room; otherwise (and when off) it waits for the queue loop.
    pub assign_on_create: bool,
    /// How much an open low-priority ticket weighs in an agent's load.
    pub weight_low: u32,
    /// ... a normal one.
    pub weight_normal: u32,
    /// ... a high one.
    pub weight_high: u32,
    /// ... an urgent one.
    pub weight_urgent: u32,
}

/// `attachments.*`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSettings {
    /// `local` (a directory, the default) or `s3` (S3-compatible object storage).
    pub store: String,
    /// The directory of the `local` store.
    pub path: String,
    /// The largest file, in bytes.
    pub max_file_bytes: u64,
    /// The largest upload request (all files and fields), in bytes.
    pub max_request_bytes: u64,
    /// The most files on one comment.
    pub max_files: u32,
    /// Multipart uploads received at the same time; one more is answered 503 with
    /// `Retry-After` at once.
    pub max_concurrent_uploads: usize,
    /// The most bytes of one request's files kept in memory; the rest is spooled to
    /// temporary files (`TMPDIR`).
    pub spool_threshold_bytes: u64,
    /// Accepted types, comma-separated, as established from the files' bytes.
    pub allowed_types: String,
    /// The `s3` store.
    pub s3: S3Settings,
}

/// `attachments.s3.*`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// The bucket.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The endpoint of an S3-compatible service (MinIO, R2, ...); empty for AWS.
    pub endpoint: String,
    /// The access key id; empty to use the environment's credentials.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// Allow an `http://` endpoint.
    pub allow_http: bool,
}

/// `http.*`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Listen address of the API.
    pub bind: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Addresses or networks (CIDR) of reverse proxies whose `X-Forwarded-For` is
    /// believed, comma-separated; empty = the peer address is the client address.
    pub trusted_proxies: String,
    /// The address customers reach the desk at, for links in e-mails.
    pub public_url: String,
    /// Seconds a request body gets to arrive, from the request's start (408 after);
    /// 0 turns the deadline off.
    pub body_timeout_secs: u64,
    /// Bytes per second of body that earn one more second past `body_timeout_secs`, so
    /// large uploads on slow links finish; 0 for a fixed deadline.
    pub body_min_bytes_per_sec: u64,
    /// A separate listen address for `/metrics` (then not served on `bind`); empty to
    /// serve it on `bind`.
    pub metrics_bind: String,
    /// A bearer token `/metrics` requires; empty for none.
    pub metrics_token: Secret,
}

/// `database.*`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` (default `sqlite://./data/tickets.db`) or `postgres://...`.
    pub url: Secret,
    /// Most pooled connections.
    pub max_connections: usize,
    /// Seconds to wait for a pooled connection before answering 503.
    pub acquire_timeout_secs: u64,
    /// PostgreSQL: milliseconds a statement may run before it is cancelled and the request
    /// answered 503 (`statement_timeout` of every pooled connection; 0: no limit).
    /// Migrations run without it.
    pub statement_timeout_ms: u64,
    /// Apply pending migrations at start.
    pub migrate_on_start: bool,
}

/// `auth.*`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// How long a login token lasts, in minutes.
    pub token_ttl_minutes: i64,
    /// Let anyone create a customer account with `POST /customers`.
    pub self_registration: bool,
    /// Failed logins allowed per account and client address within the window before
    /// further attempts from that address answer 429.
    pub max_failed_logins: usize,
    /// The window of the login limits, in minutes.
    pub failed_login_window_minutes: i64,
    /// Failed logins allowed per client address, across accounts, within the window.
    pub max_failed_logins_per_client: usize,
    /// Logins per account, across addresses, within the window before each further one
    /// waits a delay that doubles (addresses with no failure on the account are spared).
    pub account_delay_after: usize,
    /// The longest of those delays, in seconds.
    pub account_max_delay_secs: i64,
    /// Self-registrations allowed per client address within the sign-up window.
    pub max_signups_per_client: usize,
    /// The window of `max_signups_per_client`, in minutes.
    pub signup_window_minutes: i64,
    /// How long the link that verifies a self-registered address works, in hours.
    pub email_verification_hours: i64,
    /// How long an e-mailed password reset link works, in minutes.
    pub password_reset_minutes: i64,
    /// Password reset requests per e-mail address (with an account or not) within the
    /// reset window.
    pub max_password_resets_per_address: usize,
    /// Password reset requests and link uses per client address within the reset window.
    pub max_password_resets_per_client: usize,
    /// The window of the two reset limits, in minutes.
    pub password_reset_window_minutes: i64,
}

/// `bootstrap.*`: creates an admin at start when both are set and the address is free.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapSettings {
    /// The admin's e-mail address.
    pub admin_email: String,
    /// The admin's password (at least 12 characters, not the e-mail address, not a common password).
    pub admin_password: Secret,
    /// The admin's display name.
    pub admin_name: String,
}

/// `log.*`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` (human-readable) or `json`.
    pub format: String,
    /// A tracing filter such as `info` or `ticket_api=debug,info`; `RUST_LOG` wins when set.
    pub level: String,
}

/// `worker.*`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    /// Run the worker loops inside `ticket-api` (single-node mode). Defaults to on for
    /// SQLite, off for PostgreSQL, where `ticket-worker` runs as its own deployment.
    pub embedded: Option<bool>,
    /// Listen address of the worker's `/healthz`, `/readyz` and `/metrics`.
    pub health_bind: String,
    /// Seconds a job's ticks may all fail before `/readyz` answers 503.
    pub ready_max_failing_secs: u64,
    /// Seconds between reports of the outbox backlog.
    pub report_interval_secs: u64,
    /// Seconds between purges of ended login sessions.
    pub session_purge_interval_secs: u64,
    /// Seconds ended login sessions are kept (for audits) before the purge deletes them.
    pub session_retention_secs: u64,
    /// Seconds between sweeps for blobs of uploads that never committed.
    pub orphan_sweep_interval_secs: u64,
    /// Age in seconds after which an uncommitted upload's blob is an orphan; must exceed
    /// the longest an upload request can take.
    pub orphan_blob_age_secs: u64,
    /// Stale uploads one sweep batch handles; a sweep runs batches until one is short.
    pub orphan_sweep_batch: u32,
    /// Seconds between purges of idempotency keys, processed outbox events and sent or
    /// dead notifications past their retention.
    pub purge_interval_secs: u64,
    /// Rows one purge statement deletes at most (sessions too); a purge runs batches
    /// until one is short, so no statement holds a long lock.
    pub purge_batch: u32,
    /// Seconds an `Idempotency-Key` is remembered: the API's idempotency window.
    pub idempotency_retention_secs: u64,
    /// Seconds a processed outbox event is kept (the ticket history is kept apart).
    pub outbox_retention_secs: u64,
    /// Seconds a sent notification is kept after it was sent.
    pub notification_retention_secs: u64,
    /// Seconds a dead notification is kept after it died: how far back the admins'
    /// dead-letter list (and its retry) reaches.
    pub dead_notification_retention_secs: u64,
    /// Seconds between SLA monitor ticks.
    pub sla_interval_secs: u64,
    /// Tickets the SLA monitor takes per batch; a tick runs batches until nothing is due.
    pub sla_batch: u32,
    /// Seconds a monitor holds the tickets it took; a crashed monitor's tickets are taken
    /// again after that.
    pub sla_lease_secs: u64,
    /// Milliseconds between assignment queue ticks while the last one assigned nothing;
    /// after a full tick the next runs at once.
    pub queue_interval_ms: u64,
    /// Queued tickets one tick considers at most.
    pub queue_batch: u32,
    /// Seconds between escalation loop ticks.
    pub escalation_interval_secs: u64,
    /// Tickets the escalation loop looks at per batch.
    pub escalation_batch: u32,
    /// Seconds the escalation loop holds the tickets it took.
    pub escalation_lease_secs: u64,
    /// Milliseconds between notification ticks (plan the outbox, send what is due) while
    /// the last one found nothing to do.
    pub notify_interval_ms: u64,
    /// Outbox events planned per tick.
    pub notify_plan_batch: u32,
    /// Notifications a dispatcher takes per tick; after a crash at most this many are
    /// sent twice.
    pub notify_batch: u32,
    /// Seconds a dispatcher holds the notifications it took (longer than a batch takes).
    pub notify_lease_secs: u64,
    /// Notifications sent at the same time.
    pub notify_concurrency: u32,
    /// Attempts before a notification failing for now is dead-lettered.
    pub notify_max_attempts: u32,
    /// Milliseconds before the first retry; doubles with each failure.
    pub notify_retry_base_ms: u64,
    /// The longest wait between attempts, in milliseconds.
    pub notify_retry_max_ms: u64,
}

const DEFAULTS: &str = r#"
[http]
bind = "127.0.0.1:8080"
max_body_bytes = 262144
workers = 0
shutdown_timeout_secs = 30
trusted_proxies = ""
public_url = "http://127.0.0.1:8080"
body_timeout_secs = 30
body_min_bytes_per_sec = 16384
metrics_bind = ""
metrics_token = ""

[database]
url = "sqlite://./data/tickets.db"
max_connections = 16
acquire_timeout_secs = 5
statement_timeout_ms = 30000
migrate_on_start = true

[auth]
token_ttl_minutes = 720
self_registration = false
max_failed_logins = 10
failed_login_window_minutes = 15
max_failed_logins_per_client = 100
account_delay_after = 20
account_max_delay_secs = 300
max_signups_per_client = 5
signup_window_minutes = 60
email_verification_hours = 24
password_reset_minutes = 30
max_password_resets_per_address = 3
max_password_resets_per_client = 20
password_reset_window_minutes = 60

[bootstrap]
admin_email = ""
admin_password = ""
admin_name = "Administrator"

[log]
format = "pretty"
level = "info"

[attachments]
store = "local"
path = "./data/attachments"
max_file_bytes = 10485760
max_request_bytes = 26214400
max_files = 10
max_concurrent_uploads = 8
spool_threshold_bytes = 1048576
allowed_types = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,application/zip,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.openxmlformats-officedocument.presentationml.presentation,application/vnd.oasis.opendocument.text,application/vnd.oasis.opendocument.spreadsheet"

[attachments.s3]
bucket = ""
region = "us-east-1"
endpoint = ""
access_key_id = ""
secret_access_key = ""
allow_http = false

[worker]
health_bind = "127.0.0.1:8081"
ready_max_failing_secs = 300
report_interval_secs = 60
session_purge_interval_secs = 3600
session_retention_secs = 86400
orphan_sweep_interval_secs = 600
orphan_blob_age_secs = 3600
orphan_sweep_batch = 100
purge_interval_secs = 3600
purge_batch = 1000
idempotency_retention_secs = 86400
outbox_retention_secs = 604800
notification_retention_secs = 2592000
dead_notification_retention_secs = 7776000
sla_interval_secs = 60
sla_batch = 500
sla_lease_secs = 120
queue_interval_ms = 2000
queue_batch = 200
escalation_interval_secs = 30
escalation_batch = 200
escalation_lease_secs = 120
notify_interval_ms = 1000
notify_plan_batch = 200
notify_batch = 50
notify_lease_secs = 120
notify_concurrency = 8
notify_max_attempts = 10
notify_retry_base_ms = 5000
notify_retry_max_ms = 3600000

[assignment]
assign_on_create = true
weight_low = 1
weight_normal = 2
weight_high = 3
weight_urgent = 5

[survey]
on_resolved = false
delay_minutes = 0
token_days = 14
edit_days = 7
exclude_customer_close_minutes = 10
exclude_merged = true
"#;

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct SettingsError(String);

impl Settings {
    /// The built-in defaults alone (no file, no environment).
    pub fn defaults() -> Result<Self, SettingsError> {
        let settings: Settings = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .build()
            .and_then(Config::try_deserialize)
            .map_err(|e| SettingsError(e.to_string()))?;
        settings.check()?;
        Ok(settings)
    }

    /// Loads defaults, then the file named by `TICKET_CONFIG` (or `./ticket.toml` if it
    /// exists), then the environment.
    pub fn load() -> Result<Self, SettingsError> {
        let file = std::env::var("TICKET_CONFIG").ok();
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        builder = match &file {
            Some(path) => builder.add_source(File::with_name(path).required(true)),
            None => builder.add_source(File::with_name("ticket.toml").required(false)),
        };
        builder = builder.add_source(
            Environment::with_prefix("TICKET")
                .prefix_separator("__")
                .separator("__")
                // Values stay strings until a typed field asks for a number or a bool, so a
                // numeric-looking password is not turned into an integer and back.
                .try_parsing(false)
                .ignore_empty(true),
        );
        if let Ok(url) = std::env::var("DATABASE_URL")
            && !url.is_empty()
        {
            builder = builder
                .set_override("database.url", url)
                .map_err(|e| SettingsError(e.to_string()))?;
        }
        let settings: Settings = builder
            .build()
            .and_then(Config::try_deserialize)
            .map_err(|e| SettingsError(e.to_string()))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), SettingsError> {
        if !matches!(self.log.format.as_str(), "pretty" | "json") {
            return Err(SettingsError(format!(
                "log.format must be `pretty` or `json`, not `{}`",
                self.log.format
            )));
        }
        if self.auth.token_ttl_minutes < 1 {
            return Err(SettingsError("auth.token_ttl_minutes must be at least 1".into()));
        }
        crate::proxies::TrustedProxies::parse(&self.http.trusted_proxies).map_err(SettingsError)?;
        if self.database.max_connections == 0 {
            return Err(SettingsError("database.max_connections must be at least 1".into()));
        }
        let a = &self.attachments;
        if !matches!(a.store.as_str(), "local" | "s3") {
            return Err(SettingsError(format!(
                "attachments.store must be `local` or `s3`, not `{}`",
                a.store
            )));
        }
        if a.store == "s3" && a.s3.bucket.is_empty() {
            return Err(SettingsError(
                "attachments.s3.bucket is required with attachments.store = \"s3\"".into(),
            ));
        }
        if a.max_concurrent_uploads == 0 {
            return Err(SettingsError(
                "attachments.max_concurrent_uploads must be at least 1".into(),
            ));
        }
        if a.max_file_bytes == 0 || a.max_request_bytes < a.max_file_bytes {
            return Err(SettingsError(
                "attachments.max_file_bytes must be positive and at most attachments.max_request_bytes".into(),
            ));
        }
        self.survey_settings()?;
        Ok(())
    }

    /// The survey rules' settings from `survey.*`, checked
    /// ([`domain::survey::SurveySettings::check`]: link lifetime and edit window above
    /// zero, every duration at most a year); the error names the setting.
    pub fn survey_settings(&self) -> Result<domain::survey::SurveySettings, SettingsError> {
        use std::time::Duration;
        let s = &self.survey;
        let minutes = |m: u64| Duration::from_secs(m.saturating_mul(60));
        let days = |d: u64| Duration::from_secs(d.saturating_mul(86_400));
        let settings = domain::survey::SurveySettings {
            on_resolved: s.on_resolved,
            delay: minutes(s.delay_minutes),
            token_lifetime: days(s.token_days),
            edit_window: days(s.edit_days),
            exclude_customer_close_within: (s.exclude_customer_close_minutes > 0)
                .then(|| minutes(s.exclude_customer_close_minutes)),
            exclude_merged: s.exclude_merged,
        };
        settings.check().map_err(|e| {
            let name = match e {
                domain::survey::SurveySettingsError::Zero { setting }
                | domain::survey::SurveySettingsError::TooLong { setting } => setting,
            };
            let key = match name {
                "delay" => "survey.delay_minutes",
                "token_lifetime" => "survey.token_days",
                "edit_window" => "survey.edit_days",
                _ => "survey.exclude_customer_close_minutes",
            };
            SettingsError(format!("{key}: {e}"))
        })?;
        Ok(settings)
    }

    /// How open tickets weigh in an agent's load, from `assignment.weight_*`.
    pub fn load_weights(&self) -> domain::assignment::LoadWeights {
        let a = &self.assignment;
        domain::assignment::LoadWeights {
            by_priority: [a.weight_low, a.weight_normal, a.weight_high, a.weight_urgent],
        }
    }

    /// The rules uploads must meet, from `attachments.*`.
    pub fn attachment_rules(&self) -> Result<AttachmentRules, String> {
        let a = &self.attachments;
        let mut allowed_types = Vec::new();
        for raw in a.allowed_types.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let t = domain::MediaType::parse(raw)
                .ok_or_else(|| format!("attachments.allowed_types: `{raw}` is not a media type"))?;
            allowed_types.push(t);
        }
        Ok(AttachmentRules {
            max_file_bytes: a.max_file_bytes,
            max_files: a.max_files,
            allowed_types,
        })
    }

    /// The login and sign-up limits, from `auth.*`.
    pub fn throttle_policy(&self) -> application::auth::ThrottlePolicy {
        let a = &self.auth;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        application::auth::ThrottlePolicy {
            max_failures: count(a.max_failed_logins),
            max_failures_per_client: count(a.max_failed_logins_per_client),
            account_delay_after: count(a.account_delay_after),
            account_max_delay_seconds: a.account_max_delay_secs,
            window_seconds: a.failed_login_window_minutes.saturating_mul(60),
            max_signups_per_client: count(a.max_signups_per_client),
            signup_window_seconds: a.signup_window_minutes.saturating_mul(60),
            max_resets_per_address: count(a.max_password_resets_per_address),
            max_resets_per_client: count(a.max_password_resets_per_client),
            reset_window_seconds: a.password_reset_window_minutes.saturating_mul(60),
        }
    }

    /// The reverse proxies whose `X-Forwarded-For` is believed (checked when loading).
    pub fn trusted_proxies(&self) -> crate::proxies::TrustedProxies {
        crate::proxies::TrustedProxies::parse(&self.http.trusted_proxies).unwrap_or_default()
    }

    /// Whether the API should run the worker loops in-process.
    pub fn embedded_worker(&self) -> bool {
        self.worker
            .embedded
            .unwrap_or_else(|| self.database.url.expose().starts_with("sqlite:"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_secrets_do_not_print() {
        let settings: Settings = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .build()
            .and_then(Config::try_deserialize)
            .expect("defaults are valid");
        assert_eq!(settings.http.bind, "127.0.0.1:8080");
        assert!(settings.embedded_worker(), "SQLite runs the loops in-process");
        let example = include_str!("../../../deploy/config/ticket.example.toml");
        let from_example: Settings = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .add_source(File::from_str(example, FileFormat::Toml))
            .build()
            .and_then(Config::try_deserialize)
            .expect("the example configuration is valid");
        assert_eq!(from_example.worker.sla_interval_secs, 60);
        let shown = format!("{:?}", Secret("hunter2hunter2".into()));
        assert!(!shown.contains("hunter2"));
    }
}
