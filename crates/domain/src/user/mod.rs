//! Values that describe a user account, and the rules of changing one.

mod change;
mod email;
mod name;
mod phone;

pub use change::{AccountChangeError, AccountState, ChangeEffects, ChangedBy, check_account_change};
pub use email::Email;
pub use name::DisplayName;
pub use phone::PhoneNumber;
