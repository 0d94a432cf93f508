//! What adding a comment does to its ticket.

use std::fmt;

use crate::access::Actor;
use crate::ticket::TicketStatus;

use super::visibility::Visibility;

/// The changes a comment makes to its ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentEffects {
    /// The status move the comment causes: a customer answering (`waiting_customer`) or
    /// reopening (`resolved`) moves the ticket to `in_progress`.
    pub status_change: Option<(TicketStatus, TicketStatus)>,
    /// This is the ticket's first public reply by staff: its first response instant.
    pub first_response: bool,
    /// A public comment by the customer (updates the last customer comment instant).
    pub customer_comment: bool,
    /// A public reply by staff (updates the last agent reply instant).
    pub agent_reply: bool,
}

/// Why a comment is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentRefusal {
    /// Closed tickets take no more comments.
    TicketClosed,
    /// Only staff write internal notes.
    InternalNoteByCustomer,
}

impl fmt::Display for CommentRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TicketClosed => write!(f, "the ticket is closed and takes no more comments"),
            Self::InternalNoteByCustomer => write!(f, "only staff can write internal notes"),
        }
    }
}

impl std::error::Error for CommentRefusal {}

/// The effects of `author` adding a comment of `visibility` to a ticket in `status`,
/// which has (`answered`) or has not yet had a first response. The caller has checked
/// that the author may see the ticket.
pub fn effects_of(
    status: TicketStatus,
    answered: bool,
    author: &Actor,
    visibility: Visibility,
) -> Result<CommentEffects, CommentRefusal> {
    if status.is_terminal() {
        return Err(CommentRefusal::TicketClosed);
    }
    let none = CommentEffects {
        status_change: None,
        first_response: false,
        customer_comment: false,
        agent_reply: false,
    };
    match (author.is_staff(), visibility) {
        (false, Visibility::Internal) => Err(CommentRefusal::InternalNoteByCustomer),
        (true, Visibility::Internal) => Ok(none),
        (true, Visibility::Public) => Ok(CommentEffects {
            first_response: !answered,
            agent_reply: true,
            ..none
        }),
        (false, Visibility::Public) => {
            let status_change = matches!(status, TicketStatus::WaitingCustomer | TicketStatus::Resolved)
                .then_some((status, TicketStatus::InProgress));
            Ok(CommentEffects {
                status_change,
                customer_comment: true,
                ..none
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::ids::UserId;
    use TicketStatus::*;

    fn customer() -> Actor {
        Actor::new(UserId::new(1), Role::Customer)
    }

    fn agent() -> Actor {
        Actor::new(UserId::new(2), Role::Agent)
    }

    #[test]
    fn a_customer_answer_or_reopen_moves_the_ticket_to_in_progress() {
        for (from, moved) in [
            (WaitingCustomer, true),
            (Resolved, true),
            (New, false),
            (Assigned, false),
            (InProgress, false),
        ] {
            let e = effects_of(from, true, &customer(), Visibility::Public).expect("accepted");
            assert_eq!(e.status_change, moved.then_some((from, InProgress)), "from {from}");
            assert!(e.customer_comment && !e.agent_reply && !e.first_response);
        }
    }

    #[test]
    fn the_first_public_staff_reply_is_the_first_response() {
        let first = effects_of(Assigned, false, &agent(), Visibility::Public).expect("accepted");
        assert!(first.first_response && first.agent_reply);
        let later = effects_of(InProgress, true, &agent(), Visibility::Public).expect("accepted");
        assert!(!later.first_response && later.agent_reply);
        let note = effects_of(New, false, &agent(), Visibility::Internal).expect("accepted");
        assert_eq!(
            note,
            CommentEffects {
                status_change: None,
                first_response: false,
                customer_comment: false,
                agent_reply: false
            },
            "an internal note is not a response"
        );
    }

    #[test]
    fn closed_tickets_and_customer_internal_notes_are_refused() {
        assert_eq!(
            effects_of(Closed, true, &customer(), Visibility::Public),
            Err(CommentRefusal::TicketClosed)
        );
        assert_eq!(
            effects_of(Closed, true, &agent(), Visibility::Internal),
            Err(CommentRefusal::TicketClosed)
        );
        assert_eq!(
            effects_of(InProgress, true, &customer(), Visibility::Internal),
            Err(CommentRefusal::InternalNoteByCustomer)
        );
    }

    #[test]
    fn status_changes_are_edges_of_the_machine() {
        for status in TicketStatus::ALL {
            for visibility in [Visibility::Public, Visibility::Internal] {
                for author in [customer(), agent()] {
                    if let Ok(CommentEffects {
                        status_change: Some((from, to)),
                        ..
                    }) = effects_of(status, false, &author, visibility)
                    {
                        assert!(from.can_transition_to(to), "{from} -> {to}");
                    }
                }
            }
        }
    }
}
