//! Logging in with e-mail and password.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use domain::{Email, Timestamp};

use crate::error::AppError;
use crate::ports::{AttemptStore, Clock, PasswordHasher, Session, SessionRepository, TokenIssuer, UserRepository};

use super::authenticate::Principal;
use super::throttle::{Admission, ClientKey, ThrottlePolicy};

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The bearer token. Shown once; only its hash is stored.
    pub token: String,
    /// When the token stops working.
    pub expires_at: Timestamp,
    /// Who logged in.
    pub principal: Principal,
}

/// What logins did since the process started, for `/metrics`.
#[derive(Debug, Default)]
pub struct LoginCounters {
    verified: AtomicU64,
    throttled: AtomicU64,
    succeeded: AtomicU64,
}

impl LoginCounters {
    /// Passwords checked with the hasher (each one an argon2 verification).
    pub fn verified(&self) -> u64 {
        self.verified.load(Ordering::Relaxed)
    }

    /// Logins refused by the throttle before any hashing.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Logins that opened a session.
    pub fn succeeded(&self) -> u64 {
        self.succeeded.load(Ordering::Relaxed)
    }
}

/// Exchanges e-mail and password for a bearer token.
#[derive(Clone)]
pub struct Login {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
    token_ttl_seconds: i64,
    attempts: Arc<dyn AttemptStore>,
    policy: ThrottlePolicy,
    counters: Arc<LoginCounters>,
}

impl Login {
    /// Wires the use case; tokens live `token_ttl_seconds`, and attempts are counted in
    /// `attempts` under `policy`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
        token_ttl_seconds: i64,
        attempts: Arc<dyn AttemptStore>,
        policy: ThrottlePolicy,
    ) -> Self {
        Self {
            users,
            sessions,
            hasher,
            tokens,
            clock,
            token_ttl_seconds,
            attempts,
            policy,
            counters: Arc::default(),
        }
    }

    /// What logins did so far (shared by the clones of this use case).
    pub fn counters(&self) -> Arc<LoginCounters> {
        self.counters.clone()
    }

    /// Checks the credentials and opens a session. An unknown address, a wrong password
    /// and a deactivated account all give [`AppError::InvalidCredentials`] after the same
    /// amount of hashing work, so logins do not reveal which addresses exist.
    ///
    /// An address that is not one is refused as invalid before anything is counted or
    /// hashed. Every other attempt is reserved with the throttle first (see
    /// [`ThrottlePolicy`]); a refused one answers [`AppError::TooManyAttempts`] without
    /// checking the password, so at most the configured number of guesses per window
    /// reach the hasher however many arrive at once.
    pub async fn execute(&self, email: &str, password: &str, client: &ClientKey) -> Result<LoginOutcome, AppError> {
        let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
        let started = self.clock.now();
        match self
            .attempts
            .reserve(self.policy.login(&email, client), started)
            .await?
        {
            Admission::Admitted => {}
            Admission::Refused { retry_after_seconds } => {
                self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                return Err(AppError::TooManyAttempts { retry_after_seconds });
            }
        }
        let found = self.users.find_credentials(&email).await?;
        self.counters.verified.fetch_add(1, Ordering::Relaxed);
        let verified = self
            .hasher
            .verify(password, found.as_ref().map(|(_, hash)| hash.as_str()))
            .await;
        let account = match found {
            Some((account, _)) if verified && account.active => account,
            _ => return Err(AppError::InvalidCredentials),
        };
        let now = self.clock.now();
        let (token, token_hash) = self.tokens.issue();
        let expires_at = now.plus_seconds(self.token_ttl_seconds);
        self.sessions
            .insert(Session {
                token_hash,
                user_id: account.id,
                created_at: now,
                expires_at,
            })
            .await?;
        self.counters.succeeded.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.attempts.settle(self.policy.login_succeeded(&email, client)).await {
            // The session exists; a counter left high only slows this client a little.
            tracing::warn!(error = %e, "could not clear the login throttle after a successful login");
        }
        Ok(LoginOutcome {
            token,
            expires_at,
            principal: Principal { account },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{
        MockClock, MockPasswordHasher, MockSessionRepository, MockTokenIssuer, MockUserRepository, TokenHash,
        UserAccount,
    };
    use crate::testing::Fake;
    use domain::{DisplayName, Role, UserId};

    fn account(active: bool) -> UserAccount {
        UserAccount {
            id: UserId::new(1),
            email: Email::parse("ada@example.com").expect("valid"),
            display_name: DisplayName::parse("Ada").expect("valid"),
            role: Role::Agent,
            active,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn client() -> ClientKey {
        ClientKey::from_ip("10.0.0.1".parse().expect("ip"))
    }

    fn login(users: MockUserRepository, sessions: MockSessionRepository, hasher: MockPasswordHasher) -> Login {
        let mut tokens = MockTokenIssuer::new();
        tokens
            .expect_issue()
            .returning(|| ("tkn".to_owned(), TokenHash("h".to_owned())));
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::from_unix_seconds(1000));
        Login::new(
            Arc::new(users),
            Arc::new(sessions),
            Arc::new(hasher),
            Arc::new(tokens),
            Arc::new(clock),
            3600,
            Arc::new(Fake::default()),
            ThrottlePolicy::default(),
        )
    }

    #[tokio::test]
    async fn right_password_opens_a_session_that_expires() {
        let mut users = MockUserRepository::new();
        users
            .expect_find_credentials()
            .returning(|_| Ok(Some((account(true), "phc".to_owned()))));
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .withf(|p, h| p == "pw" && *h == Some("phc"))
            .returning(|_, _| true);
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_insert()
            .withf(|s| {
                s.user_id == UserId::new(1)
                    && s.expires_at == Timestamp::from_unix_seconds(4600)
                    && s.token_hash.0 == "h"
            })
            .times(1)
            .returning(|_| Ok(()));
        let outcome = login(users, sessions, hasher)
            .execute("ADA@example.com", "pw", &client())
            .await
            .expect("logs in");
        assert_eq!(outcome.token, "tkn");
        assert_eq!(outcome.expires_at, Timestamp::from_unix_seconds(4600));
    }

    #[tokio::test]
    async fn unknown_address_still_hashes_and_is_refused_like_a_wrong_password() {
        let mut users = MockUserRepository::new();
        users.expect_find_credentials().returning(|_| Ok(None));
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .withf(|p, h| p == "pw" && h.is_none())
            .times(1)
            .returning(|_, _| false);
        let sessions = MockSessionRepository::new();
        let err = login(users, sessions, hasher)
            .execute("nobody@example.com", "pw", &client())
            .await;
        assert!(matches!(err, Err(AppError::InvalidCredentials)));
    }

    #[tokio::test]
    async fn an_invalid_address_is_refused_before_any_lookup_count_or_hash() {
        // No expectations: any lookup or verification would panic the mocks.
        let login = login(
            MockUserRepository::new(),
            MockSessionRepository::new(),
            MockPasswordHasher::new(),
        );
        let long = format!("{}@example.com", "a".repeat(10_000));
        for raw in ["not an address", "", long.as_str()] {
            let err = login.execute(raw, "pw", &client()).await;
            assert!(
                matches!(&err, Err(AppError::Invalid(f)) if f[0].field == "email"),
                "{err:?}"
            );
        }
        assert_eq!(login.counters().verified(), 0);
    }

    #[tokio::test]
    async fn deactivated_accounts_cannot_log_in_even_with_the_right_password() {
        let mut users = MockUserRepository::new();
        users
            .expect_find_credentials()
            .returning(|_| Ok(Some((account(false), "phc".to_owned()))));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().returning(|_, _| true);
        let err = login(users, MockSessionRepository::new(), hasher)
            .execute("ada@example.com", "pw", &client())
            .await;
        assert!(matches!(err, Err(AppError::InvalidCredentials)));
    }
}

#[cfg(test)]
mod throttling {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::ports::{MockClock, TokenHash};
    use crate::testing::Fake;
    use domain::Role;

    /// A hasher that takes its time, as argon2 does, so parallel logins overlap; the
    /// right password is "right".
    #[derive(Default)]
    struct SlowHasher {
        verified: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl PasswordHasher for SlowHasher {
        async fn hash(&self, password: &str) -> Result<String, String> {
            Ok(password.to_owned())
        }
        async fn verify<'a>(&self, password: &str, hash: Option<&'a str>) -> bool {
            self.verified.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            hash.is_some() && password == "right"
        }
    }

    struct Tokens;
    impl TokenIssuer for Tokens {
        fn issue(&self) -> (String, TokenHash) {
            static N: AtomicU64 = AtomicU64::new(0);
            let n = N.fetch_add(1, Ordering::SeqCst);
            (format!("t{n}"), TokenHash(format!("h{n}")))
        }
        fn hash(&self, token: &str) -> TokenHash {
            TokenHash(token.to_owned())
        }
    }

    fn desk(policy: ThrottlePolicy) -> (Login, Arc<SlowHasher>) {
        let db = Fake::default().with_user(1, Role::Customer);
        db.state().passwords.insert(1, "right".into());
        let hasher = Arc::new(SlowHasher::default());
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::from_unix_seconds(1000));
        let login = Login::new(
            Arc::new(db.clone()),
            Arc::new(db.clone()),
            hasher.clone(),
            Arc::new(Tokens),
            Arc::new(clock),
            3600,
            Arc::new(db),
            policy,
        );
        (login, hasher)
    }

    fn ip(s: &str) -> ClientKey {
        ClientKey::from_ip(s.parse().expect("ip"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parallel_guesses_are_reserved_before_hashing_so_no_more_than_the_limit_are_verified() {
        let (login, hasher) = desk(ThrottlePolicy {
            max_failures: 10,
            ..ThrottlePolicy::default()
        });
        let guesses = (0..300).map(|i| {
            let login = login.clone();
            tokio::spawn(async move {
                login
                    .execute("u1@example.com", &format!("guess{i}"), &ip("10.0.0.1"))
                    .await
            })
        });
        let mut refused = 0;
        for g in guesses {
            match g.await.expect("joins") {
                Err(AppError::TooManyAttempts { retry_after_seconds }) => {
                    assert!(retry_after_seconds > 0);
                    refused += 1;
                }
                Err(AppError::InvalidCredentials) => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            hasher.verified.load(Ordering::SeqCst),
            10,
            "only the limit reached the hasher"
        );
        assert_eq!(login.counters().verified(), 10);
        assert_eq!(refused, 290);
        let owner = login.execute("U1@example.com ", "right", &ip("10.0.0.2")).await;
        assert!(
            owner.is_ok(),
            "the owner from another address logs in at once: {owner:?}"
        );
    }

    #[tokio::test]
    async fn a_success_clears_the_clients_count_on_that_account() {
        let (login, _) = desk(ThrottlePolicy {
            max_failures: 2,
            ..ThrottlePolicy::default()
        });
        let me = ip("10.0.0.1");
        assert!(login.execute("u1@example.com", "wrong", &me).await.is_err());
        assert!(login.execute("u1@example.com", "right", &me).await.is_ok());
        for _ in 0..2 {
            assert!(matches!(
                login.execute("u1@example.com", "wrong", &me).await,
                Err(AppError::InvalidCredentials)
            ));
        }
        assert!(matches!(
            login.execute("u1@example.com", "wrong", &me).await,
            Err(AppError::TooManyAttempts {
                retry_after_seconds: 900
            })
        ));
    }
}
