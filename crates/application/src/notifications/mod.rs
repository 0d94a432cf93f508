//! Notifications: planning them from the outbox (who hears about which event), delivering
//! them (claimed with a lease, retried with backoff, dead-lettered with the reason), and
//! the admins' view of them.

mod admin;
mod backlog;
mod contact;
mod deliver;
mod dispatch;
mod plan;
mod recipients;

pub use admin::{ListNotifications, NotificationListInput, NotificationPage, RetryNotification};
pub use backlog::OutboxBacklog;
pub use contact::{ContactInput, MyContact};
pub use deliver::DeliverNotifications;
pub use dispatch::{DispatchNotifications, DispatchTick, RetryPolicy};
pub use plan::{PlanNotifications, PlanPorts, PlanTick};
pub use recipients::{Audience, CUSTOMER_TEMPLATES, Want, wants};

#[cfg(test)]
mod tests;
