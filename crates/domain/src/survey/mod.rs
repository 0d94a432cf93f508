//! The satisfaction survey (issue 16): when a customer is invited, the rating and comment
//! they give, how long their link works, and who may answer.
//!
//! # Invitations and rounds
//!
//! Closing a ticket invites its customer; so does resolving it when the deployment says so
//! ([`SurveySettings::on_resolved`]). [`invitation_due`] decides from the status change, who
//! made it, the ticket's opening instant and the settings, and answers when to send
//! (the change plus [`SurveySettings::delay`]) or why not ([`NoInvitation`]).
//!
//! Each invitation opens a new [`SurveyRound`] of its ticket (1, 2, …; stored unique per
//! ticket). A token is scoped to "that ticket and that round": once the ticket has a newer
//! round (reopened and resolved or closed again), the old token is [`SurveyError::Superseded`],
//! whether or not it was answered, and its answer stays what it was. Rounds count
//! invitations rather than closes so the rule holds whatever the settings were at each one.
//! In the seed's state machine `closed` is terminal, so today a second round comes from a
//! reopened resolve (with `on_resolved`); the rule already covers reopening closed tickets.
//! A delayed invitation whose round was superseded before its send instant is not sent
//! (the sender checks [`Survey::check_token_use`] against the latest round).
//!
//! # Instants
//!
//! Every window includes its end, like the uploader's delete window: a token expiring at
//! `T` still works at `T`; a close exactly 10 minutes after opening is "within 10 minutes".
//!
//! # The token's life
//!
//! - Unanswered, it works until `expires_at` = send instant + [`SurveySettings::token_lifetime`]
//!   (14 days); after that it is [`SurveyError::Expired`].
//! - Once answered, it works until the first answer + [`SurveySettings::edit_window`]
//!   (7 days), to read and change the answer, even when that is after `expires_at`; after
//!   that it is [`SurveyError::Spent`], even when `expires_at` has not come yet.
//!
//! So the token works until its expiry while unanswered and until the end of the edit
//! window once answered. Why: the issue promises "for 7 days after answering the customer
//! may change it … after which the token is spent". Ending edits at the expiry would break
//! that promise for an answer given on day 13; keeping the token alive until the expiry
//! after the window closed would contradict "spent". The expiry exists to retire links
//! nobody used; once used, the edit window is their life. A token therefore lives at most
//! lifetime + edit window after sending (21 days by default).
//!
//! # Answering
//!
//! [`Survey::answer`] records the first answer (refused when there is one:
//! [`SurveyError::AlreadyAnswered`], a 409; after the expiry: [`SurveyError::Expired`]).
//! [`Survey::change`] replaces rating and comment within the edit window counted from the
//! FIRST answer, which changes never move ([`SurveyError::EditWindowPassed`];
//! [`SurveyError::NotAnswered`] without an answer). The token path calls
//! [`Survey::check_token_use`] first; the logged-in path acts on the ticket's latest round
//! after [`may_answer`] (only the ticket's own customer; staff read, [`may_read`]).
//!
//! A [`Rating`] is 1 to 5; 4 and 5 are satisfied ([`CSAT_SATISFIED`]). A [`SurveyComment`]
//! is at most 2,000 characters, trimmed; blank is none. Both refuse with
//! [`ValueError`](crate::ValueError), which the caller names by field (422).

mod access;
mod comment;
mod invitation;
mod rating;
mod settings;
#[allow(clippy::module_inception)]
mod survey;
#[cfg(test)]
mod tests;

pub use access::{AnswerRefusal, may_answer, may_read};
pub use comment::SurveyComment;
pub use invitation::{
    ChangedBy, Invitation, InvitationContext, NoInvitation, StatusChange, SurveyRound, SurveyTrigger, invitation_due,
};
pub use rating::{CSAT_SATISFIED, Rating};
pub use settings::{SurveySettings, SurveySettingsError};
pub use survey::{Answer, Survey, SurveyError, SurveyParts, TokenUse};
