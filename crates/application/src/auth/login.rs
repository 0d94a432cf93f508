//! Logging in with e-mail and password.

use std::sync::Arc;

use domain::{Email, Timestamp};

use crate::error::AppError;
use crate::ports::{Clock, PasswordHasher, Session, SessionRepository, TokenIssuer, UserRepository};

use super::authenticate::Principal;
use super::throttle::LoginThrottle;

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

/// Exchanges e-mail and password for a bearer token.
#[derive(Clone)]
pub struct Login {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
    token_ttl_seconds: i64,
    throttle: Arc<LoginThrottle>,
}

impl Login {
    /// Wires the use case; tokens live `token_ttl_seconds`.
    pub fn new(
        users: Arc<dyn UserRepository>,
        sessions: Arc<dyn SessionRepository>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
        token_ttl_seconds: i64,
        throttle: Arc<LoginThrottle>,
    ) -> Self {
        Self {
            users,
            sessions,
            hasher,
            tokens,
            clock,
            token_ttl_seconds,
            throttle,
        }
    }

    /// Checks the credentials and opens a session. An unknown address, a wrong password
    /// and a deactivated account all give [`AppError::InvalidCredentials`] after the same
    /// amount of hashing work, so logins do not reveal which addresses exist.
    ///
    /// Too many failed logins on one account within the throttle's window answer
    /// [`AppError::TooManyAttempts`] without checking the password at all.
    pub async fn execute(&self, email: &str, password: &str) -> Result<LoginOutcome, AppError> {
        let key = email.trim().to_lowercase();
        let started = self.clock.now();
        if let Err(retry_after_seconds) = self.throttle.check(&key, started) {
            return Err(AppError::TooManyAttempts { retry_after_seconds });
        }
        let found = match Email::parse(email) {
            Ok(email) => self.users.find_credentials(&email).await?,
            Err(_) => None,
        };
        let verified = self
            .hasher
            .verify(password, found.as_ref().map(|(_, hash)| hash.as_str()))
            .await;
        let account = match found {
            Some((account, _)) if verified && account.active => account,
            _ => {
                self.throttle.failed(&key, started);
                return Err(AppError::InvalidCredentials);
            }
        };
        self.throttle.succeeded(&key);
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
            Arc::new(LoginThrottle::new(3, 60)),
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
            .execute("ADA@example.com", "pw")
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
        let err = login(users, sessions, hasher).execute("nobody@example.com", "pw").await;
        assert!(matches!(err, Err(AppError::InvalidCredentials)));
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
            .execute("ada@example.com", "pw")
            .await;
        assert!(matches!(err, Err(AppError::InvalidCredentials)));
    }
}

#[cfg(test)]
mod throttling {
    use super::*;
    use crate::ports::{MockClock, MockPasswordHasher, MockSessionRepository, MockTokenIssuer, MockUserRepository};

    #[tokio::test]
    async fn repeated_failures_lock_the_account_without_checking_passwords() {
        let mut users = MockUserRepository::new();
        users.expect_find_credentials().times(2).returning(|_| Ok(None));
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_verify().times(2).returning(|_, _| false);
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::from_unix_seconds(1000));
        let login = Login::new(
            Arc::new(users),
            Arc::new(MockSessionRepository::new()),
            Arc::new(hasher),
            Arc::new(MockTokenIssuer::new()),
            Arc::new(clock),
            3600,
            Arc::new(LoginThrottle::new(2, 900)),
        );
        for _ in 0..2 {
            assert!(matches!(
                login.execute("x@example.com", "guess").await,
                Err(AppError::InvalidCredentials)
            ));
        }
        let third = login.execute("X@example.com ", "guess").await;
        assert!(
            matches!(
                third,
                Err(AppError::TooManyAttempts {
                    retry_after_seconds: 900
                })
            ),
            "{third:?}"
        );
    }
}
