//! Password hashing with argon2id and opaque bearer tokens, behind the application's
//! [`PasswordHasher`](application::ports::PasswordHasher) and
//! [`TokenIssuer`](application::ports::TokenIssuer) ports.
#![forbid(unsafe_code)]

mod password;
mod token;

pub use password::Argon2Hasher;
pub use token::RandomTokens;
