//! Creating the first admin from configuration or the command line.

use domain::{Email, Role};

use crate::error::AppError;
use crate::ports::UserAccount;

use super::create_account::{CreateAccount, NewAccountInput};

/// What bootstrapping did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootstrapOutcome {
    /// A new admin account was created.
    Created(UserAccount),
    /// An account with this address existed already; it was left untouched (its password
    /// is not reset from configuration).
    AlreadyExists,
}

/// Creates an admin account if none with that address exists. There is no default
/// password: the operator supplies one.
#[derive(Clone)]
pub struct BootstrapAdmin {
    create: CreateAccount,
}

impl BootstrapAdmin {
    /// Wires the use case on top of account creation.
    pub fn new(create: CreateAccount) -> Self {
        Self { create }
    }

    /// True when an active admin exists, so somebody can log in and configure the desk.
    pub async fn any_admin(&self) -> Result<bool, AppError> {
        Ok(self.create.users.any_active_admin().await?)
    }

    /// Creates the admin, or reports that the address is taken.
    pub async fn execute(&self, email: &str, password: &str, display_name: &str) -> Result<BootstrapOutcome, AppError> {
        let input = NewAccountInput {
            email: email.to_owned(),
            display_name: display_name.to_owned(),
            password: password.to_owned(),
            role: Role::Admin,
        };
        if let Ok(email) = Email::parse(email)
            && self.create.users.find_credentials(&email).await?.is_some()
        {
            return Ok(BootstrapOutcome::AlreadyExists);
        }
        match self.create.create(input).await {
            Ok(account) => Ok(BootstrapOutcome::Created(account)),
            Err(AppError::Conflict {
                code: "email_taken", ..
            }) => Ok(BootstrapOutcome::AlreadyExists),
            Err(e) => Err(e),
        }
    }
}
