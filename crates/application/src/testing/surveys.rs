//! Surveys in memory: the [`SurveyRepository`] reads and what the survey writes do.

use async_trait::async_trait;
use domain::TicketId;
use domain::survey::Survey;

use super::{Fake, State};
use crate::ports::{StoreError, StoredSurvey, SurveyRepository, TokenHash, Write};

#[async_trait]
impl SurveyRepository for Fake {
    async fn survey_by_token(&self, token_hash: &TokenHash) -> Result<Option<StoredSurvey>, StoreError> {
        Ok(self
            .state()
            .surveys
            .iter()
            .find(|s| s.token_hash == *token_hash)
            .cloned())
    }

    async fn latest_survey(&self, ticket_id: TicketId) -> Result<Option<StoredSurvey>, StoreError> {
        Ok(latest_of(&self.state(), ticket_id))
    }

    async fn latest_surveys(&self, tickets: &[TicketId]) -> Result<Vec<StoredSurvey>, StoreError> {
        let s = self.state();
        Ok(tickets.iter().filter_map(|t| latest_of(&s, *t)).collect())
    }
}

fn latest_of(s: &State, ticket_id: TicketId) -> Option<StoredSurvey> {
    s.surveys
        .iter()
        .filter(|v| v.survey.ticket_id() == ticket_id)
        .max_by_key(|v| v.survey.round())
        .cloned()
}

impl State {
    /// Refuses a survey write as the databases do (see [`Write::InsertSurvey`] and the
    /// answers' guards); other writes pass.
    pub(super) fn check_survey_write(&self, write: &Write) -> Result<(), StoreError> {
        let find = |ticket_id: TicketId, round| {
            self.surveys
                .iter()
                .find(|v| v.survey.ticket_id() == ticket_id && v.survey.round() == round)
        };
        match write {
            Write::InsertSurvey(new) => {
                if find(new.survey.ticket_id(), new.survey.round()).is_some() {
                    return Err(StoreError::Duplicate("survey"));
                }
                if self.surveys.iter().any(|v| v.token_hash == new.token_hash) {
                    return Err(StoreError::Duplicate("token_hash"));
                }
                if !self.tickets.iter().any(|t| t.id() == new.survey.ticket_id()) {
                    return Err(StoreError::Reference("record"));
                }
            }
            Write::AnswerSurvey { ticket_id, round, .. }
                if find(*ticket_id, *round).is_none_or(|v| v.survey.current_answer().is_some()) =>
            {
                return Err(StoreError::VersionConflict);
            }
            Write::ChangeSurveyAnswer {
                ticket_id,
                round,
                expected_changed_at,
                ..
            } => {
                let stored = find(*ticket_id, *round).and_then(|v| v.survey.current_answer().map(|a| a.changed_at));
                if stored != Some(*expected_changed_at) {
                    return Err(StoreError::VersionConflict);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies a survey write checked by [`State::check_survey_write`].
    pub(super) fn apply_survey_write(&mut self, write: Write) {
        match write {
            Write::InsertSurvey(new) => self.surveys.push(new),
            Write::CancelSurveyInvitations { ticket_id, at } => {
                self.cancel_notifications(at, "superseded by a newer survey", |n| {
                    n.spec.ticket_id == Some(ticket_id) && n.spec.template == crate::surveys::SURVEY_TEMPLATE
                });
            }
            Write::AnswerSurvey {
                ticket_id,
                round,
                answer,
            }
            | Write::ChangeSurveyAnswer {
                ticket_id,
                round,
                answer,
                ..
            } => {
                let stored = self
                    .surveys
                    .iter_mut()
                    .find(|v| v.survey.ticket_id() == ticket_id && v.survey.round() == round);
                if let Some(v) = stored {
                    let mut parts = v.survey.parts().clone();
                    // A change keeps the first answer's instant, as the databases do.
                    let answered_at = parts.answer.as_ref().map_or(answer.answered_at, |a| a.answered_at);
                    parts.answer = Some(domain::survey::Answer { answered_at, ..answer });
                    v.survey = Survey::restore(parts);
                }
            }
            _ => {}
        }
    }
}
