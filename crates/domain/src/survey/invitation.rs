//! When a status change earns the customer a survey invitation, and which round it opens.

use std::fmt;

use super::settings::{SurveySettings, micros};
use crate::ids::UserId;
use crate::ticket::{TicketEvent, TicketEventKind, TicketStatus};
use crate::time::Timestamp;

/// Which invitation of a ticket a survey (and its token) belongs to: 1 for the first,
/// one more for each later one. Only the ticket's latest round may be answered; a token
/// of an older round is superseded. Stored with the ticket id, unique per ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SurveyRound(u32);

impl SurveyRound {
    /// A ticket's first invitation.
    pub const FIRST: SurveyRound = SurveyRound(1);

    /// Wraps a stored round; `None` for 0 (rounds count from 1).
    pub const fn new(raw: u32) -> Option<Self> {
        if raw == 0 { None } else { Some(Self(raw)) }
    }

    /// The number, from 1.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The round after this one (saturating; four billion invitations never happen).
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }

    /// The round a new invitation opens, given the ticket's latest one (if any).
    pub const fn after(latest: Option<SurveyRound>) -> Self {
        match latest {
            Some(round) => round.next(),
            None => Self::FIRST,
        }
    }
}

impl fmt::Display for SurveyRound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The status change that earned an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SurveyTrigger {
    /// The ticket was closed.
    Closed,
    /// The ticket was resolved (only with [`SurveySettings::on_resolved`]).
    Resolved,
}

impl SurveyTrigger {
    /// The stable snake_case name used in storage: the status it followed.
    pub const fn as_str(self) -> &'static str {
        match self {
            SurveyTrigger::Closed => "closed",
            SurveyTrigger::Resolved => "resolved",
        }
    }
}

/// Who changed the status, as far as surveys care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangedBy {
    /// The ticket's own customer.
    TheCustomer,
    /// A member of staff.
    Staff,
    /// Nobody: a rule or a background job.
    System,
}

impl ChangedBy {
    /// Classifies an event's actor: the ticket's customer, someone else (only staff may
    /// change another's ticket), or no one.
    pub fn classify(actor: Option<UserId>, customer_id: UserId) -> Self {
        match actor {
            Some(user) if user == customer_id => ChangedBy::TheCustomer,
            Some(_) => ChangedBy::Staff,
            None => ChangedBy::System,
        }
    }
}

/// A status change: the part of a [`TicketEvent`] that decides an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    /// The status before.
    pub from: TicketStatus,
    /// The status after.
    pub to: TicketStatus,
    /// When.
    pub at: Timestamp,
}

impl StatusChange {
    /// The status change an event records, if it records one (`StatusChanged`, or an
    /// assignment that moved the status; an unassignment only ever goes back to `new`).
    pub fn of(event: &TicketEvent) -> Option<Self> {
        let (from, to) = match &event.kind {
            TicketEventKind::StatusChanged { from, to, .. } | TicketEventKind::Assigned { from, to, .. } => {
                (*from, *to)
            }
            _ => return None,
        };
        (from != to).then_some(Self { from, to, at: event.at })
    }
}

/// What besides the change itself decides an invitation; the caller reads it from the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitationContext {
    /// Who made the change.
    pub changed_by: ChangedBy,
    /// When the ticket was opened.
    pub opened_at: Timestamp,
    /// The ticket was merged into another (always `false` until merging exists).
    pub merged: bool,
    /// The ticket's latest invitation was made since it was last reopened (or ever, if it
    /// never was): a close straight after an invited resolve asks nothing new.
    pub invited_since_reopen: bool,
    /// The ticket's latest round, if it has had an invitation.
    pub latest_round: Option<SurveyRound>,
}

/// An invitation that is due: plan it (through the outbox) for `send_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invitation {
    /// The round it opens ([`SurveyRound::after`] the latest).
    pub round: SurveyRound,
    /// What earned it.
    pub trigger: SurveyTrigger,
    /// When to send it: the change's instant plus [`SurveySettings::delay`].
    pub send_at: Timestamp,
}

/// Why a status change earns no invitation (for logs and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoInvitation {
    /// The ticket moved to a status that never invites.
    NotASurveyStatus(TicketStatus),
    /// The ticket was resolved and the deployment invites on close only.
    ResolvedNotConfigured,
    /// The ticket was merged into another.
    Merged,
    /// Closed straight from a resolve that was already invited.
    AlreadyInvited,
    /// Closed by its own customer within the configured time of opening.
    ClosedQuicklyByCustomer,
}

impl fmt::Display for NoInvitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotASurveyStatus(to) => write!(f, "a move to {to} does not invite"),
            Self::ResolvedNotConfigured => write!(f, "surveys are sent on close only"),
            Self::Merged => write!(f, "merged tickets are not surveyed"),
            Self::AlreadyInvited => write!(f, "the resolution was already surveyed"),
            Self::ClosedQuicklyByCustomer => {
                write!(f, "closed by its customer right after opening it")
            }
        }
    }
}

/// Is an invitation due for this status change, and when; or why not.
///
/// Closing invites; resolving invites only with [`SurveySettings::on_resolved`]. Excluded
/// (checked in this order): merged tickets (with [`SurveySettings::exclude_merged`]); a close
/// straight from a resolve that was already invited; a close by the ticket's own customer
/// at most [`SurveySettings::exclude_customer_close_within`] after opening (the end
/// included: exactly 10 minutes is still "within"). Staff and system closes are never
/// excluded for being quick.
pub fn invitation_due(
    change: StatusChange,
    context: InvitationContext,
    settings: &SurveySettings,
) -> Result<Invitation, NoInvitation> {
    let trigger = match change.to {
        TicketStatus::Closed => SurveyTrigger::Closed,
        TicketStatus::Resolved if settings.on_resolved => SurveyTrigger::Resolved,
        TicketStatus::Resolved => return Err(NoInvitation::ResolvedNotConfigured),
        other => return Err(NoInvitation::NotASurveyStatus(other)),
    };
    if settings.exclude_merged && context.merged {
        return Err(NoInvitation::Merged);
    }
    if trigger == SurveyTrigger::Closed && change.from == TicketStatus::Resolved && context.invited_since_reopen {
        return Err(NoInvitation::AlreadyInvited);
    }
    if let (ChangedBy::TheCustomer, SurveyTrigger::Closed, Some(within)) =
        (context.changed_by, trigger, settings.exclude_customer_close_within)
        && change.at <= context.opened_at.plus_micros(micros(within))
    {
        return Err(NoInvitation::ClosedQuicklyByCustomer);
    }
    Ok(Invitation {
        round: SurveyRound::after(context.latest_round),
        trigger,
        send_at: change.at.plus_micros(micros(settings.delay)),
    })
}
