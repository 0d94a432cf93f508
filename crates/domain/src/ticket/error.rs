//! Why a ticket command was refused.

use std::fmt;

use super::status::TicketStatus;

/// Something an actor tried to do to a ticket, named in [`TicketError::ActionForbidden`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketAction {
    /// Open a ticket on behalf of another customer.
    OpenForAnotherCustomer,
    /// Change the named field.
    EditField(&'static str),
    /// Move the ticket to the given status.
    Transition(TicketStatus),
    /// Give the ticket to an agent.
    Assign,
    /// Write an internal note (staff only).
    WriteInternalNote,
    /// Escalate the ticket (staff only, open tickets only).
    Escalate,
}

impl fmt::Display for TicketAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OpenForAnotherCustomer => write!(f, "open a ticket for another customer"),
            Self::EditField(field) => write!(f, "change the {field}"),
            Self::Transition(to) => write!(f, "move the ticket to {to}"),
            Self::Assign => write!(f, "assign the ticket"),
            Self::WriteInternalNote => write!(f, "write internal notes"),
            Self::Escalate => write!(f, "escalate this ticket"),
        }
    }
}

/// A ticket command the rules refuse. The ticket is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketError {
    /// The state machine has no edge from `from` to `to`.
    TransitionForbidden {
        /// The ticket's current status.
        from: TicketStatus,
        /// The requested status.
        to: TicketStatus,
        /// The statuses this actor could move the ticket to instead.
        allowed: Vec<TicketStatus>,
    },
    /// The actor's role may not take this action.
    ActionForbidden {
        /// What was attempted.
        action: TicketAction,
    },
    /// The actor may not see this ticket (another customer's); callers answer "not found".
    NotVisible,
    /// A closed ticket cannot be changed.
    Closed,
    /// Moving to `assigned` needs an agent to assign.
    AssigneeRequired,
    /// A resolved ticket is finished work: reopen it before escalating it.
    Resolved,
}

impl fmt::Display for TicketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TransitionForbidden { from, to, allowed } => {
                write!(f, "a ticket cannot move from {from} to {to}")?;
                if allowed.is_empty() {
                    write!(f, "; no move is possible from {from}")
                } else {
                    let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
                    write!(f, "; allowed: {}", names.join(", "))
                }
            }
            Self::ActionForbidden { action } => write!(f, "your role may not {action}"),
            Self::NotVisible => write!(f, "no such ticket"),
            Self::Closed => write!(f, "the ticket is closed and cannot be changed"),
            Self::AssigneeRequired => {
                write!(f, "moving a ticket to assigned needs an agent to assign")
            }
            Self::Resolved => write!(f, "the ticket is resolved; reopen it before escalating it"),
        }
    }
}

impl std::error::Error for TicketError {}
