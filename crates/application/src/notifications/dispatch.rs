//! The dispatcher's tick: claim due notifications, render, send, record the outcome.

use std::sync::Arc;

use futures_util::StreamExt;

use crate::error::AppError;
use crate::ports::{
    Clock, Notification, NotificationGateway, NotificationRepository, Outcome, OutgoingMessage, SendError,
    TemplateRenderer,
};

/// When to try a failed notification again, and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a notification failing for now is dead-lettered.
    pub max_attempts: u32,
    /// The delay after the first failure, in milliseconds; it doubles with each failure.
    pub base_delay_ms: u64,
    /// The longest delay, in milliseconds.
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay_ms: 5_000,
            max_delay_ms: 3_600_000,
        }
    }
}

impl RetryPolicy {
    /// The delay before the next attempt after `attempts` failed ones: exponential
    /// backoff with "equal jitter" (half fixed, half random from `seed`, so replicas
    /// retrying together spread out), and never sooner than the provider's `Retry-After`
    /// (up to a day).
    pub fn delay_ms(&self, attempts: u32, seed: u64, retry_after_secs: Option<u64>) -> u64 {
        let exponent = attempts.saturating_sub(1).min(32);
        let full = self
            .base_delay_ms
            .saturating_mul(1_u64 << exponent)
            .min(self.max_delay_ms)
            .max(1);
        let half = full / 2;
        let jittered = half + mix(seed) % (full - half + 1);
        // A provider's wait is honoured up to a day: a bogus header must not park a
        // notification for years.
        let asked = retry_after_secs
            .unwrap_or(0)
            .min(MAX_RETRY_AFTER_SECS)
            .saturating_mul(1_000);
        jittered.max(asked)
    }
}

/// The longest `Retry-After` honoured, in seconds.
const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// A well-spread 64-bit hash (splitmix64) for the jitter: no random source needed.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchTick {
    /// Notifications leased.
    pub claimed: usize,
    /// Accepted by the provider.
    pub sent: usize,
    /// Failed for now, to be tried again.
    pub retried: usize,
    /// Dead-lettered: refused by the provider, unrenderable, or out of attempts.
    pub dead: usize,
    /// Outcomes not recorded because another dispatcher took the row over after this
    /// one's lease ran out.
    pub lost_lease: usize,
    /// Outcomes that could not be recorded (storage failed); the lease runs out and the
    /// notification is sent again.
    pub failed: usize,
    /// The last failure, for the log.
    pub last_error: Option<String>,
}

/// Delivers queued notifications: leases due rows to this dispatcher (several run safely
/// side by side), renders each with its template, hands it to the gateway, and records
/// what came of it — sent; retried with exponential backoff and jitter after a network
/// error, 429 or 5xx (never before the provider's `Retry-After`); dead-lettered with the
/// reason after any other 4xx, a template that does not render, or the last attempt.
/// Delivery is at least once: a dispatcher killed mid-batch leaves its rows leased, and
/// they are sent again when the lease runs out (at most one batch twice).
#[derive(Clone)]
pub struct DispatchNotifications {
    store: Arc<dyn NotificationRepository>,
    renderer: Arc<dyn TemplateRenderer>,
    gateway: Arc<dyn NotificationGateway>,
    clock: Arc<dyn Clock>,
    claimant: String,
    settings: DispatchSettings,
}

/// How a dispatcher works through its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DispatchSettings {
    batch: u32,
    lease_seconds: i64,
    concurrency: usize,
    retry: RetryPolicy,
}

impl DispatchNotifications {
    /// Wires the use case. `claimant` names this dispatcher in its leases (unique per
    /// process); at most `batch` rows per tick, leased for `lease_seconds` (longer than a
    /// batch takes to send), `concurrency` sends at a time.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn NotificationRepository>,
        renderer: Arc<dyn TemplateRenderer>,
        gateway: Arc<dyn NotificationGateway>,
        clock: Arc<dyn Clock>,
        claimant: String,
        batch: u32,
        lease_seconds: i64,
        concurrency: usize,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            store,
            renderer,
            gateway,
            clock,
            claimant,
            settings: DispatchSettings {
                batch: batch.max(1),
                lease_seconds: lease_seconds.max(1),
                concurrency: concurrency.max(1),
                retry: RetryPolicy {
                    max_attempts: retry.max_attempts.max(1),
                    ..retry
                },
            },
        }
    }

    /// The most notifications one [`DispatchNotifications::tick`] takes.
    pub fn batch_size(&self) -> usize {
        self.settings.batch as usize
    }

    /// One pass: claim, deliver (several at a time), record.
    pub async fn tick(&self) -> Result<DispatchTick, AppError> {
        let now = self.clock.now();
        let rows = self
            .store
            .claim_notifications(
                now,
                now.plus_seconds(self.settings.lease_seconds),
                self.settings.batch,
                &self.claimant,
            )
            .await?;
        let mut tick = DispatchTick {
            claimed: rows.len(),
            ..DispatchTick::default()
        };
        let mut results = futures_util::stream::iter(rows)
            .map(|n| self.deliver(n))
            .buffer_unordered(self.settings.concurrency);
        while let Some((outcome, recorded)) = results.next().await {
            match recorded {
                Ok(true) => match outcome {
                    Outcome::Sent => tick.sent += 1,
                    Outcome::Retry { .. } => tick.retried += 1,
                    Outcome::Dead { .. } => tick.dead += 1,
                },
                Ok(false) => tick.lost_lease += 1,
                Err(e) => {
                    tick.failed += 1;
                    tick.last_error = Some(e);
                }
            }
        }
        Ok(tick)
    }

    /// Renders and sends one notification and records the outcome.
    async fn deliver(&self, n: Notification) -> (Outcome, Result<bool, String>) {
        let attempt = n.attempts.saturating_add(1);
        let outcome = match self.renderer.render(&n.spec.template, n.spec.channel, &n.spec.context) {
            Err(e) => Outcome::Dead {
                error: format!("template {}: {e}", n.spec.template),
            },
            Ok(content) => {
                let message = OutgoingMessage {
                    idempotency_key: n.spec.idempotency_key.clone(),
                    channel: n.spec.channel,
                    to: n.spec.address.clone(),
                    to_name: n.spec.recipient_name.clone(),
                    content,
                };
                match self.gateway.send(&message).await {
                    Ok(()) => Outcome::Sent,
                    Err(SendError::Permanent { reason }) => Outcome::Dead { error: reason },
                    Err(SendError::Transient { reason, .. }) if attempt >= self.settings.retry.max_attempts => {
                        Outcome::Dead {
                            error: format!("gave up after {attempt} attempts: {reason}"),
                        }
                    }
                    Err(SendError::Transient {
                        reason,
                        retry_after_secs,
                    }) => {
                        let seed = (n.id as u64) ^ (u64::from(attempt) << 48) ^ self.clock.now().unix_micros() as u64;
                        let delay = self.settings.retry.delay_ms(attempt, seed, retry_after_secs);
                        Outcome::Retry {
                            at: self
                                .clock
                                .now()
                                .plus_micros(i64::try_from(delay.saturating_mul(1_000)).unwrap_or(i64::MAX)),
                            error: reason,
                        }
                    }
                }
            }
        };
        let recorded = self
            .store
            .record_outcome(n.id, &self.claimant, self.clock.now(), outcome.clone())
            .await
            .map_err(|e| format!("notification {}: {e}", n.id));
        (outcome, recorded)
    }
}
