//! Logging in and out, and recognising callers by their bearer token.

mod authenticate;
mod login;
mod logout;
mod password;
mod purge;
mod throttle;

pub use authenticate::{Authenticate, Principal};
pub use login::{Login, LoginOutcome};
pub use logout::Logout;
pub use password::check_password;
pub use purge::PurgeEndedSessions;
pub use throttle::LoginThrottle;
