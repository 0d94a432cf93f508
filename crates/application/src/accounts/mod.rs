//! Creating user accounts, customers signing themselves up, and changing and resetting
//! passwords.

mod bootstrap_admin;
mod create_account;
mod passwords;
mod sign_up;

pub use bootstrap_admin::{BootstrapAdmin, BootstrapOutcome};
pub use create_account::{CreateAccount, NewAccountInput};
pub use passwords::{
    ChangePassword, INVALID_TOKEN, PasswordChange, RequestPasswordReset, ResetPassword, ResetSettings, SetPassword,
    WRONG_PASSWORD,
};
pub use sign_up::{SignUp, SignUpInput, SignUpSettings, VerifyEmail};
