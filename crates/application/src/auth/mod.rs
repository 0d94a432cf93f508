//! Logging in and out, and recognising callers by their bearer token.

mod authenticate;
mod login;
mod logout;
mod password;
mod purge;
mod purge_attempts;
mod throttle;

pub use authenticate::{Authenticate, Principal};
pub use login::{Login, LoginCounters, LoginOutcome};
pub use logout::Logout;
pub use password::{MAX_CHARS, MIN_CHARS, PasswordRefusal, check_password};
pub use purge::PurgeEndedSessions;
pub use purge_attempts::PurgeStaleAttempts;
pub use throttle::{
    Adjustment, Admission, AttemptCounter, AttemptPlan, AttemptRule, Check, ClientKey, Settlement, ThrottlePolicy,
};
