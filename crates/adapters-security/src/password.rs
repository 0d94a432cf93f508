//! argon2id password hashing, run off the async executor.

use application::ports::PasswordHasher;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Hashes with argon2id using OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
/// Hashes are PHC strings, so parameters can be raised later without breaking old hashes.
///
/// At most one hash per CPU core runs at a time (each takes ~19 MiB and a core for tens
/// of milliseconds); further logins wait their turn, so a burst of logins cannot exhaust
/// memory or the blocking thread pool.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
    /// A hash verified against when the login is unknown, so that path costs the same.
    decoy: String,
    permits: Arc<Semaphore>,
}

impl Argon2Hasher {
    /// The recommended parameters.
    pub fn new() -> Result<Self, String> {
        Self::with_params(Params::DEFAULT_M_COST, Params::DEFAULT_T_COST, Params::DEFAULT_P_COST)
    }

    /// Explicit parameters: memory in KiB, passes, lanes.
    pub fn with_params(memory_kib: u32, passes: u32, lanes: u32) -> Result<Self, String> {
        let params = Params::new(memory_kib, passes, lanes, None).map_err(|e| e.to_string())?;
        let decoy = hash_with(&params, "decoy password for unknown logins")?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Ok(Self {
            params,
            decoy,
            permits: Arc::new(Semaphore::new(cores)),
        })
    }
}

fn argon(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_with(params: &Params, password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    argon(params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_with(params: &Params, password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| argon(params).verify_password(password.as_bytes(), &parsed).is_ok())
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &str) -> Result<String, String> {
        let (params, password) = (self.params.clone(), password.to_owned());
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| e.to_string())?;
        // The permit goes with the work: a caller that stops waiting (a client gone) does
        // not free it while the hash still runs.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash_with(&params, &password)
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn verify<'a>(&self, password: &str, hash: Option<&'a str>) -> bool {
        let params = self.params.clone();
        let password = password.to_owned();
        let (hash, real) = match hash {
            Some(h) => (h.to_owned(), true),
            None => (self.decoy.clone(), false),
        };
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return false;
        };
        let matched = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            verify_with(&params, &password, &hash)
        })
        .await
        .unwrap_or(false);
        matched && real
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Argon2Hasher {
        Argon2Hasher::with_params(256, 1, 1).expect("valid params")
    }

    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let hasher = fast();
        let hash = hasher.hash("correct horse battery").await.expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher.verify("correct horse battery", Some(&hash)).await);
        assert!(!hasher.verify("wrong horse battery", Some(&hash)).await);
        assert!(!hasher.verify("correct horse battery", Some("not a phc string")).await);
    }

    #[tokio::test]
    async fn salts_differ_and_unknown_logins_never_match() {
        let hasher = fast();
        let a = hasher.hash("same").await.expect("hashes");
        let b = hasher.hash("same").await.expect("hashes");
        assert_ne!(a, b);
        assert!(!hasher.verify("decoy password for unknown logins", None).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_stops_waiting_does_not_free_the_permit_of_a_running_hash() {
        // Slow enough (64 MiB, 4 passes) that the hash outlives the caller's patience.
        let mut hasher = Argon2Hasher::with_params(64 * 1024, 4, 1).expect("valid params");
        hasher.permits = Arc::new(Semaphore::new(1));
        let hash = hasher.decoy.clone();
        let gave_up = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            hasher.verify("a guess", Some(&hash)),
        )
        .await;
        assert!(gave_up.is_err(), "the caller stopped waiting before the hash finished");
        assert_eq!(
            hasher.permits.available_permits(),
            0,
            "the abandoned hash still runs, so it still holds its permit"
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while hasher.permits.available_permits() == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the permit comes back when the hash ends"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}
