//! The JSON bodies of the account, session and `/me` endpoints.

use application::auth::Principal;
use application::ports::UserAccount;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::shared::instant;

/// `POST /auth/login`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's e-mail address.
    #[schema(example = "admin@example.com")]
    pub email: String,
    /// The account's password.
    #[schema(example = "a long passphrase")]
    pub password: String,
}

/// A successful login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The bearer token for `Authorization: Bearer ...`. Shown once.
    pub token: String,
    /// When the token stops working.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Who logged in.
    pub principal: UserResponse,
}

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// Its id.
    pub id: i64,
    /// Its login address.
    pub email: String,
    /// The name shown for it.
    pub display_name: String,
    /// `customer`, `agent`, `supervisor` or `admin`.
    #[schema(pattern = "^(customer|agent|supervisor|admin)$")]
    pub role: String,
    /// False once deactivated.
    pub active: bool,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&UserAccount> for UserResponse {
    fn from(a: &UserAccount) -> Self {
        Self {
            id: a.id.get(),
            email: a.email.to_string(),
            display_name: a.display_name.to_string(),
            role: a.role.as_str().to_owned(),
            active: a.active,
            created_at: instant(a.created_at),
        }
    }
}

impl From<&Principal> for UserResponse {
    fn from(p: &Principal) -> Self {
        Self::from(&p.account)
    }
}

/// An anonymous sign-up was taken: the same answer whether or not the address has an
/// account (its owner is told by e-mail either way).
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpResponse {
    /// Always `verification_sent`.
    #[schema(example = "verification_sent")]
    pub status: &'static str,
    /// What to do next.
    pub detail: &'static str,
}

/// `POST /auth/verify-email`
#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The token from the link in the verification e-mail.
    #[schema(max_length = 256)]
    pub token: String,
}

/// `POST /customers`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerRequest {
    /// The login address.
    #[schema(example = "customer@example.com")]
    pub email: String,
    /// The name shown.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    /// The initial password, 10 to 256 characters.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

/// `POST /agents`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentRequest {
    /// The login address.
    pub email: String,
    /// The name shown.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    /// The initial password, 10 to 256 characters.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// `agent` (default), `supervisor` or `admin`.
    #[serde(default)]
    #[schema(pattern = "^(agent|supervisor|admin)$")]
    pub role: Option<String>,
}

/// `PUT /me/contact`: how texts reach the caller.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// A phone number in international form (`+4930123456`); `null` removes it. Required:
    /// `PUT` replaces both.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true)]
    pub phone: Option<String>,
    /// Whether text messages may be sent to it (needs a number).
    #[serde(default)]
    pub sms_opt_in: bool,
}

/// The caller's contact details for notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    /// Where e-mail goes.
    pub email: String,
    /// The phone number, E.164.
    pub phone: Option<String>,
    /// Whether texts may be sent to it.
    pub sms_opt_in: bool,
}

impl From<application::ports::Contact> for ContactResponse {
    fn from(c: application::ports::Contact) -> Self {
        Self {
            email: c.email,
            phone: c.phone,
            sms_opt_in: c.sms_opt_in,
        }
    }
}

/// A skill on the roster: a category the agent handles, optionally graded.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterSkill {
    /// A category slug.
    pub category: String,
    /// 1 to 5, when graded.
    pub level: Option<i64>,
}

/// A count of open tickets of one priority.
#[derive(Debug, Serialize, ToSchema)]
pub struct PriorityCount {
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// How many.
    pub count: u32,
}

/// One agent on the roster.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterAgent {
    /// The agent's account id.
    pub user_id: i64,
    /// Their display name.
    pub display_name: String,
    /// Their e-mail address.
    pub email: String,
    /// `online`, `away` or `offline` (`offline` when never configured).
    pub availability: String,
    /// The most open assigned tickets they take.
    pub capacity: u32,
    /// The categories they handle.
    pub skills: Vec<RosterSkill>,
    /// When they were last given a ticket.
    #[schema(format = DateTime)]
    pub last_assigned_at: Option<String>,
    /// Their open assigned tickets (`assigned`, `in_progress`, `waiting_customer`).
    pub open: u32,
    /// Those per priority, every priority listed.
    pub by_priority: Vec<PriorityCount>,
}

impl From<&application::ports::RosterEntry> for RosterAgent {
    fn from(e: &application::ports::RosterEntry) -> Self {
        let p = &e.profile;
        Self {
            user_id: p.user_id.get(),
            display_name: e.display_name.clone(),
            email: e.email.clone(),
            availability: p.availability.as_str().to_owned(),
            capacity: p.capacity,
            skills: p
                .skills
                .iter()
                .map(|s| RosterSkill {
                    category: s.category.to_string(),
                    level: s.level.map(i64::from),
                })
                .collect(),
            last_assigned_at: p.last_assigned_at.map(instant),
            open: e.load.open(),
            by_priority: domain::Priority::ALL
                .iter()
                .map(|priority| PriorityCount {
                    priority: priority.as_str().to_owned(),
                    count: e.load.of(*priority),
                })
                .collect(),
        }
    }
}

/// `GET /agents`: every active agent, by id.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterResponse {
    /// The agents.
    pub items: Vec<RosterAgent>,
}

/// `POST /me/password`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The caller's password now.
    #[schema(max_length = 256)]
    pub current_password: String,
    /// The new one: 12 to 256 characters, not the e-mail address, not a common password.
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// `POST /auth/password-reset/request`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's login address.
    #[schema(example = "customer@example.com")]
    pub email: String,
}

/// A reset request was taken: the same answer whether or not the address has an
/// account.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetRequested {
    /// Always `reset_requested`.
    #[schema(example = "reset_requested")]
    pub status: &'static str,
    /// What to do next.
    pub detail: &'static str,
}

/// `POST /auth/password-reset`, as JSON or as the form of the page `GET` serves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The token from the link in the reset e-mail.
    #[schema(max_length = 256)]
    pub token: String,
    /// The new password: 12 to 256 characters, not the e-mail address, not a common
    /// password.
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// The token of a reset link (`GET /auth/password-reset?token=`).
#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct ResetLinkQuery {
    /// The token from the link in the reset e-mail.
    #[schema(max_length = 256)]
    pub token: Option<String>,
}

/// `POST /users/{id}/password-reset`: the e-mail is on its way.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetSent {
    /// Always `reset_sent`.
    #[schema(example = "reset_sent")]
    pub status: &'static str,
}
