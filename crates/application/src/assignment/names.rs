//! The display names of tickets' assignees, which everyone who sees a ticket may read.

use std::collections::HashMap;
use std::sync::Arc;

use domain::{Ticket, UserId};

use crate::error::AppError;
use crate::ports::UserRepository;

/// Looks up who has each ticket, by display name: customers see who is working on their
/// ticket (not the assignment record).
#[derive(Clone)]
pub struct AssigneeNames {
    users: Arc<dyn UserRepository>,
}

impl AssigneeNames {
    /// Wires the use case.
    pub fn new(users: Arc<dyn UserRepository>) -> Self {
        Self { users }
    }

    /// The display names of the distinct assignees of `tickets`, in one read.
    pub async fn execute(&self, tickets: &[&Ticket]) -> Result<HashMap<UserId, String>, AppError> {
        let mut ids: Vec<UserId> = tickets.iter().filter_map(|t| t.assignee_id()).collect();
        ids.sort_unstable_by_key(|id| id.get());
        ids.dedup();
        let mut names = HashMap::new();
        for user in self.users.get_many(&ids).await? {
            names.insert(user.id, user.display_name.to_string());
        }
        Ok(names)
    }
}
