//! Creating user accounts, and customers signing themselves up.

mod bootstrap_admin;
mod create_account;
mod sign_up;

pub use bootstrap_admin::{BootstrapAdmin, BootstrapOutcome};
pub use create_account::{CreateAccount, NewAccountInput};
pub use sign_up::{SignUp, SignUpInput, SignUpSettings, VerifyEmail};
