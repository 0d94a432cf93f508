//! Idempotent commands: a retry with the same `Idempotency-Key` is answered with what the
//! first request made, also when the retry raced the first request's commit.

use domain::{Actor, Timestamp};

use crate::error::AppError;
use crate::ports::{IdempotencyRecord, IdempotencyRepository, StoreError, Write};

/// The longest `Idempotency-Key` accepted.
pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 255;

/// The code of the conflict a commit answers when a concurrent retry with the same key
/// committed first; [`Idempotent::run`] answers it by replaying.
const KEY_RACE: &str = "idempotency_key";

/// One request's idempotency key (if it has one) in a scope, with the request's
/// fingerprint.
pub(crate) struct Idempotent<'a> {
    idempotency: &'a dyn IdempotencyRepository,
    actor: Actor,
    scope: &'static str,
    key: Option<&'a str>,
    print: &'a str,
}

impl<'a> Idempotent<'a> {
    /// The key `key` (already checked with [`check_key`]) of `actor`'s request `print` in
    /// `scope`.
    pub(crate) fn new(
        idempotency: &'a dyn IdempotencyRepository,
        actor: Actor,
        scope: &'static str,
        key: Option<&'a str>,
        print: &'a str,
    ) -> Self {
        Self {
            idempotency,
            actor,
            scope,
            key,
            print,
        }
    }

    /// Answers the request: with what an earlier request with this key made (`true`), or
    /// by running `run` (`false`). When `run` lost the race to a concurrent retry with the
    /// same key (its commit answered [`key_race`]), answers as that retry did. `load`
    /// reads the resource a remembered key names.
    pub(crate) async fn run<T>(
        &self,
        load: impl AsyncFn(i64) -> Result<T, AppError>,
        run: impl AsyncFnOnce() -> Result<T, AppError>,
    ) -> Result<(T, bool), AppError> {
        if let Some(id) = self.earlier().await? {
            return Ok((load(id).await?, true));
        }
        match run().await {
            Ok(made) => Ok((made, false)),
            Err(AppError::Conflict { code: KEY_RACE, .. }) => match self.earlier().await? {
                Some(id) => Ok((load(id).await?, true)),
                None if self.key.is_none() => Err(AppError::Internal("duplicate idempotency key without a key".into())),
                None => Err(AppError::Internal("idempotency key vanished".into())),
            },
            Err(e) => Err(e),
        }
    }

    /// The write that remembers the key for the resource `resource_id`, if there is a key.
    pub(crate) fn remember(&self, resource_id: i64, now: Timestamp) -> Option<Write> {
        self.key.map(|key| {
            Write::RememberIdempotencyKey(IdempotencyRecord {
                user_id: self.actor.user_id,
                scope: self.scope,
                key: key.to_owned(),
                fingerprint: self.print.to_owned(),
                resource_id,
                created_at: now,
            })
        })
    }

    /// What an earlier request with this key made: the resource id. The same key with a
    /// different request is [`AppError::IdempotencyKeyReused`].
    async fn earlier(&self) -> Result<Option<i64>, AppError> {
        let Some(key) = self.key else {
            return Ok(None);
        };
        match self.idempotency.find(self.actor.user_id, self.scope, key).await? {
            None => Ok(None),
            Some(record) if record.fingerprint == self.print => Ok(Some(record.resource_id)),
            Some(_) => Err(AppError::IdempotencyKeyReused),
        }
    }
}

/// The error of a failed commit: a remembered key refused ([`StoreError::Duplicate`] of
/// `idempotency_key`) becomes the race [`Idempotent::run`] replays.
pub(crate) fn key_race(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate("idempotency_key") => AppError::Conflict {
            code: KEY_RACE,
            message: "a concurrent retry with the same key committed first".into(),
        },
        e => e.into(),
    }
}

/// Checks an `Idempotency-Key`: 1 to [`IDEMPOTENCY_KEY_MAX_LEN`] visible ASCII characters.
pub(crate) fn check_key(key: Option<&str>) -> Result<Option<&str>, AppError> {
    match key {
        None => Ok(None),
        Some(k) if !k.is_empty() && k.len() <= IDEMPOTENCY_KEY_MAX_LEN && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k))
        }
        Some(_) => Err(AppError::invalid(
            "Idempotency-Key",
            format!("must be 1 to {IDEMPOTENCY_KEY_MAX_LEN} visible ASCII characters"),
        )),
    }
}
