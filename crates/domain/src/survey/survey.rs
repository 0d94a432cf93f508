//! One invitation's survey: its token's life, the answer and its changes.

use std::fmt;
use std::time::Duration;

use super::comment::SurveyComment;
use super::invitation::{Invitation, SurveyRound, SurveyTrigger};
use super::rating::Rating;
use super::settings::{SurveySettings, micros};
use crate::ids::TicketId;
use crate::time::Timestamp;

/// A customer's answer to a survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The rating.
    pub rating: Rating,
    /// The comment, if any.
    pub comment: Option<SurveyComment>,
    /// When it was first given; the edit window counts from here and never moves.
    pub answered_at: Timestamp,
    /// When it was last given or changed.
    pub changed_at: Timestamp,
}

/// What a valid token may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// Nothing is answered yet: show the form, accept a first answer (`POST`).
    Answer,
    /// Answered and inside the edit window: show the answer, accept a change (`PUT`).
    Change,
}

/// Why a survey command or a token was refused. The survey is left unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyError {
    /// A first answer was given already; change it instead (409).
    AlreadyAnswered,
    /// There is no answer to change yet.
    NotAnswered,
    /// The edit window after the first answer has passed.
    EditWindowPassed,
    /// The token's lifetime ended with no answer.
    Expired,
    /// Answered and the edit window has passed: the token has done its work.
    Spent,
    /// The ticket has a newer invitation (it was reopened and closed again).
    Superseded,
}

impl fmt::Display for SurveyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyAnswered => write!(f, "this survey was already answered; change the answer instead"),
            Self::NotAnswered => write!(f, "this survey has no answer to change"),
            Self::EditWindowPassed => write!(f, "the time to change this answer has passed"),
            Self::Expired => write!(f, "this survey link has expired"),
            Self::Spent => write!(f, "this survey link has been used"),
            Self::Superseded => write!(f, "this survey link was replaced by a newer one"),
        }
    }
}

impl std::error::Error for SurveyError {}

/// Everything a survey is made of, as stored. [`Survey::restore`] rebuilds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyParts {
    /// The ticket surveyed.
    pub ticket_id: TicketId,
    /// Which of the ticket's invitations this is.
    pub round: SurveyRound,
    /// What earned the invitation.
    pub trigger: SurveyTrigger,
    /// When the invitation is (or was) sent.
    pub invited_at: Timestamp,
    /// The last instant an unanswered token works.
    pub expires_at: Timestamp,
    /// How long after the first answer it may be changed (fixed at invitation).
    pub edit_window: Duration,
    /// The answer, if any.
    pub answer: Option<Answer>,
}

/// One invitation's survey. See the module documentation for the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    parts: SurveyParts,
}

impl Survey {
    /// The survey a due invitation opens: the token works until `send_at` plus the token
    /// lifetime; the edit window is fixed now, so a later settings change keeps promises.
    pub fn invite(ticket_id: TicketId, invitation: Invitation, settings: &SurveySettings) -> Self {
        Self {
            parts: SurveyParts {
                ticket_id,
                round: invitation.round,
                trigger: invitation.trigger,
                invited_at: invitation.send_at,
                expires_at: invitation.send_at.plus_micros(micros(settings.token_lifetime)),
                edit_window: settings.edit_window,
                answer: None,
            },
        }
    }

    /// Rebuilds a stored survey (checked when it was recorded).
    pub fn restore(parts: SurveyParts) -> Self {
        Self { parts }
    }

    /// What it is made of, for storing.
    pub fn parts(&self) -> &SurveyParts {
        &self.parts
    }

    /// The ticket surveyed.
    pub fn ticket_id(&self) -> TicketId {
        self.parts.ticket_id
    }

    /// Which of the ticket's invitations this is.
    pub fn round(&self) -> SurveyRound {
        self.parts.round
    }

    /// The answer given, if any.
    pub fn current_answer(&self) -> Option<&Answer> {
        self.parts.answer.as_ref()
    }

    /// The last instant the answer may be changed: first answer plus the edit window.
    pub fn editable_until(&self) -> Option<Timestamp> {
        self.parts
            .answer
            .as_ref()
            .map(|a| a.answered_at.plus_micros(micros(self.parts.edit_window)))
    }

    /// The last instant the token works (ignoring supersession): the expiry while
    /// unanswered, then the end of the edit window, which may be later.
    pub fn token_valid_until(&self) -> Timestamp {
        self.editable_until().unwrap_or(self.parts.expires_at)
    }

    /// May this survey's token be used at `at`, given the ticket's latest round; and for
    /// what. Refused: [`SurveyError::Superseded`] (a newer round exists, whatever else),
    /// [`SurveyError::Expired`] (unanswered, after the expiry), [`SurveyError::Spent`]
    /// (answered, after the edit window). Both ends are included.
    pub fn check_token_use(&self, latest_round: SurveyRound, at: Timestamp) -> Result<TokenUse, SurveyError> {
        if self.parts.round < latest_round {
            return Err(SurveyError::Superseded);
        }
        match self.editable_until() {
            None if at > self.parts.expires_at => Err(SurveyError::Expired),
            None => Ok(TokenUse::Answer),
            Some(until) if at > until => Err(SurveyError::Spent),
            Some(_) => Ok(TokenUse::Change),
        }
    }

    /// Records the first answer at `at`. Refused once answered ([`SurveyError::AlreadyAnswered`],
    /// checked first) and after the expiry ([`SurveyError::Expired`]). An answer before the
    /// send instant (a logged-in customer during the delay) is accepted.
    pub fn answer(
        &mut self,
        rating: Rating,
        comment: Option<SurveyComment>,
        at: Timestamp,
    ) -> Result<&Answer, SurveyError> {
        if self.parts.answer.is_some() {
            return Err(SurveyError::AlreadyAnswered);
        }
        if at > self.parts.expires_at {
            return Err(SurveyError::Expired);
        }
        Ok(self.parts.answer.insert(Answer {
            rating,
            comment,
            answered_at: at,
            changed_at: at,
        }))
    }

    /// Replaces the answer's rating and comment (no comment clears it) at `at`, within the
    /// edit window after the first answer (end included). Refused without an answer
    /// ([`SurveyError::NotAnswered`]) and after the window ([`SurveyError::EditWindowPassed`]).
    /// The first-answer instant never moves; `changed_at` never goes back.
    pub fn change(
        &mut self,
        rating: Rating,
        comment: Option<SurveyComment>,
        at: Timestamp,
    ) -> Result<&Answer, SurveyError> {
        let until = self.editable_until().ok_or(SurveyError::NotAnswered)?;
        if at > until {
            return Err(SurveyError::EditWindowPassed);
        }
        let answer = self.parts.answer.as_mut().ok_or(SurveyError::NotAnswered)?;
        answer.rating = rating;
        answer.comment = comment;
        answer.changed_at = answer.changed_at.max(at);
        Ok(answer)
    }
}
