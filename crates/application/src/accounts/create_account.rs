//! Creating customer and staff accounts.

use std::sync::Arc;

use domain::{Actor, DisplayName, Email, Role};

use crate::auth::check_password;
use crate::error::{AppError, FieldError, Validator};
use crate::ports::{Clock, NewAccount, PasswordHasher, StoreError, UserAccount, UserRepository};

/// What a new account is created with, as received.
#[derive(Debug, Clone)]
pub struct NewAccountInput {
    /// The login address.
    pub email: String,
    /// The name shown.
    pub display_name: String,
    /// The initial password.
    pub password: String,
    /// The role.
    pub role: Role,
}

/// Creates accounts: staff create customers, admins create staff. Anonymous callers sign
/// up through [`super::SignUp`] instead, which verifies the address first.
#[derive(Clone)]
pub struct CreateAccount {
    pub(super) users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

impl CreateAccount {
    /// Wires the use case.
    pub fn new(users: Arc<dyn UserRepository>, hasher: Arc<dyn PasswordHasher>, clock: Arc<dyn Clock>) -> Self {
        Self { users, hasher, clock }
    }

    /// Creates the account on behalf of `actor` (`None`, an anonymous caller, is refused).
    pub async fn execute(&self, actor: Option<Actor>, input: NewAccountInput) -> Result<UserAccount, AppError> {
        match actor {
            None => return Err(AppError::Unauthenticated),
            Some(actor) if !actor.may_create_account(input.role) => {
                return Err(AppError::Forbidden(format!(
                    "your role may not create {} accounts",
                    input.role
                )));
            }
            Some(_) => {}
        }
        self.create(input).await
    }

    /// Creates the account without a permission check (for the bootstrap admin).
    pub(crate) async fn create(&self, input: NewAccountInput) -> Result<UserAccount, AppError> {
        let (email, display_name) = account_fields(&input.email, &input.display_name, &input.password)?;
        let password_hash = self.hasher.hash(&input.password).await.map_err(AppError::Internal)?;
        let account = NewAccount {
            email,
            display_name,
            role: input.role,
            password_hash,
            created_at: self.clock.now(),
        };
        self.users.insert(account).await.map_err(|e| match e {
            StoreError::Duplicate(_) => AppError::Conflict {
                code: "email_taken",
                message: "an account with this e-mail address already exists".into(),
            },
            other => other.into(),
        })
    }
}

/// The fields every new account is checked for, all reported at once: the address, the
/// name shown and the password policy.
pub(super) fn account_fields(
    email: &str,
    display_name: &str,
    password: &str,
) -> Result<(Email, DisplayName), AppError> {
    let mut v = Validator::default();
    let email = v.check("email", Email::parse(email));
    let display_name = v.check("display_name", DisplayName::parse(display_name));
    if let Err(refusal) = check_password(password, email.as_ref()) {
        v.push(FieldError::password("password", refusal));
    }
    v.finish()?;
    match (email, display_name) {
        (Some(email), Some(display_name)) => Ok((email, display_name)),
        _ => Err(AppError::Internal("validator let an invalid field through".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockClock, MockPasswordHasher, MockUserRepository};
    use domain::{Timestamp, UserId};

    fn use_case(users: MockUserRepository) -> CreateAccount {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|p| Ok(format!("hashed:{p}")));
        let mut clock = MockClock::new();
        clock.expect_now().return_const(Timestamp::UNIX_EPOCH);
        CreateAccount::new(Arc::new(users), Arc::new(hasher), Arc::new(clock))
    }

    fn input(role: Role) -> NewAccountInput {
        NewAccountInput {
            email: "Cu@Example.com".into(),
            display_name: "Cu".into(),
            password: "long enough password".into(),
            role,
        }
    }

    fn stored(account: NewAccount) -> UserAccount {
        UserAccount {
            id: UserId::new(5),
            email: account.email,
            display_name: account.display_name,
            role: account.role,
            active: true,
            created_at: account.created_at,
        }
    }

    #[tokio::test]
    async fn agents_create_customers_with_hashed_passwords() {
        let mut users = MockUserRepository::new();
        users
            .expect_insert()
            .withf(|a| a.password_hash == "hashed:long enough password" && a.email.as_str() == "cu@example.com")
            .times(1)
            .returning(|a| Ok(stored(a)));
        let agent = Actor::new(UserId::new(1), Role::Agent);
        let created = use_case(users)
            .execute(Some(agent), input(Role::Customer))
            .await
            .expect("created");
        assert_eq!(created.role, Role::Customer);
    }

    #[tokio::test]
    async fn agents_cannot_create_staff_and_anonymous_callers_never_create_accounts_here() {
        let agent = Actor::new(UserId::new(1), Role::Agent);
        let err = use_case(MockUserRepository::new())
            .execute(Some(agent), input(Role::Agent))
            .await;
        assert!(matches!(err, Err(AppError::Forbidden(_))));
        let err = use_case(MockUserRepository::new())
            .execute(None, input(Role::Customer))
            .await;
        assert!(matches!(err, Err(AppError::Unauthenticated)));
        let err = use_case(MockUserRepository::new())
            .execute(None, input(Role::Admin))
            .await;
        assert!(
            matches!(err, Err(AppError::Unauthenticated)),
            "sign-ups go through SignUp"
        );
    }

    #[tokio::test]
    async fn every_bad_field_is_reported_and_nothing_is_stored() {
        let bad = NewAccountInput {
            email: "nope".into(),
            display_name: " ".into(),
            password: "short".into(),
            role: Role::Customer,
        };
        let admin = Actor::new(UserId::new(1), Role::Admin);
        let Err(AppError::Invalid(fields)) = use_case(MockUserRepository::new()).execute(Some(admin), bad).await else {
            panic!("expected a validation error");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["email", "display_name", "password"]);
    }

    #[tokio::test]
    async fn a_taken_address_is_a_conflict() {
        let mut users = MockUserRepository::new();
        users.expect_insert().returning(|_| Err(StoreError::Duplicate("email")));
        let admin = Actor::new(UserId::new(1), Role::Admin);
        let err = use_case(users).execute(Some(admin), input(Role::Customer)).await;
        assert!(matches!(
            err,
            Err(AppError::Conflict {
                code: "email_taken",
                ..
            })
        ));
    }
}
