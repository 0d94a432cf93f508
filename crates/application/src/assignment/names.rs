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

    /// The display names of the distinct assignees of `tickets` (one read each).
    pub async fn execute(&self, tickets: &[&Ticket]) -> Result<HashMap<UserId, String>, AppError> {
        let mut names = HashMap::new();
        for id in tickets.iter().filter_map(|t| t.assignee_id()) {
            if names.contains_key(&id) {
                continue;
            }
            if let Some(user) = self.users.get(id).await? {
                names.insert(id, user.display_name.to_string());
            }
        }
        Ok(names)
    }
}
