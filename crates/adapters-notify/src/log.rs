//! The gateway used when no provider is configured: the tracing log plus a JSON-lines file.

use std::fmt;
use std::path::{Path, PathBuf};

use application::ports::{NotificationGateway, OutgoingMessage, SendError};
use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use tokio::fs::{File, OpenOptions};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

/// "Sends" a message by logging it (target `notifications`, without the bodies at info
/// level) and appending it as one JSON line to a file: `sent_at`, `idempotency_key`,
/// `channel`, `to`, `to_name`, `subject`, `text`, `html`.
pub struct LogGateway {
    path: PathBuf,
    /// Opened on the first message; one writer at a time, so lines never interleave.
    file: Mutex<Option<File>>,
}

impl LogGateway {
    /// A gateway appending to `path` (created, with its parent directories, on first use).
    pub fn new(path: impl Into<PathBuf>) -> LogGateway {
        LogGateway {
            path: path.into(),
            file: Mutex::new(None),
        }
    }

    /// The file messages are appended to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn append(&self, line: &[u8]) -> std::io::Result<()> {
        let mut slot = self.file.lock().await;
        let file = match &mut *slot {
            Some(file) => file,
            empty @ None => empty.insert(open(&self.path).await?),
        };
        let written = match file.write_all(line).await {
            Ok(()) => file.flush().await,
            Err(error) => Err(error),
        };
        if written.is_err() {
            // Reopen next time: the file may have been moved or its disk replaced.
            *slot = None;
        }
        written
    }
}

impl fmt::Debug for LogGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogGateway")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl NotificationGateway for LogGateway {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError> {
        let channel = message.channel.as_str();
        // Addresses and customer-written subjects are personal data: not at info.
        tracing::info!(
            target: "notifications",
            idempotency_key = %message.idempotency_key,
            channel,
            file = %self.path.display(),
            "notification logged (no provider configured)"
        );
        tracing::debug!(
            target: "notifications",
            idempotency_key = %message.idempotency_key,
            to = %message.to,
            subject = %message.content.subject,
            text = %message.content.text,
            "notification body"
        );
        let mut line = serde_json::json!({
            "sent_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            "idempotency_key": message.idempotency_key,
            "channel": channel,
            "to": message.to,
            "to_name": message.to_name,
            "subject": message.content.subject,
            "text": message.content.text,
            "html": message.content.html,
        })
        .to_string();
        line.push('\n');
        self.append(line.as_bytes())
            .await
            .map_err(|error| SendError::Transient {
                reason: format!("notification log {}: {error}", self.path.display()),
                retry_after_secs: None,
            })
    }
}

async fn open(path: &Path) -> std::io::Result<File> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    // The file holds addresses and message bodies: readable by its owner only.
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).await
}
