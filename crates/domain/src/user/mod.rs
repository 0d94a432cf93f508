//! Values that describe a user account.

mod email;
mod name;
mod phone;

pub use email::Email;
pub use name::DisplayName;
pub use phone::PhoneNumber;
