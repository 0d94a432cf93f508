//! The JSON bodies and query strings of the people endpoints.

use application::ports::UserDetails;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::shared::instant;

/// An account as admins (every account) and other staff (customers) read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserItem {
    /// Its id.
    pub id: i64,
    /// Its login address.
    pub email: String,
    /// The name shown for it.
    pub display_name: String,
    /// `customer`, `agent`, `supervisor` or `admin`.
    #[schema(pattern = "^(customer|agent|supervisor|admin)$")]
    pub role: String,
    /// False once deactivated: it cannot log in.
    pub active: bool,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Its phone number (E.164), if given.
    pub phone: Option<String>,
    /// Whether its e-mail address was verified (staff-created accounts are).
    pub email_verified: bool,
    /// When its newest stored session was opened (sessions are purged a day after they end).
    #[schema(format = DateTime)]
    pub last_login_at: Option<String>,
}

impl From<&UserDetails> for UserItem {
    fn from(d: &UserDetails) -> Self {
        let a = &d.account;
        Self {
            id: a.id.get(),
            email: a.email.to_string(),
            display_name: a.display_name.to_string(),
            role: a.role.as_str().to_owned(),
            active: a.active,
            created_at: instant(a.created_at),
            phone: d.phone.clone(),
            email_verified: d.email_verified,
            last_login_at: d.last_login_at.map(instant),
        }
    }
}

/// A page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    /// The accounts, newest first.
    pub items: Vec<UserItem>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Query of `GET /users`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// `customer`, `agent`, `supervisor` or `admin` (agents and supervisors: `customer` only).
    pub role: Option<String>,
    /// Only active (`true`) or deactivated (`false`) accounts.
    pub active: Option<bool>,
    /// A case-insensitive substring of the e-mail address or display name (at most 200
    /// characters, no control characters).
    pub q: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `PATCH /users/{id}`: fields present are changed, all checked before any is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// A new display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// A new role among the staff roles (`agent`, `supervisor`, `admin`); a customer stays
    /// a customer (422).
    #[serde(default)]
    #[schema(example = "supervisor")]
    pub role: Option<String>,
    /// `false` deactivates (every session ends; a staff member goes offline and their
    /// open tickets return to the queue), `true` reactivates (login only).
    #[serde(default)]
    pub active: Option<bool>,
}

/// The account after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserUpdatedResponse {
    /// The account as it is now.
    pub user: UserItem,
    /// How many open tickets went back to the queue.
    pub released_tickets: usize,
}
