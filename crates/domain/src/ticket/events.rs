//! Domain events: what happened to a ticket, by whom and when.
//!
//! Every accepted change yields exactly one event. The store keeps each event as a history
//! entry and publishes it through the outbox in the same transaction as the change.

use crate::comment::Visibility;
use crate::ids::{AttachmentId, CommentId, TicketId, UserId};
use crate::sla::{Crossing, TargetKind};
use crate::time::Timestamp;

use super::category::CategorySlug;
use super::number::TicketNumber;
use super::priority::Priority;
use super::status::TicketStatus;
use super::tags::Tags;

/// One change to one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketEvent {
    /// The ticket that changed.
    pub ticket_id: TicketId,
    /// Who changed it; `None` for the system (worker loops, automation).
    pub actor: Option<UserId>,
    /// When it changed.
    pub at: Timestamp,
    /// What changed.
    pub kind: TicketEventKind,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketEventKind {
    /// The ticket was opened.
    Created {
        /// Its number.
        number: TicketNumber,
        /// The customer it belongs to.
        customer_id: UserId,
        /// Its priority at creation.
        priority: Priority,
        /// Its category at creation.
        category: CategorySlug,
        /// Its tags at creation.
        tags: Tags,
    },
    /// Fields were edited; one entry per field that actually changed.
    Updated {
        /// The changed fields, in a fixed order.
        changes: Vec<FieldChange>,
    },
    /// The status moved along the state machine.
    StatusChanged {
        /// The status before.
        from: TicketStatus,
        /// The status after.
        to: TicketStatus,
        /// Why, when the actor said so.
        reason: Option<String>,
    },
    /// The ticket was given to an agent.
    Assigned {
        /// The previous assignee, if any.
        previous: Option<UserId>,
        /// The new assignee.
        assignee: UserId,
        /// The status before.
        from: TicketStatus,
        /// The status after.
        to: TicketStatus,
        /// Why, when the actor said so (a transfer's reason).
        reason: Option<String>,
    },
    /// The ticket went back to the queue: no assignee, status `new`.
    Unassigned {
        /// The agent who had it.
        previous: UserId,
        /// The status before.
        from: TicketStatus,
        /// Why, when the actor said so.
        reason: Option<String>,
    },
    /// A comment, agent reply or internal note was added.
    CommentAdded {
        /// The comment.
        comment_id: CommentId,
        /// Who may read it; an internal note's event is itself internal.
        visibility: Visibility,
        /// Written by staff rather than the customer.
        by_staff: bool,
        /// It is the ticket's first response (staff's first public reply).
        first_response: bool,
        /// How many files came with it.
        attachments: u32,
    },
    /// A comment's text and files were removed by an admin (or by a customer's erasure).
    /// Staff only: the reason is staff business; customers see the comment marked redacted.
    CommentRedacted {
        /// The comment.
        comment_id: CommentId,
        /// The comment's visibility.
        visibility: Visibility,
        /// Why.
        reason: String,
        /// How many files were deleted with it.
        files: u32,
    },
    /// One file was deleted (by an admin, or by its uploader shortly after the upload).
    /// Staff only; customers see the file gone.
    AttachmentDeleted {
        /// The file.
        attachment_id: AttachmentId,
        /// The comment it came with.
        comment_id: CommentId,
    },
    /// An SLA target reached its warning threshold or passed its due instant. Recorded
    /// once per target and crossing; staff only.
    SlaCrossed {
        /// The target.
        target: TargetKind,
        /// The warning or breach, with the instant it happened.
        crossing: Crossing,
        /// The policy the target comes from.
        policy_id: Option<i64>,
    },
    /// The ticket was escalated by a person or a rule. Staff only.
    Escalated {
        /// The rule that fired; `None` for a person's escalation.
        rule_id: Option<i64>,
        /// Why.
        reason: String,
        /// The escalation level before.
        level_from: u8,
        /// The escalation level after.
        level_to: u8,
        /// The priority before.
        priority_from: Priority,
        /// The priority after.
        priority_to: Priority,
    },
    /// The customer answered the ticket's satisfaction survey, or changed their answer
    /// (issue 16); the comment stays with the survey. Public: it is the customer's own.
    SurveyAnswered {
        /// The survey round answered.
        round: crate::survey::SurveyRound,
        /// The rating given.
        rating: crate::survey::Rating,
        /// A change of an earlier answer rather than the first one.
        changed: bool,
    },
}

impl TicketEventKind {
    /// Who may see this event in the ticket's history and be notified of it: the events
    /// of an internal note, of SLA crossings, of assignments, of redactions and of file deletions are internal, every other
    /// event public.
    pub const fn visibility(&self) -> Visibility {
        match self {
            Self::CommentAdded { visibility, .. } => *visibility,
            // Assignment records say who was chosen and why (loads, transfers): staff
            // business. Customers see the current assignee on the ticket itself.
            Self::SlaCrossed { .. }
            | Self::Assigned { .. }
            | Self::Unassigned { .. }
            | Self::Escalated { .. }
            | Self::CommentRedacted { .. }
            | Self::AttachmentDeleted { .. } => Visibility::Internal,
            _ => Visibility::Public,
        }
    }

    /// The stable event type name used in the outbox and the history API.
    pub const fn event_type(&self) -> &'static str {
        match self {
            Self::Created { .. } => "TicketCreated",
            Self::Updated { .. } => "TicketUpdated",
            Self::StatusChanged { .. } => "TicketStatusChanged",
            Self::Assigned { .. } => "TicketAssigned",
            Self::Unassigned { .. } => "TicketUnassigned",
            Self::Escalated { .. } => "TicketEscalated",
            Self::CommentAdded { .. } => "CommentAdded",
            Self::CommentRedacted { .. } => "CommentRedacted",
            Self::AttachmentDeleted { .. } => "AttachmentDeleted",
            Self::SurveyAnswered { .. } => "SurveyAnswered",
            Self::SlaCrossed {
                crossing: Crossing::Warning(_),
                ..
            } => "SlaWarning",
            Self::SlaCrossed {
                crossing: Crossing::Breach(_),
                ..
            } => "SlaBreached",
        }
    }
}

/// One edited field. Short fields carry both values; the description only says it changed,
/// so history does not keep copies of long texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's API name: `subject`, `description`, `priority`, `category` or `tags`.
    pub field: &'static str,
    /// The value before, for short fields.
    pub from: Option<String>,
    /// The value after, for short fields.
    pub to: Option<String>,
}
