//! Changing a password: the caller's own (`/me/password`), by an e-mailed reset link,
//! and by an operator (`ticket-api user set-password`). Every new password meets the
//! policy ([`crate::auth::check_password`]), and each change commits with the sessions it
//! ends, in one change set.

use std::sync::Arc;

use domain::escalation::Channel;
use domain::{Actor, Email, UserId};

use crate::auth::{Admission, ClientKey, ThrottlePolicy, check_password};
use crate::error::{AppError, require_admin};
use crate::ports::{
    AttemptStore, ChangeSet, Clock, NewNotification, NewPasswordReset, PasswordHasher, PasswordResets, StoreError,
    TemplateContext, TokenIssuer, UnitOfWork, UserAccount, UserRepository, Write,
};

/// The longest reset token looked up; ours are far shorter.
const MAX_TOKEN_LEN: usize = 256;

/// The stable code of a wrong current password (`current_password`'s field error).
pub const WRONG_PASSWORD: &str = "wrong_password";
/// The stable code of an unknown, used or expired reset token (`token`'s field error).
pub const INVALID_TOKEN: &str = "invalid_token";

/// Checks `password` against the policy for `email`'s account: 422 on `field` naming
/// the rule.
fn policy(field: &str, password: &str, email: &Email) -> Result<(), AppError> {
    check_password(password, Some(email)).map_err(|refusal| AppError::password(field, refusal))
}

/// A caller changes their own password: `POST /me/password`.
#[derive(Clone)]
pub struct ChangePassword {
    users: Arc<dyn UserRepository>,
    uow: Arc<dyn UnitOfWork>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    attempts: Arc<dyn AttemptStore>,
    clock: Arc<dyn Clock>,
    policy: ThrottlePolicy,
}

/// What a password change is made of, as received.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    /// The password the caller has now.
    pub current_password: String,
    /// The one they want.
    pub new_password: String,
}

impl ChangePassword {
    /// Wires the use case; wrong current passwords count as failed logins under `policy`.
    pub fn new(
        users: Arc<dyn UserRepository>,
        uow: Arc<dyn UnitOfWork>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenIssuer>,
        attempts: Arc<dyn AttemptStore>,
        clock: Arc<dyn Clock>,
        policy: ThrottlePolicy,
    ) -> Self {
        Self {
            users,
            uow,
            hasher,
            tokens,
            attempts,
            clock,
            policy,
        }
    }

    /// Changes `caller`'s password, presented with their bearer `token` from `client`.
    /// The new password must meet the policy ([`AppError::Invalid`] on `new_password`,
    /// checked first, counting nothing). The current one is checked like a login — the
    /// attempt is reserved with the login throttle of the caller's account and client
    /// address first ([`AppError::TooManyAttempts`]), so a stolen token cannot be used
    /// to guess the password faster than logging in could — and a wrong one is
    /// [`AppError::Invalid`] on `current_password` with code [`WRONG_PASSWORD`]. Then the
    /// new hash is stored and every other session of the caller revoked, in one commit;
    /// the session of `token` lives on.
    pub async fn execute(
        &self,
        caller: &UserAccount,
        token: &str,
        change: PasswordChange,
        client: &ClientKey,
    ) -> Result<(), AppError> {
        policy("new_password", &change.new_password, &caller.email)?;
        let plan = self.policy.login(&caller.email, client);
        if let Admission::Refused { retry_after_seconds } = self.attempts.reserve(plan, self.clock.now()).await? {
            return Err(AppError::TooManyAttempts { retry_after_seconds });
        }
        let found = self.users.find_credentials(&caller.email).await?;
        let stored = found
            .as_ref()
            .filter(|(a, _)| a.id == caller.id)
            .map(|(_, h)| h.as_str());
        if !self.hasher.verify(&change.current_password, stored).await {
            return Err(AppError::Invalid(vec![crate::error::FieldError::coded(
                "current_password",
                WRONG_PASSWORD,
                "is not the account's password",
            )]));
        }
        let password_hash = self
            .hasher
            .hash(&change.new_password)
            .await
            .map_err(AppError::Internal)?;
        let mut changes = ChangeSet::default();
        changes
            .push(Write::SetPassword {
                user_id: caller.id,
                password_hash,
            })
            .push(Write::RevokeSessions {
                user_id: caller.id,
                except: Some(self.tokens.hash(token)),
                at: self.clock.now(),
            });
        self.uow.commit(changes).await?;
        if let Err(e) = self
            .attempts
            .settle(self.policy.login_succeeded(&caller.email, client))
            .await
        {
            tracing::warn!(error = %e, "could not clear the login throttle after a password change");
        }
        Ok(())
    }
}

/// How password reset links are made.
#[derive(Debug, Clone)]
pub struct ResetSettings {
    /// The page a reset link opens (`…/api/v1/auth/password-reset`); the token is added
    /// as `?token=`.
    pub reset_url: String,
    /// How long a link works.
    pub token_ttl_seconds: i64,
}

/// Sends password reset links: to whoever asks for an address (`POST
/// /auth/password-reset/request`), or to a user an admin names (`POST
/// /users/{id}/password-reset`).
#[derive(Clone)]
pub struct RequestPasswordReset {
    users: Arc<dyn UserRepository>,
    resets: Arc<dyn PasswordResets>,
    tokens: Arc<dyn TokenIssuer>,
    attempts: Arc<dyn AttemptStore>,
    clock: Arc<dyn Clock>,
    policy: ThrottlePolicy,
    settings: ResetSettings,
}

impl RequestPasswordReset {
    /// Wires the use case.
    pub fn new(
        users: Arc<dyn UserRepository>,
        resets: Arc<dyn PasswordResets>,
        tokens: Arc<dyn TokenIssuer>,
        attempts: Arc<dyn AttemptStore>,
        clock: Arc<dyn Clock>,
        policy: ThrottlePolicy,
        settings: ResetSettings,
    ) -> Self {
        Self {
            users,
            resets,
            tokens,
            attempts,
            clock,
            policy,
            settings,
        }
    }

    /// An anonymous request for `email` from `client`. The answer is the same whether
    /// or not the address has an account: `Ok` — and when it belongs to an active
    /// account, a single-use link is e-mailed to it. [`AppError::Invalid`] only for
    /// something that is no e-mail address at all; [`AppError::TooManyAttempts`] beyond
    /// the limits per address (counted for unknown addresses too) and per client.
    pub async fn execute(&self, email: &str, client: &ClientKey) -> Result<(), AppError> {
        let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
        let plan = self.policy.reset_request(&email, client);
        if let Admission::Refused { retry_after_seconds } = self.attempts.reserve(plan, self.clock.now()).await? {
            return Err(AppError::TooManyAttempts { retry_after_seconds });
        }
        // The token is drawn either way, so both answers do the same work up to the write.
        let (token, token_hash) = self.tokens.issue();
        match self.users.find_credentials(&email).await? {
            Some((account, _)) if account.active => self.send(&account, &token, token_hash).await,
            _ => Ok(()),
        }
    }

    /// An admin (`actor`) has a link e-mailed to user `id`: [`AppError::Forbidden`] for
    /// anyone else, [`AppError::NotFound`] for no such user, [`AppError::Conflict`]
    /// `user_inactive` for a deactivated or unverified account (a reset would not let it
    /// log in).
    pub async fn for_user(&self, actor: &Actor, id: UserId) -> Result<(), AppError> {
        require_admin(actor, "only admins may send password reset links")?;
        let account = self.users.get(id).await?.ok_or(AppError::NotFound("user"))?;
        if !account.active {
            return Err(AppError::Conflict {
                code: "user_inactive",
                message: "the account is not active; a password reset would not let it log in".into(),
            });
        }
        let (token, token_hash) = self.tokens.issue();
        self.send(&account, &token, token_hash).await
    }

    async fn send(
        &self,
        account: &UserAccount,
        token: &str,
        token_hash: crate::ports::TokenHash,
    ) -> Result<(), AppError> {
        let now = self.clock.now();
        let context = TemplateContext::from([
            ("recipient_name".to_owned(), account.display_name.to_string()),
            (
                "reset_url".to_owned(),
                format!("{}?token={token}", self.settings.reset_url),
            ),
            (
                "valid_minutes".to_owned(),
                (self.settings.token_ttl_seconds / 60).max(1).to_string(),
            ),
        ]);
        let reset = NewPasswordReset {
            token_hash: token_hash.clone(),
            user_id: account.id,
            created_at: now,
            expires_at: now.plus_seconds(self.settings.token_ttl_seconds),
            email: NewNotification {
                idempotency_key: format!("password-reset:{}", token_hash.0),
                event_id: None,
                ticket_id: None,
                recipient_id: Some(account.id),
                channel: Channel::Email,
                address: account.email.to_string(),
                recipient_name: Some(account.display_name.to_string()),
                template: "password_reset".to_owned(),
                context,
                at: now,
            },
        };
        self.resets.issue_password_reset(reset).await.map_err(|e| match e {
            StoreError::Reference(_) => AppError::NotFound("user"),
            other => other.into(),
        })
    }
}

/// Follows a reset link: `POST /auth/password-reset` `{token, new_password}`.
#[derive(Clone)]
pub struct ResetPassword {
    users: Arc<dyn UserRepository>,
    resets: Arc<dyn PasswordResets>,
    uow: Arc<dyn UnitOfWork>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    attempts: Arc<dyn AttemptStore>,
    clock: Arc<dyn Clock>,
    policy: ThrottlePolicy,
}

impl ResetPassword {
    /// Wires the use case.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        users: Arc<dyn UserRepository>,
        resets: Arc<dyn PasswordResets>,
        uow: Arc<dyn UnitOfWork>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenIssuer>,
        attempts: Arc<dyn AttemptStore>,
        clock: Arc<dyn Clock>,
        policy: ThrottlePolicy,
    ) -> Self {
        Self {
            users,
            resets,
            uow,
            hasher,
            tokens,
            attempts,
            clock,
            policy,
        }
    }

    /// Sets the password of the account whose unused, unexpired link carries `token`.
    /// Counted per client address first ([`AppError::TooManyAttempts`]). An unknown,
    /// used or expired token, or one of an account deactivated since, is
    /// [`AppError::Invalid`] on `token` with code
    /// [`INVALID_TOKEN`]; a new password the policy refuses is [`AppError::Invalid`] on
    /// `new_password` (the link still works). Otherwise, in one commit: the token is
    /// marked used (a guarded update, so of two concurrent uses one wins), the user's
    /// other links stop working, the hash is replaced and every session of the user is
    /// revoked. Returns the account.
    pub async fn execute(&self, token: &str, new_password: &str, client: &ClientKey) -> Result<UserAccount, AppError> {
        let invalid = || {
            AppError::Invalid(vec![crate::error::FieldError::coded(
                "token",
                INVALID_TOKEN,
                "is unknown, used or expired; ask for a new link",
            )])
        };
        let now = self.clock.now();
        if let Admission::Refused { retry_after_seconds } =
            self.attempts.reserve(self.policy.reset_use(client), now).await?
        {
            return Err(AppError::TooManyAttempts { retry_after_seconds });
        }
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(invalid());
        }
        let token_hash = self.tokens.hash(token);
        let user_id = self
            .resets
            .find_password_reset(&token_hash, now)
            .await?
            .ok_or_else(invalid)?;
        // A link of an account deactivated since it was sent no longer works.
        let account = self
            .users
            .get(user_id)
            .await?
            .filter(|a| a.active)
            .ok_or_else(invalid)?;
        policy("new_password", new_password, &account.email)?;
        let password_hash = self.hasher.hash(new_password).await.map_err(AppError::Internal)?;
        let at = self.clock.now();
        let mut changes = ChangeSet::default();
        changes
            .push(Write::ConsumePasswordReset {
                token_hash,
                user_id,
                at,
            })
            .push(Write::SetPassword { user_id, password_hash })
            .push(Write::RevokeSessions {
                user_id,
                except: None,
                at,
            });
        match self.uow.commit(changes).await {
            Ok(()) => Ok(account),
            Err(StoreError::VersionConflict) => Err(invalid()),
            Err(e) => Err(e.into()),
        }
    }
}

/// An operator sets a user's password without HTTP: `ticket-api user set-password`.
#[derive(Clone)]
pub struct SetPassword {
    users: Arc<dyn UserRepository>,
    uow: Arc<dyn UnitOfWork>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

impl SetPassword {
    /// Wires the use case.
    pub fn new(
        users: Arc<dyn UserRepository>,
        uow: Arc<dyn UnitOfWork>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users,
            uow,
            hasher,
            clock,
        }
    }

    /// Sets the password of the account with address `email` ([`AppError::NotFound`]
    /// when there is none) after the policy ([`AppError::Invalid`] on `password`), and
    /// revokes all its sessions, in one commit. Returns the account.
    pub async fn execute(&self, email: &str, password: &str) -> Result<UserAccount, AppError> {
        let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
        let (account, _) = self
            .users
            .find_credentials(&email)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        policy("password", password, &account.email)?;
        let password_hash = self.hasher.hash(password).await.map_err(AppError::Internal)?;
        let mut changes = ChangeSet::default();
        changes
            .push(Write::SetPassword {
                user_id: account.id,
                password_hash,
            })
            .push(Write::RevokeSessions {
                user_id: account.id,
                except: None,
                at: self.clock.now(),
            });
        self.uow.commit(changes).await?;
        Ok(account)
    }
}

#[cfg(test)]
#[path = "passwords_tests.rs"]
mod tests;
