//! Satisfaction surveys (issue 16): one stored row per invitation, found by its token's
//! hash or by its ticket. Writing them is part of a change set ([`super::Write::InsertSurvey`],
//! [`super::Write::AnswerSurvey`], [`super::Write::ChangeSurveyAnswer`]).

use async_trait::async_trait;
use domain::survey::Survey;
use domain::{CategorySlug, Priority, TicketId, UserId};

use super::security::TokenHash;
use super::store::StoreError;

/// A survey as stored: the domain's [`Survey`] (round, windows, answer) and what was
/// copied from its ticket at invitation, so the csat report reads the surveys alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSurvey {
    /// The survey: ticket, round, trigger, instants, edit window and answer.
    pub survey: Survey,
    /// The hash of the token its link carries (the token itself is never stored).
    pub token_hash: TokenHash,
    /// The ticket's customer, who answers.
    pub customer_id: UserId,
    /// The ticket's assignee at invitation.
    pub agent_id: Option<UserId>,
    /// The ticket's category at invitation.
    pub category: CategorySlug,
    /// The ticket's priority at invitation.
    pub priority: Priority,
}

/// Reads stored surveys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SurveyRepository: Send + Sync {
    /// The survey whose token hashes to `token_hash` (the unique index), if any.
    async fn survey_by_token(&self, token_hash: &TokenHash) -> Result<Option<StoredSurvey>, StoreError>;
    /// The ticket's latest round, if it has had an invitation.
    async fn latest_survey(&self, ticket_id: TicketId) -> Result<Option<StoredSurvey>, StoreError>;
    /// The latest round of each of `tickets` that has one (in no particular order): one
    /// query for a page of tickets.
    async fn latest_surveys(&self, tickets: &[TicketId]) -> Result<Vec<StoredSurvey>, StoreError>;
}
