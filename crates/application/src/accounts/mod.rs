//! Creating user accounts, customers signing themselves up, admins reading and changing
//! accounts (deactivation, roles), and changing and resetting passwords.

mod bootstrap_admin;
mod create_account;
mod passwords;
mod sign_up;
mod update_user;
mod users;

pub use bootstrap_admin::{BootstrapAdmin, BootstrapOutcome};
pub use create_account::{CreateAccount, NewAccountInput};
pub use passwords::{
    ChangePassword, INVALID_TOKEN, PasswordChange, RequestPasswordReset, ResetPassword, ResetSettings, SetPassword,
    WRONG_PASSWORD,
};
pub use sign_up::{SignUp, SignUpInput, SignUpSettings, VerifyEmail};
pub use update_user::{UpdateUser, UserChanges, UserUpdated};
pub use users::{DEFAULT_USER_PAGE, GetUser, ListUsers, MAX_USER_PAGE, MAX_USER_SEARCH, UserListInput};

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
