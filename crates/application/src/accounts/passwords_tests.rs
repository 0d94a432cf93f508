//! Password changes, resets and the operator's set-password, on the fakes.

use std::sync::atomic::{AtomicU64, Ordering};

use domain::{DisplayName, Role, Timestamp};

use super::*;
use crate::ports::{NewAccount, Session, SessionRepository, TokenHash};
use crate::testing::Fake;

/// "Hashes" by prefixing, so tests can read which password is stored.
struct PlainHasher;

#[async_trait::async_trait]
impl PasswordHasher for PlainHasher {
    async fn hash(&self, password: &str) -> Result<String, String> {
        Ok(format!("h:{password}"))
    }

    async fn verify<'a>(&self, password: &str, hash: Option<&'a str>) -> bool {
        hash == Some(format!("h:{password}").as_str())
    }
}

/// Tokens `t1`, `t2`, … hashed as `#t1`, …
#[derive(Default)]
struct CountingTokens(AtomicU64);

impl TokenIssuer for CountingTokens {
    fn issue(&self) -> (String, TokenHash) {
        let token = format!("t{}", self.0.fetch_add(1, Ordering::Relaxed) + 1);
        let hash = self.hash(&token);
        (token, hash)
    }

    fn hash(&self, token: &str) -> TokenHash {
        TokenHash(format!("#{token}"))
    }
}

const T0: i64 = 1_800_000_000;
const OLD: &str = "the old password";
const NEW: &str = "a brand new passphrase";

struct World {
    fake: Fake,
    tokens: Arc<CountingTokens>,
    ada: UserAccount,
}

async fn world() -> World {
    let fake = Fake::default();
    fake.state().now = Timestamp::from_unix_seconds(T0);
    let ada = UserRepository::insert(
        &fake,
        NewAccount {
            email: Email::parse("ada.lovelace.1815@example.com").expect("valid"),
            display_name: DisplayName::parse("Ada").expect("valid"),
            role: Role::Agent,
            password_hash: format!("h:{OLD}"),
            created_at: Timestamp::from_unix_seconds(T0),
        },
    )
    .await
    .expect("inserts");
    World {
        fake,
        tokens: Arc::new(CountingTokens::default()),
        ada,
    }
}

impl World {
    async fn session(&self, token: &str) {
        SessionRepository::insert(
            &self.fake,
            Session {
                token_hash: self.tokens.hash(token),
                user_id: self.ada.id,
                created_at: Timestamp::from_unix_seconds(T0),
                expires_at: Timestamp::from_unix_seconds(T0 + 86_400),
            },
        )
        .await
        .expect("stores");
    }

    fn alive(&self, token: &str) -> bool {
        let hash = self.tokens.hash(token);
        self.fake
            .state()
            .sessions
            .iter()
            .any(|(s, revoked)| s.token_hash == hash && revoked.is_none())
    }

    fn stored_hash(&self) -> String {
        self.fake.state().passwords[&self.ada.id.get()].clone()
    }

    fn advance(&self, seconds: i64) {
        let mut s = self.fake.state();
        s.now = s.now.plus_seconds(seconds);
    }

    fn change(&self, policy: ThrottlePolicy) -> ChangePassword {
        let f = Arc::new(self.fake.clone());
        ChangePassword::new(
            f.clone(),
            f.clone(),
            Arc::new(PlainHasher),
            self.tokens.clone(),
            f.clone(),
            f,
            policy,
        )
    }

    fn request(&self) -> RequestPasswordReset {
        let f = Arc::new(self.fake.clone());
        RequestPasswordReset::new(
            f.clone(),
            f.clone(),
            self.tokens.clone(),
            f.clone(),
            f,
            ThrottlePolicy::default(),
            ResetSettings {
                reset_url: "https://desk.example.com/api/v1/auth/password-reset".into(),
                token_ttl_seconds: 1800,
            },
        )
    }

    fn reset(&self) -> ResetPassword {
        let f = Arc::new(self.fake.clone());
        ResetPassword::new(
            f.clone(),
            f.clone(),
            f.clone(),
            Arc::new(PlainHasher),
            self.tokens.clone(),
            f.clone(),
            f,
            ThrottlePolicy::default(),
        )
    }

    fn queued(&self) -> Vec<NewNotification> {
        self.fake.state().notifications.iter().map(|n| n.spec.clone()).collect()
    }

    /// Requests a link for Ada and returns its token, read from the queued e-mail.
    async fn link(&self) -> String {
        self.request()
            .execute("Ada.Lovelace.1815@example.com", &client())
            .await
            .expect("answers");
        let mail = self.queued().pop().expect("an e-mail");
        mail.context["reset_url"]
            .split_once("?token=")
            .expect("a token")
            .1
            .to_owned()
    }
}

fn client() -> ClientKey {
    ClientKey::from_ip("10.0.0.1".parse().expect("ip"))
}

fn code(err: &Result<impl std::fmt::Debug, AppError>, field: &str) -> Option<&'static str> {
    match err {
        Err(AppError::Invalid(fields)) => fields.iter().find(|f| f.field == field).and_then(|f| f.code),
        _ => None,
    }
}

fn change(current: &str, new: &str) -> PasswordChange {
    PasswordChange {
        current_password: current.into(),
        new_password: new.into(),
    }
}

#[tokio::test]
async fn changing_the_password_revokes_the_other_sessions_and_keeps_the_callers() {
    let w = world().await;
    for t in ["mine", "laptop", "phone"] {
        w.session(t).await;
    }
    w.change(ThrottlePolicy::default())
        .execute(&w.ada, "mine", change(OLD, NEW), &client())
        .await
        .expect("changes");
    assert_eq!(w.stored_hash(), format!("h:{NEW}"));
    assert!(w.alive("mine"), "the caller's own session is kept");
    assert!(!w.alive("laptop") && !w.alive("phone"), "every other session ends");
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login() {
    let w = world().await;
    w.session("mine").await;
    w.session("other").await;
    let policy = ThrottlePolicy {
        max_failures: 2,
        ..ThrottlePolicy::default()
    };
    let uc = w.change(policy);
    for _ in 0..2 {
        let err = uc
            .execute(&w.ada, "mine", change("a wrong guess!", NEW), &client())
            .await;
        assert_eq!(code(&err, "current_password"), Some(WRONG_PASSWORD), "{err:?}");
    }
    assert_eq!(w.stored_hash(), format!("h:{OLD}"));
    assert!(w.alive("other"), "nothing revoked");
    let third = uc.execute(&w.ada, "mine", change(OLD, NEW), &client()).await;
    assert!(
        matches!(third, Err(AppError::TooManyAttempts { .. })),
        "the login throttle of the account and client applies, even to the right password: {third:?}"
    );
    assert_eq!(w.stored_hash(), format!("h:{OLD}"));
}

#[tokio::test]
async fn the_new_password_meets_the_policy_before_anything_is_counted() {
    let w = world().await;
    w.session("mine").await;
    let uc = w.change(ThrottlePolicy::default());
    for (new, rule) in [
        ("short", "too_short"),
        ("ADA.LOVELACE.1815@example.com", "matches_email"),
        ("ada.lovelace.1815", "matches_email"),
        ("QWERTY123456", "too_common"),
    ] {
        let err = uc.execute(&w.ada, "mine", change(OLD, new), &client()).await;
        assert_eq!(code(&err, "new_password"), Some(rule), "{new}: {err:?}");
    }
    assert!(w.fake.state().attempts.is_empty(), "no attempt counted");
    assert_eq!(w.stored_hash(), format!("h:{OLD}"));
}

#[tokio::test]
async fn a_reset_request_answers_the_same_for_known_unknown_and_inactive_addresses() {
    let w = world().await;
    let known = w.request().execute("ada.lovelace.1815@example.com", &client()).await;
    let unknown = w.request().execute("nobody@example.com", &client()).await;
    assert!(known.is_ok() && unknown.is_ok(), "{known:?} {unknown:?}");
    let mails = w.queued();
    assert_eq!(mails.len(), 1, "only the account's owner is written to");
    let mail = &mails[0];
    assert_eq!(mail.template, "password_reset");
    assert_eq!(mail.address, "ada.lovelace.1815@example.com");
    assert_eq!(mail.recipient_id, Some(w.ada.id));
    assert!(
        mail.context["reset_url"].starts_with("https://desk.example.com/api/v1/auth/password-reset?token=t"),
        "{}",
        mail.context["reset_url"]
    );
    assert_eq!(mail.context["valid_minutes"], "30");
    let stored = w.fake.state().password_resets.clone();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].token_hash.0.starts_with('#'), "only the hash is stored");
    assert_eq!(stored[0].expires_at, Timestamp::from_unix_seconds(T0 + 1800));

    w.fake.state().users[0].active = false;
    let inactive = w.request().execute("ada.lovelace.1815@example.com", &client()).await;
    assert!(inactive.is_ok());
    assert_eq!(w.queued().len(), 1, "a deactivated account gets no link");
}

#[tokio::test]
async fn reset_requests_are_limited_per_address_known_or_not() {
    let w = world().await;
    for address in ["ada.lovelace.1815@example.com", "nobody@example.com"] {
        for _ in 0..3 {
            w.request().execute(address, &client()).await.expect("within the limit");
        }
        let fourth = w.request().execute(address, &client()).await;
        assert!(
            matches!(fourth, Err(AppError::TooManyAttempts { .. })),
            "{address}: {fourth:?}"
        );
    }
}

#[tokio::test]
async fn a_reset_link_works_until_its_thirtieth_minute_and_not_at_it() {
    let w = world().await;
    let token = w.link().await;
    w.advance(1799);
    w.reset().execute(&token, NEW, &client()).await.expect("valid at 29:59");

    let w = world().await;
    let token = w.link().await;
    w.advance(1800);
    let err = w.reset().execute(&token, NEW, &client()).await;
    assert_eq!(code(&err, "token"), Some(INVALID_TOKEN), "refused at 30:00: {err:?}");
    assert_eq!(w.stored_hash(), format!("h:{OLD}"));
}

#[tokio::test]
async fn a_reset_link_works_once_ends_every_session_and_the_users_other_links() {
    let w = world().await;
    w.session("laptop").await;
    w.session("phone").await;
    let first = w.link().await;
    let second = w.link().await;
    let account = w.reset().execute(&first, NEW, &client()).await.expect("resets");
    assert_eq!(account.id, w.ada.id);
    assert_eq!(w.stored_hash(), format!("h:{NEW}"));
    assert!(!w.alive("laptop") && !w.alive("phone"), "every session ends");
    let again = w.reset().execute(&first, "yet another passphrase", &client()).await;
    assert_eq!(code(&again, "token"), Some(INVALID_TOKEN), "single use: {again:?}");
    let other = w.reset().execute(&second, "yet another passphrase", &client()).await;
    assert_eq!(
        code(&other, "token"),
        Some(INVALID_TOKEN),
        "the other link died with it"
    );
    assert_eq!(w.stored_hash(), format!("h:{NEW}"));
}

#[tokio::test]
async fn a_reset_refused_by_the_policy_or_lost_to_a_concurrent_use_changes_nothing() {
    let w = world().await;
    let token = w.link().await;
    let weak = w.reset().execute(&token, "password1234", &client()).await;
    assert_eq!(code(&weak, "new_password"), Some("too_common"), "{weak:?}");
    assert!(
        w.fake.state().password_resets[0].used_at.is_none(),
        "the link still works"
    );
    // Another request used the token between the look-up and the commit.
    w.fake.state().lose_races = 1;
    let lost = w.reset().execute(&token, NEW, &client()).await;
    assert_eq!(code(&lost, "token"), Some(INVALID_TOKEN), "{lost:?}");
    for bad in ["", "nope", &"x".repeat(300)] {
        let err = w.reset().execute(bad, NEW, &client()).await;
        assert_eq!(code(&err, "token"), Some(INVALID_TOKEN), "{bad:?}");
    }
}

#[tokio::test]
async fn a_link_of_an_account_deactivated_since_no_longer_works() {
    let w = world().await;
    let token = w.link().await;
    w.fake.state().users[0].active = false;
    let err = w.reset().execute(&token, NEW, &client()).await;
    assert_eq!(code(&err, "token"), Some(INVALID_TOKEN), "{err:?}");
    assert_eq!(w.stored_hash(), format!("h:{OLD}"));
}

#[tokio::test]
async fn admins_send_reset_links_to_active_users_only() {
    let w = world().await;
    let admin = Actor::new(UserId::new(99), Role::Admin);
    let agent = Actor::new(UserId::new(98), Role::Agent);
    let err = w.request().for_user(&agent, w.ada.id).await;
    assert!(matches!(err, Err(AppError::Forbidden(_))), "{err:?}");
    let err = w.request().for_user(&admin, UserId::new(12345)).await;
    assert!(matches!(err, Err(AppError::NotFound("user"))), "{err:?}");
    w.request().for_user(&admin, w.ada.id).await.expect("sends");
    assert_eq!(w.queued().len(), 1);
    assert_eq!(w.queued()[0].template, "password_reset");
    w.fake.state().users[0].active = false;
    let err = w.request().for_user(&admin, w.ada.id).await;
    assert!(
        matches!(
            err,
            Err(AppError::Conflict {
                code: "user_inactive",
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_operator_sets_a_password_under_the_policy_and_every_session_ends() {
    let w = world().await;
    w.session("laptop").await;
    let f = Arc::new(w.fake.clone());
    let uc = SetPassword::new(f.clone(), f.clone(), Arc::new(PlainHasher), f);
    let err = uc.execute("ada.lovelace.1815@example.com", "short").await;
    assert_eq!(code(&err, "password"), Some("too_short"));
    let err = uc.execute("nobody@example.com", NEW).await;
    assert!(matches!(err, Err(AppError::NotFound("user"))), "{err:?}");
    assert!(w.alive("laptop"));
    uc.execute("ADA.lovelace.1815@example.com", NEW).await.expect("sets");
    assert_eq!(w.stored_hash(), format!("h:{NEW}"));
    assert!(!w.alive("laptop"));
}
