//! Changing an account as a whole: who may, which role moves are allowed, the last admin,
//! and what the change does to the account's sessions and tickets.

use std::fmt;

use crate::access::{Actor, Role};

/// Who changes an account: an admin through the API, or an operator at the command line
/// (`ticket-api user …`), who has the server's configuration and so every right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedBy {
    /// A signed-in user; only admins may change accounts.
    User(Actor),
    /// The operator of the installation (the command line); recorded as the system.
    Operator,
}

/// An account's role and whether it is active, before or after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    /// Its role.
    pub role: Role,
    /// False when deactivated.
    pub active: bool,
}

impl AccountState {
    /// True for an active admin: one of those the help desk may not run out of.
    pub const fn is_active_admin(self) -> bool {
        self.active && matches!(self.role, Role::Admin)
    }
}

/// What an accepted change does beyond storing the new role and state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeEffects {
    /// The new state.
    pub after: AccountState,
    /// Every session of the account ends (it was deactivated).
    pub revoke_sessions: bool,
    /// The account stops working tickets: it is set offline and its open tickets go back
    /// to the queue. True when an active staff account is deactivated (any staff role may
    /// hold tickets) and when an agent becomes a supervisor or an admin (they no longer
    /// work the queue).
    pub release_work: bool,
    /// The account stops being an active admin: the store must find another active
    /// admin in the same transaction.
    pub removes_admin: bool,
}

/// Why an account change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChangeError {
    /// Only admins (and the operator) change accounts.
    NotAdmin,
    /// A customer cannot become staff nor staff a customer.
    CustomerStaffSwitch {
        /// The role now.
        from: Role,
        /// The role asked for.
        to: Role,
    },
    /// The change would leave no active admin.
    LastAdmin,
}

impl fmt::Display for AccountChangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAdmin => f.write_str("only admins may change accounts"),
            Self::CustomerStaffSwitch { from, to } => write!(
                f,
                "cannot change a {from} into a {to}: roles change among staff roles (agent, supervisor, admin) only"
            ),
            Self::LastAdmin => f.write_str("this is the last active admin: it cannot be deactivated or demoted"),
        }
    }
}

impl std::error::Error for AccountChangeError {}

/// Decides whether `by` may move the account from `before` to the role and state asked
/// for (`None`: unchanged), given how many active admins there are besides it, and what
/// the change does.
pub fn check_account_change(
    by: ChangedBy,
    before: AccountState,
    role: Option<Role>,
    active: Option<bool>,
    other_active_admins: u64,
) -> Result<ChangeEffects, AccountChangeError> {
    if let ChangedBy::User(actor) = by
        && !actor.is_admin()
    {
        return Err(AccountChangeError::NotAdmin);
    }
    let after = AccountState {
        role: role.unwrap_or(before.role),
        active: active.unwrap_or(before.active),
    };
    if before.role.is_staff() != after.role.is_staff() {
        return Err(AccountChangeError::CustomerStaffSwitch {
            from: before.role,
            to: after.role,
        });
    }
    let removes_admin = before.is_active_admin() && !after.is_active_admin();
    if removes_admin && other_active_admins == 0 {
        return Err(AccountChangeError::LastAdmin);
    }
    let deactivated = before.active && !after.active;
    let left_the_queue = after.active && before.role == Role::Agent && after.role != Role::Agent;
    Ok(ChangeEffects {
        after,
        revoke_sessions: deactivated,
        release_work: after.role.is_staff() && (deactivated || left_the_queue),
        removes_admin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    const ADMIN: ChangedBy = ChangedBy::User(Actor::new(UserId::new(1), Role::Admin));

    fn state(role: Role, active: bool) -> AccountState {
        AccountState { role, active }
    }

    #[test]
    fn only_admins_and_the_operator_change_accounts() {
        for role in [Role::Customer, Role::Agent, Role::Supervisor] {
            let by = ChangedBy::User(Actor::new(UserId::new(1), role));
            assert_eq!(
                check_account_change(by, state(Role::Customer, true), None, Some(false), 1),
                Err(AccountChangeError::NotAdmin)
            );
        }
        assert!(check_account_change(ChangedBy::Operator, state(Role::Agent, true), None, Some(false), 0).is_ok());
        assert!(check_account_change(ADMIN, state(Role::Agent, true), None, Some(false), 0).is_ok());
    }

    #[test]
    fn roles_change_among_staff_only() {
        for (from, to) in [
            (Role::Customer, Role::Agent),
            (Role::Customer, Role::Admin),
            (Role::Agent, Role::Customer),
            (Role::Admin, Role::Customer),
        ] {
            assert_eq!(
                check_account_change(ADMIN, state(from, true), Some(to), None, 5),
                Err(AccountChangeError::CustomerStaffSwitch { from, to })
            );
        }
        for (from, to) in [
            (Role::Agent, Role::Supervisor),
            (Role::Supervisor, Role::Admin),
            (Role::Admin, Role::Agent),
        ] {
            assert_eq!(
                check_account_change(ADMIN, state(from, true), Some(to), None, 1).map(|e| e.after.role),
                Ok(to)
            );
        }
    }

    #[test]
    fn the_last_active_admin_is_neither_deactivated_nor_demoted() {
        let admin = state(Role::Admin, true);
        assert_eq!(
            check_account_change(ADMIN, admin, None, Some(false), 0),
            Err(AccountChangeError::LastAdmin)
        );
        assert_eq!(
            check_account_change(ADMIN, admin, Some(Role::Supervisor), None, 0),
            Err(AccountChangeError::LastAdmin)
        );
        let removing = check_account_change(ADMIN, admin, Some(Role::Agent), Some(true), 1).expect("another admin");
        assert!(removing.removes_admin);
        // Renaming the last admin, or keeping it an active admin, is fine.
        let same = check_account_change(ADMIN, admin, Some(Role::Admin), Some(true), 0).expect("no change");
        assert!(!same.removes_admin);
        // An inactive admin is not one of those that count.
        let inactive = check_account_change(ADMIN, state(Role::Admin, false), Some(Role::Agent), None, 0)
            .expect("not an active admin");
        assert!(!inactive.removes_admin);
    }

    #[test]
    fn deactivating_revokes_sessions_and_releases_a_staff_members_work() {
        let agent = check_account_change(ADMIN, state(Role::Agent, true), None, Some(false), 0).expect("allowed");
        assert!(agent.revoke_sessions && agent.release_work);
        let supervisor =
            check_account_change(ADMIN, state(Role::Supervisor, true), None, Some(false), 0).expect("allowed");
        assert!(supervisor.revoke_sessions && supervisor.release_work);
        let customer = check_account_change(ADMIN, state(Role::Customer, true), None, Some(false), 0).expect("allowed");
        assert!(customer.revoke_sessions && !customer.release_work);
        let again = check_account_change(ADMIN, state(Role::Agent, false), None, Some(false), 0).expect("allowed");
        assert!(
            !again.revoke_sessions && !again.release_work,
            "already inactive: nothing to do"
        );
        let back = check_account_change(ADMIN, state(Role::Agent, false), None, Some(true), 0).expect("allowed");
        assert!(
            !back.revoke_sessions && !back.release_work,
            "reactivating restores nothing and takes nothing"
        );
    }

    #[test]
    fn an_agent_promoted_away_from_the_queue_releases_their_tickets() {
        let promoted =
            check_account_change(ADMIN, state(Role::Agent, true), Some(Role::Supervisor), None, 0).expect("allowed");
        assert!(promoted.release_work && !promoted.revoke_sessions);
        let demoted =
            check_account_change(ADMIN, state(Role::Supervisor, true), Some(Role::Agent), None, 0).expect("allowed");
        assert!(!demoted.release_work);
        let renamed = check_account_change(ADMIN, state(Role::Agent, true), None, None, 0).expect("allowed");
        assert!(!renamed.release_work && !renamed.revoke_sessions && !renamed.removes_admin);
    }
}
