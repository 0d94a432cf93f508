//! Self-registration: signing up as a customer and verifying the address by e-mail.

use std::sync::Arc;

use domain::Role;
use domain::escalation::Channel;

use super::create_account::account_fields;
use crate::auth::{Admission, ClientKey, ThrottlePolicy};
use crate::error::AppError;
use crate::ports::{
    AttemptStore, Clock, NewAccount, NewNotification, PasswordHasher, Registrations, SignUpRecord, SignedUp,
    TemplateContext, TokenIssuer, UserAccount,
};

/// The longest verification token looked up; ours are far shorter.
const MAX_TOKEN_LEN: usize = 256;

/// What a sign-up is made of, as received.
#[derive(Debug, Clone)]
pub struct SignUpInput {
    /// The login address, to be verified.
    pub email: String,
    /// The name shown.
    pub display_name: String,
    /// The password, effective once the address is verified.
    pub password: String,
}

/// How sign-ups are configured.
#[derive(Debug, Clone)]
pub struct SignUpSettings {
    /// Whether anyone may sign up at all.
    pub enabled: bool,
    /// The page a verification link opens (`…/api/v1/auth/verify-email`); the token is
    /// added as `?token=`.
    pub verify_url: String,
    /// How long a verification link works.
    pub token_ttl_seconds: i64,
}

/// Signs anonymous callers up as customers. The answer is the same whether or not the
/// address has an account: a new address gets an inactive account and a verification
/// link by e-mail, an address waiting for verification gets another link (carrying this
/// sign-up's password), and the owner of a verified account is told by e-mail that
/// somebody tried to sign up with it. Sign-ups are limited per client address.
#[derive(Clone)]
pub struct SignUp {
    registrations: Arc<dyn Registrations>,
    attempts: Arc<dyn AttemptStore>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
    policy: ThrottlePolicy,
    settings: SignUpSettings,
}

impl SignUp {
    /// Wires the use case.
    pub fn new(
        registrations: Arc<dyn Registrations>,
        attempts: Arc<dyn AttemptStore>,
        hasher: Arc<dyn PasswordHasher>,
        tokens: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
        policy: ThrottlePolicy,
        settings: SignUpSettings,
    ) -> Self {
        Self {
            registrations,
            attempts,
            hasher,
            tokens,
            clock,
            policy,
            settings,
        }
    }

    /// Signs up from `client`. [`AppError::Unauthenticated`] when self-registration is
    /// off, [`AppError::Invalid`] for bad fields, [`AppError::TooManyAttempts`] beyond
    /// the client's limit; otherwise `Ok` whatever the address.
    pub async fn execute(&self, input: SignUpInput, client: &ClientKey) -> Result<(), AppError> {
        if !self.settings.enabled {
            return Err(AppError::Unauthenticated);
        }
        let (email, display_name) = account_fields(&input.email, &input.display_name, &input.password)?;
        let now = self.clock.now();
        if let Admission::Refused { retry_after_seconds } =
            self.attempts.reserve(self.policy.signup(client), now).await?
        {
            return Err(AppError::TooManyAttempts { retry_after_seconds });
        }
        // Hashed whatever the address, so the answer takes as long either way.
        let password_hash = self.hasher.hash(&input.password).await.map_err(AppError::Internal)?;
        let (token, token_hash) = self.tokens.issue();
        let mut context = TemplateContext::new();
        context.insert("recipient_name".into(), display_name.to_string());
        context.insert(
            "verify_url".into(),
            format!("{}?token={token}", self.settings.verify_url),
        );
        context.insert(
            "valid_hours".into(),
            (self.settings.token_ttl_seconds / 3600).max(1).to_string(),
        );
        let email_to = |template: &str, key: String, context: TemplateContext| NewNotification {
            idempotency_key: key,
            event_id: None,
            ticket_id: None,
            recipient_id: None,
            channel: Channel::Email,
            address: email.to_string(),
            recipient_name: Some(display_name.to_string()),
            template: template.to_owned(),
            context,
            at: now,
        };
        let record = SignUpRecord {
            account: NewAccount {
                email: email.clone(),
                display_name: display_name.clone(),
                role: Role::Customer,
                password_hash,
                created_at: now,
            },
            token_hash: token_hash.clone(),
            expires_at: now.plus_seconds(self.settings.token_ttl_seconds),
            email: email_to("verify_email", format!("verify-email:{}", token_hash.0), context),
        };
        match self.registrations.sign_up(record).await? {
            SignedUp::Created(_) | SignedUp::Pending(_) => {}
            SignedUp::Exists(user) => {
                let mut notice = email_to(
                    "account_exists",
                    format!("account-exists:{}", token_hash.0),
                    TemplateContext::from([("recipient_name".to_owned(), display_name.to_string())]),
                );
                notice.recipient_id = Some(user);
                self.registrations.queue_email(notice).await?;
            }
        }
        Ok(())
    }
}

/// Follows a verification link: the account becomes active with the password its
/// sign-up chose.
#[derive(Clone)]
pub struct VerifyEmail {
    registrations: Arc<dyn Registrations>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl VerifyEmail {
    /// Wires the use case.
    pub fn new(registrations: Arc<dyn Registrations>, tokens: Arc<dyn TokenIssuer>, clock: Arc<dyn Clock>) -> Self {
        Self {
            registrations,
            tokens,
            clock,
        }
    }

    /// The verified account, or [`AppError::Invalid`] on `token` when it is unknown,
    /// used or expired.
    pub async fn execute(&self, token: &str) -> Result<UserAccount, AppError> {
        let unknown = || AppError::invalid("token", "is unknown, used or expired; sign up again for a new link");
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(unknown());
        }
        let hash = self.tokens.hash(token);
        self.registrations
            .verify_email(&hash, self.clock.now())
            .await?
            .ok_or_else(unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockClock, MockPasswordHasher, MockRegistrations, MockTokenIssuer, TokenHash};
    use crate::testing::Fake;
    use domain::{Timestamp, UserId};

    fn input(email: &str) -> SignUpInput {
        SignUpInput {
            email: email.into(),
            display_name: "Grace".into(),
            password: "a long enough password".into(),
        }
    }

    fn sign_up(registrations: MockRegistrations, policy: ThrottlePolicy) -> SignUp {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Ok("phc".into()));
        let mut tokens = MockTokenIssuer::new();
        tokens
            .expect_issue()
            .returning(|| ("tok".into(), TokenHash("hash".into())));
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::from_unix_seconds(1000));
        SignUp::new(
            Arc::new(registrations),
            Arc::new(Fake::default()),
            Arc::new(hasher),
            Arc::new(tokens),
            Arc::new(clock),
            policy,
            SignUpSettings {
                enabled: true,
                verify_url: "https://desk.example.com/api/v1/auth/verify-email".into(),
                token_ttl_seconds: 86_400,
            },
        )
    }

    fn client() -> ClientKey {
        ClientKey::from_ip("10.0.0.1".parse().expect("ip"))
    }

    #[tokio::test]
    async fn a_new_address_gets_an_inactive_account_and_a_link_by_email() {
        let mut registrations = MockRegistrations::new();
        registrations
            .expect_sign_up()
            .withf(|r| {
                r.account.role == Role::Customer
                    && r.account.password_hash == "phc"
                    && r.expires_at == Timestamp::from_unix_seconds(1000 + 86_400)
                    && r.email.template == "verify_email"
                    && r.email.address == "grace@example.com"
                    && r.email.context["verify_url"] == "https://desk.example.com/api/v1/auth/verify-email?token=tok"
            })
            .times(1)
            .returning(|_| Ok(SignedUp::Created(UserId::new(7))));
        sign_up(registrations, ThrottlePolicy::default())
            .execute(input("Grace@example.com"), &client())
            .await
            .expect("signs up");
    }

    #[tokio::test]
    async fn a_taken_address_answers_the_same_and_tells_its_owner() {
        let mut registrations = MockRegistrations::new();
        registrations
            .expect_sign_up()
            .returning(|_| Ok(SignedUp::Exists(UserId::new(3))));
        registrations
            .expect_queue_email()
            .withf(|n| n.template == "account_exists" && n.recipient_id == Some(UserId::new(3)))
            .times(1)
            .returning(|_| Ok(()));
        sign_up(registrations, ThrottlePolicy::default())
            .execute(input("admin@example.com"), &client())
            .await
            .expect("the same answer as for a new address");
    }

    #[tokio::test]
    async fn sign_ups_are_limited_per_client_address() {
        let mut registrations = MockRegistrations::new();
        registrations
            .expect_sign_up()
            .times(2)
            .returning(|_| Ok(SignedUp::Created(UserId::new(7))));
        let policy = ThrottlePolicy {
            max_signups_per_client: 2,
            ..ThrottlePolicy::default()
        };
        let s = sign_up(registrations, policy);
        for i in 0..2 {
            s.execute(input(&format!("g{i}@example.com")), &client())
                .await
                .expect("within the limit");
        }
        let third = s.execute(input("g3@example.com"), &client()).await;
        assert!(matches!(third, Err(AppError::TooManyAttempts { .. })), "{third:?}");
    }

    #[tokio::test]
    async fn bad_fields_are_refused_before_anything_is_counted_or_stored() {
        let s = sign_up(MockRegistrations::new(), ThrottlePolicy::default());
        let mut bad = input("not an address");
        bad.password = "short".into();
        let err = s.execute(bad, &client()).await;
        assert!(matches!(&err, Err(AppError::Invalid(f)) if f.len() == 2), "{err:?}");
    }

    #[tokio::test]
    async fn unknown_tokens_are_refused_as_invalid() {
        let mut registrations = MockRegistrations::new();
        registrations.expect_verify_email().returning(|_, _| Ok(None));
        let mut tokens = MockTokenIssuer::new();
        tokens.expect_hash().returning(|t| TokenHash(t.to_owned()));
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::from_unix_seconds(1000));
        let verify = VerifyEmail::new(Arc::new(registrations), Arc::new(tokens), Arc::new(clock));
        for token in ["nope", "", &"x".repeat(300)] {
            let err = verify.execute(token).await;
            assert!(
                matches!(&err, Err(AppError::Invalid(f)) if f[0].field == "token"),
                "{err:?}"
            );
        }
    }
}
