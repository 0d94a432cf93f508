//! Reading and answering a survey: through its link's token, or logged in on the ticket.

use std::sync::Arc;

use domain::survey::{
    AnswerRefusal, Rating, Survey, SurveyComment, SurveyError, SurveyRound, TokenUse, may_answer, may_read,
};
use domain::{Actor, TicketEvent, TicketEventKind, TicketId, Timestamp};

use crate::error::{AppError, FieldError};
use crate::ports::{
    ChangeSet, Clock, StoreError, StoredSurvey, SurveyRepository, TicketRepository, TokenIssuer, UnitOfWork, Write,
};

/// Tokens longer than this are not looked up (ours are 47 characters).
const MAX_TOKEN_CHARS: usize = 256;
/// How often an answer is tried when a concurrent change of the same survey wins.
const ATTEMPTS: usize = 3;

/// What the survey use cases read and write.
#[derive(Clone)]
pub struct SurveyPorts {
    /// Stored surveys.
    pub surveys: Arc<dyn SurveyRepository>,
    /// Tickets, for their number, subject and customer.
    pub tickets: Arc<dyn TicketRepository>,
    /// Commits an answer with its event.
    pub uow: Arc<dyn UnitOfWork>,
    /// Hashes presented tokens.
    pub tokens: Arc<dyn TokenIssuer>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
}

/// An answer as received: both fields are checked here (422 naming the field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveyAnswerInput {
    /// 1 to 5; required.
    pub rating: Option<i64>,
    /// Up to 2,000 characters; blank is none.
    pub comment: Option<String>,
}

/// A survey as its reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyState {
    /// The ticket surveyed.
    pub ticket_id: TicketId,
    /// Its number (`TKT-000042`).
    pub ticket_number: String,
    /// Its subject.
    pub ticket_subject: String,
    /// The survey: round, answer, windows.
    pub survey: Survey,
    /// What may be done now: answer (`POST`), change (`PUT`), or nothing (`None`: the
    /// round is expired, spent or superseded; only the logged-in reader sees that).
    pub may: Option<TokenUse>,
    /// Until when the link works or the answer may be changed.
    pub until: Timestamp,
}

/// The survey use cases: `GET`/`POST`/`PUT /surveys/{token}` and
/// `GET`/`POST`/`PUT /tickets/{id}/satisfaction`.
#[derive(Clone)]
pub struct Surveys {
    ports: SurveyPorts,
}

/// Whether the command records the first answer or changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Answer,
    Change,
}

impl Surveys {
    /// Wires the use cases.
    pub fn new(ports: SurveyPorts) -> Self {
        Self { ports }
    }

    /// The survey a link's token opens, if the token may still be used: never records
    /// anything. Unknown or altered token: [`AppError::NotFound`]`("survey")`; expired,
    /// superseded or spent: [`AppError::Gone`] (`survey_expired`, `survey_superseded`,
    /// `survey_spent`).
    pub async fn by_token(&self, token: &str) -> Result<SurveyState, AppError> {
        let stored = self.find_token(token).await?;
        let now = self.ports.clock.now();
        let latest = self.latest_round(&stored).await?;
        let may = stored.survey.check_token_use(latest, now).map_err(refusal)?;
        self.state(stored, Some(may)).await
    }

    /// Records the first answer through the token (`POST`).
    pub async fn answer_by_token(&self, token: &str, input: SurveyAnswerInput) -> Result<SurveyState, AppError> {
        self.by_token_do(token, input, Command::Answer).await
    }

    /// Changes the answer through the token within the edit window (`PUT`).
    pub async fn change_by_token(&self, token: &str, input: SurveyAnswerInput) -> Result<SurveyState, AppError> {
        self.by_token_do(token, input, Command::Change).await
    }

    /// The latest round of the ticket's survey, for staff and the ticket's customer
    /// (another customer: [`AppError::NotFound`]`("ticket")`; no survey:
    /// [`AppError::NotFound`]`("survey")`).
    pub async fn for_ticket(&self, actor: &Actor, ticket_id: TicketId) -> Result<SurveyState, AppError> {
        let stored = self
            .ticket_survey(ticket_id, |customer| {
                may_read(actor, customer).then_some(()).ok_or(AnswerRefusal::NotVisible)
            })
            .await?;
        let may = stored
            .survey
            .check_token_use(stored.survey.round(), self.ports.clock.now())
            .ok()
            // The customer answers; staff only read.
            .filter(|_| may_answer(actor, stored.customer_id).is_ok());
        self.state(stored, may).await
    }

    /// The ticket's customer answers its latest round (`POST /tickets/{id}/satisfaction`).
    pub async fn answer_ticket(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        input: SurveyAnswerInput,
    ) -> Result<SurveyState, AppError> {
        self.ticket_do(actor, ticket_id, input, Command::Answer).await
    }

    /// The ticket's customer changes their answer within the edit window (`PUT`).
    pub async fn change_ticket(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        input: SurveyAnswerInput,
    ) -> Result<SurveyState, AppError> {
        self.ticket_do(actor, ticket_id, input, Command::Change).await
    }

    async fn by_token_do(
        &self,
        token: &str,
        input: SurveyAnswerInput,
        command: Command,
    ) -> Result<SurveyState, AppError> {
        let (rating, comment) = parse(&input)?;
        for _ in 0..ATTEMPTS {
            let stored = self.find_token(token).await?;
            let latest = self.latest_round(&stored).await?;
            stored
                .survey
                .check_token_use(latest, self.ports.clock.now())
                .map_err(refusal)?;
            if let Some(done) = self.commit(stored, rating, comment.clone(), command).await? {
                return Ok(done);
            }
        }
        Err(busy())
    }

    async fn ticket_do(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        input: SurveyAnswerInput,
        command: Command,
    ) -> Result<SurveyState, AppError> {
        // Who may answer comes before what was sent: staff learn nothing from a 422.
        let (rating, comment) = match self.ticket_survey(ticket_id, |c| may_answer(actor, c)).await {
            Ok(_) => parse(&input)?,
            Err(e) => return Err(e),
        };
        for _ in 0..ATTEMPTS {
            let stored = self.ticket_survey(ticket_id, |c| may_answer(actor, c)).await?;
            if let Some(done) = self.commit(stored, rating, comment.clone(), command).await? {
                return Ok(done);
            }
        }
        Err(busy())
    }

    /// Applies the command to the survey as read and commits it with its event and the
    /// escalation loop's look; `None` when a concurrent answer or change won (re-read).
    async fn commit(
        &self,
        stored: StoredSurvey,
        rating: Rating,
        comment: Option<SurveyComment>,
        command: Command,
    ) -> Result<Option<SurveyState>, AppError> {
        let now = self.ports.clock.now();
        let mut survey = stored.survey.clone();
        let previous = survey.current_answer().map(|a| a.changed_at);
        let answer = match command {
            Command::Answer => survey.answer(rating, comment, now),
            Command::Change => survey.change(rating, comment, now),
        }
        .map_err(refusal)?
        .clone();
        let ticket_id = survey.ticket_id();
        let round = survey.round();
        let write = match (command, previous) {
            (Command::Change, Some(expected_changed_at)) => Write::ChangeSurveyAnswer {
                ticket_id,
                round,
                answer,
                expected_changed_at,
            },
            _ => Write::AnswerSurvey {
                ticket_id,
                round,
                answer,
            },
        };
        let mut changes = ChangeSet::default();
        changes
            .push(write)
            .push(Write::Record(TicketEvent {
                ticket_id,
                actor: Some(stored.customer_id),
                at: now,
                kind: TicketEventKind::SurveyAnswered {
                    round,
                    rating,
                    changed: command == Command::Change,
                },
            }))
            .push(Write::RecheckEscalation { ticket_id, at: now });
        match self.ports.uow.commit(changes).await {
            Ok(()) => {}
            Err(StoreError::VersionConflict) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let may = survey.check_token_use(round, now).ok();
        let stored = StoredSurvey { survey, ..stored };
        self.state(stored, may).await.map(Some)
    }

    async fn find_token(&self, token: &str) -> Result<StoredSurvey, AppError> {
        if token.is_empty() || token.chars().count() > MAX_TOKEN_CHARS {
            return Err(AppError::NotFound("survey"));
        }
        let hash = self.ports.tokens.hash(token);
        self.ports
            .surveys
            .survey_by_token(&hash)
            .await?
            .ok_or(AppError::NotFound("survey"))
    }

    async fn latest_round(&self, stored: &StoredSurvey) -> Result<SurveyRound, AppError> {
        let latest = self.ports.surveys.latest_survey(stored.survey.ticket_id()).await?;
        Ok(latest.map_or(stored.survey.round(), |l| l.survey.round().max(stored.survey.round())))
    }

    /// The ticket's latest survey, after `allowed` accepted the caller for its customer.
    async fn ticket_survey(
        &self,
        ticket_id: TicketId,
        allowed: impl Fn(domain::UserId) -> Result<(), AnswerRefusal>,
    ) -> Result<StoredSurvey, AppError> {
        let ticket = self
            .ports
            .tickets
            .get(ticket_id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        allowed(ticket.customer_id()).map_err(|refused| match refused {
            AnswerRefusal::NotVisible => AppError::NotFound("ticket"),
            AnswerRefusal::StaffReadOnly => AppError::Forbidden(refused.to_string()),
        })?;
        self.ports
            .surveys
            .latest_survey(ticket_id)
            .await?
            .ok_or(AppError::NotFound("survey"))
    }

    async fn state(&self, stored: StoredSurvey, may: Option<TokenUse>) -> Result<SurveyState, AppError> {
        let ticket = self
            .ports
            .tickets
            .get(stored.survey.ticket_id())
            .await?
            .ok_or(AppError::NotFound("survey"))?;
        let until = match may {
            Some(TokenUse::Change) => stored
                .survey
                .editable_until()
                .unwrap_or(stored.survey.token_valid_until()),
            _ => stored.survey.token_valid_until(),
        };
        Ok(SurveyState {
            ticket_id: ticket.id(),
            ticket_number: ticket.parts().number.to_string(),
            ticket_subject: ticket.parts().subject.as_str().to_owned(),
            survey: stored.survey,
            may,
            until,
        })
    }
}

/// Checks rating and comment, naming every field refused.
fn parse(input: &SurveyAnswerInput) -> Result<(Rating, Option<SurveyComment>), AppError> {
    let mut errors = Vec::new();
    let rating = match input.rating.map(Rating::parse) {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            errors.push(FieldError::new("rating", e));
            None
        }
        None => {
            errors.push(FieldError::new("rating", "is required"));
            None
        }
    };
    let comment = match SurveyComment::parse(input.comment.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            errors.push(FieldError::new("comment", e));
            None
        }
    };
    match rating {
        Some(rating) if errors.is_empty() => Ok((rating, comment)),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// The survey's refusals with their stable codes: 409 for the order of answers, 410 for
/// a link or window that has run its course.
fn refusal(e: SurveyError) -> AppError {
    let message = e.to_string();
    match e {
        SurveyError::AlreadyAnswered => AppError::Conflict {
            code: "already_answered",
            message,
        },
        SurveyError::NotAnswered => AppError::Conflict {
            code: "not_answered",
            message,
        },
        SurveyError::EditWindowPassed => AppError::Gone {
            code: "edit_window_passed",
            message,
        },
        SurveyError::Expired => AppError::Gone {
            code: "survey_expired",
            message,
        },
        SurveyError::Spent => AppError::Gone {
            code: "survey_spent",
            message,
        },
        SurveyError::Superseded => AppError::Gone {
            code: "survey_superseded",
            message,
        },
    }
}

fn busy() -> AppError {
    AppError::Conflict {
        code: "conflict",
        message: "the survey was changed concurrently; retry the request".into(),
    }
}
