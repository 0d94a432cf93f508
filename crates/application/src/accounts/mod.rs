//! Creating user accounts.

mod bootstrap_admin;
mod create_account;

pub use bootstrap_admin::{BootstrapAdmin, BootstrapOutcome};
pub use create_account::{CreateAccount, NewAccountInput};
