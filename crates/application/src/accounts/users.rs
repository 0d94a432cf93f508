//! Reading accounts: the people list and one person, by the caller's role.

use std::sync::Arc;

use domain::{Actor, Role, UserId};

use crate::error::{AppError, Validator};
use crate::ports::{Page, UserDetails, UserQuery, UserRepository};

/// The page size when none is asked for.
pub const DEFAULT_USER_PAGE: u32 = 50;
/// The largest page.
pub const MAX_USER_PAGE: u32 = 100;
/// The longest search text, in characters.
pub const MAX_USER_SEARCH: usize = 200;

/// A list request as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserListInput {
    /// `customer`, `agent`, `supervisor` or `admin`.
    pub role: Option<String>,
    /// Only active or only deactivated accounts.
    pub active: Option<bool>,
    /// A substring of the e-mail address or display name.
    pub q: Option<String>,
    /// 1 to [`MAX_USER_PAGE`].
    pub limit: Option<u32>,
    /// Start after this id (decoded from the cursor by the edge).
    pub after: Option<UserId>,
}

/// Lists accounts: admins every one, agents and supervisors customers only, customers
/// nobody (403).
#[derive(Clone)]
pub struct ListUsers {
    users: Arc<dyn UserRepository>,
}

impl ListUsers {
    /// Wires the use case.
    pub fn new(users: Arc<dyn UserRepository>) -> Self {
        Self { users }
    }

    /// One page, newest first. Asking for a role the caller may not read is 403; without
    /// a role the caller gets the roles they may read.
    pub async fn execute(&self, actor: Actor, input: UserListInput) -> Result<Page<UserDetails, UserId>, AppError> {
        let readable = actor.readable_account_roles();
        if readable.is_empty() {
            return Err(AppError::Forbidden("customers cannot list accounts".into()));
        }
        self.run(Some(actor), readable, input).await
    }

    /// One page of every account, for the operator at the command line
    /// (`ticket-api user list`).
    pub async fn for_operator(&self, input: UserListInput) -> Result<Page<UserDetails, UserId>, AppError> {
        self.run(None, &Role::ALL, input).await
    }

    async fn run(
        &self,
        actor: Option<Actor>,
        readable: &[Role],
        input: UserListInput,
    ) -> Result<Page<UserDetails, UserId>, AppError> {
        let mut v = Validator::default();
        let role = input.role.as_deref().and_then(|r| v.check("role", Role::parse(r)));
        let limit = input.limit.unwrap_or(DEFAULT_USER_PAGE);
        if !(1..=MAX_USER_PAGE).contains(&limit) {
            v.fail("limit", format!("must be between 1 and {MAX_USER_PAGE}"));
        }
        let text = input.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if let Some(q) = text {
            if q.chars().any(char::is_control) {
                v.fail("q", "must not contain control characters");
            } else if q.chars().count() > MAX_USER_SEARCH {
                v.fail("q", format!("must be at most {MAX_USER_SEARCH} characters"));
            }
        }
        v.finish()?;
        let roles = match role {
            Some(role) if readable.contains(&role) => vec![role],
            Some(role) => {
                let who = actor.map_or("the operator", |a| a.role.as_str());
                return Err(AppError::Forbidden(format!("{who} may not list {role} accounts")));
            }
            None => readable.to_vec(),
        };
        let query = UserQuery {
            roles,
            active: input.active,
            text: text.map(str::to_owned),
            limit,
            after: input.after,
        };
        Ok(self.users.list_users(&query).await?)
    }
}

/// Reads one account by the rule of [`ListUsers`]: an account the caller may not read
/// is "not found", as if absent; customers are refused (403).
#[derive(Clone)]
pub struct GetUser {
    users: Arc<dyn UserRepository>,
}

impl GetUser {
    /// Wires the use case.
    pub fn new(users: Arc<dyn UserRepository>) -> Self {
        Self { users }
    }

    /// The account and its details.
    pub async fn execute(&self, actor: Actor, id: i64) -> Result<UserDetails, AppError> {
        if actor.readable_account_roles().is_empty() {
            return Err(AppError::Forbidden("customers cannot read accounts".into()));
        }
        if id <= 0 {
            return Err(AppError::NotFound("user"));
        }
        match self.users.user_details(UserId::new(id)).await? {
            Some(d) if actor.may_read_account(d.account.role) => Ok(d),
            _ => Err(AppError::NotFound("user")),
        }
    }
}
