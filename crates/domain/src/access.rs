//! Who is acting, and the role-based rules every use case applies.

use std::fmt;

use crate::ids::UserId;
use crate::value_error::ValueError;

/// A user's role. Customers raise tickets; staff (agents, supervisors, admins) work them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Raises tickets and sees only their own.
    Customer,
    /// Works tickets.
    Agent,
    /// Works tickets and oversees a team (escalations reach them).
    Supervisor,
    /// Configures the help desk: categories, staff accounts, policies.
    Admin,
}

impl Role {
    /// Every role, in order of increasing authority.
    pub const ALL: [Role; 4] = [Role::Customer, Role::Agent, Role::Supervisor, Role::Admin];
    const NAMES: &'static [&'static str] = &["customer", "agent", "supervisor", "admin"];

    /// The stable lowercase name used in storage and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stable name.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or(ValueError::NotOneOf { allowed: Self::NAMES })
    }

    /// True for agents, supervisors and admins.
    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authenticated user on whose behalf a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The acting user.
    pub user_id: UserId,
    /// Their role at the time of the command.
    pub role: Role,
}

impl Actor {
    /// An actor with the given id and role.
    pub const fn new(user_id: UserId, role: Role) -> Self {
        Self { user_id, role }
    }

    /// True for agents, supervisors and admins.
    pub const fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// True for admins.
    pub const fn is_admin(&self) -> bool {
        matches!(self.role, Role::Admin)
    }

    /// May this actor create an account with `role`? Admins create staff; any staff member
    /// creates customers.
    pub const fn may_create_account(&self, role: Role) -> bool {
        match role {
            Role::Customer => self.role.is_staff(),
            Role::Agent | Role::Supervisor | Role::Admin => self.is_admin(),
        }
    }

    /// The roles of the accounts this actor may list and read: admins every role,
    /// agents and supervisors customers only (the people they serve), customers none.
    pub const fn readable_account_roles(&self) -> &'static [Role] {
        match self.role {
            Role::Admin => &Role::ALL,
            Role::Agent | Role::Supervisor => &[Role::Customer],
            Role::Customer => &[],
        }
    }

    /// May this actor read an account with `role`?
    pub fn may_read_account(&self, role: Role) -> bool {
        self.readable_account_roles().contains(&role)
    }

    /// May this actor manage categories (create, rename, deactivate, delete)?
    pub const fn may_manage_categories(&self) -> bool {
        self.is_admin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_names_are_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn only_admins_create_staff_and_any_staff_creates_customers() {
        let actor = |role| Actor::new(UserId::new(1), role);
        assert!(!actor(Role::Customer).may_create_account(Role::Customer));
        assert!(actor(Role::Agent).may_create_account(Role::Customer));
        assert!(!actor(Role::Agent).may_create_account(Role::Agent));
        assert!(!actor(Role::Supervisor).may_create_account(Role::Admin));
        assert!(actor(Role::Admin).may_create_account(Role::Admin));
        assert!(actor(Role::Admin).may_manage_categories());
        assert!(!actor(Role::Supervisor).may_manage_categories());
    }

    #[test]
    fn admins_read_every_account_other_staff_customers_only_and_customers_none() {
        let actor = |role| Actor::new(UserId::new(1), role);
        for role in Role::ALL {
            assert!(actor(Role::Admin).may_read_account(role));
            assert!(!actor(Role::Customer).may_read_account(role));
            for staff in [Role::Agent, Role::Supervisor] {
                assert_eq!(actor(staff).may_read_account(role), role == Role::Customer);
            }
        }
    }
}
