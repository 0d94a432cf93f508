//! Who may answer a survey when logged in, and who may read it.

use std::fmt;

use crate::access::{Actor, Role};
use crate::ids::UserId;

/// Why a logged-in actor may not answer a ticket's survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerRefusal {
    /// Another customer's ticket: answered as if it did not exist (404).
    NotVisible,
    /// Staff read answers but never give them (403).
    StaffReadOnly,
}

impl fmt::Display for AnswerRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotVisible => write!(f, "no such ticket"),
            Self::StaffReadOnly => write!(f, "only the ticket's customer answers its survey"),
        }
    }
}

impl std::error::Error for AnswerRefusal {}

/// May `actor` answer (or change the answer to) the survey of a ticket belonging to
/// `customer_id`? Only that customer.
pub fn may_answer(actor: &Actor, customer_id: UserId) -> Result<(), AnswerRefusal> {
    match actor.role {
        Role::Customer if actor.user_id == customer_id => Ok(()),
        Role::Customer => Err(AnswerRefusal::NotVisible),
        Role::Agent | Role::Supervisor | Role::Admin => Err(AnswerRefusal::StaffReadOnly),
    }
}

/// May `actor` read the survey answer of a ticket belonging to `customer_id`? Every member
/// of staff, and that customer (their own answer); another customer not (404).
pub fn may_read(actor: &Actor, customer_id: UserId) -> bool {
    actor.is_staff() || actor.user_id == customer_id
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: UserId = UserId::new(7);

    #[test]
    fn only_the_owner_answers_staff_read_and_other_customers_see_nothing() {
        let owner = Actor::new(OWNER, Role::Customer);
        let other = Actor::new(UserId::new(8), Role::Customer);
        assert_eq!(may_answer(&owner, OWNER), Ok(()));
        assert!(may_read(&owner, OWNER));
        assert_eq!(may_answer(&other, OWNER), Err(AnswerRefusal::NotVisible));
        assert!(!may_read(&other, OWNER));
        for role in [Role::Agent, Role::Supervisor, Role::Admin] {
            let staff = Actor::new(UserId::new(9), role);
            assert_eq!(may_answer(&staff, OWNER), Err(AnswerRefusal::StaffReadOnly), "{role}");
            assert!(may_read(&staff, OWNER), "{role}");
        }
        // A staff account whose id happens to be the customer's id is still staff.
        assert_eq!(
            may_answer(&Actor::new(OWNER, Role::Agent), OWNER),
            Err(AnswerRefusal::StaffReadOnly)
        );
    }
}
