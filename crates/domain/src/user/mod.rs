//! Values that describe a user account.

mod email;
mod name;

pub use email::Email;
pub use name::DisplayName;
