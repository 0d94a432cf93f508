//! An edit of a ticket's fields.

use super::category::CategorySlug;
use super::content::{Description, Subject};
use super::priority::Priority;
use super::tags::Tags;

/// The fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketUpdate {
    /// A new subject.
    pub subject: Option<Subject>,
    /// A new description.
    pub description: Option<Description>,
    /// A new priority (staff only).
    pub priority: Option<Priority>,
    /// A new category (staff only).
    pub category: Option<CategorySlug>,
    /// A new set of tags, replacing the old (staff only).
    pub tags: Option<Tags>,
}

impl TicketUpdate {
    /// True when the update names no field at all.
    pub fn is_empty(&self) -> bool {
        self.subject.is_none()
            && self.description.is_none()
            && self.priority.is_none()
            && self.category.is_none()
            && self.tags.is_none()
    }
}
