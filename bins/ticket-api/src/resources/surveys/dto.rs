//! The JSON bodies of the survey endpoints, and the form the survey page posts.

use application::surveys::{SurveyAnswerInput, SurveyState};
use domain::survey::TokenUse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::problem::ApiError;
use crate::shared::{SatisfactionAnswer, instant};

/// `POST`/`PUT` of an answer as JSON.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyAnswerRequest {
    /// 1 (very unhappy) to 5 (very happy); required.
    #[schema(value_type = i64, minimum = 1, maximum = 5)]
    #[serde(default)]
    pub rating: Option<serde_json::Value>,
    /// Up to 2,000 characters; blank or absent is no comment (a change without one
    /// clears it).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

impl SurveyAnswerRequest {
    /// The use case's input: a rating that is not a whole number is refused naming
    /// `rating`.
    pub fn input(self) -> Result<SurveyAnswerInput, ApiError> {
        let rating = match self.rating {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Number(n)) => Some(n.as_i64().unwrap_or(0)),
            Some(_) => return Err(ApiError::field("rating", "must be one of: 1, 2, 3, 4, 5")),
        };
        Ok(SurveyAnswerInput {
            rating,
            comment: self.comment,
        })
    }
}

/// What the survey page's form posts (`application/x-www-form-urlencoded`). An HTML form
/// cannot send `PUT`: `_method=PUT` in a form body (and only there) changes the answer.
#[derive(Debug, Default, Deserialize)]
pub struct SurveyForm {
    /// The chosen rating.
    #[serde(default)]
    pub rating: Option<String>,
    /// The comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// `PUT` to change the answer.
    #[serde(default, rename = "_method")]
    pub method: Option<String>,
}

impl SurveyForm {
    /// The use case's input (a rating that is not a number is refused as out of range).
    pub fn input(&self) -> SurveyAnswerInput {
        SurveyAnswerInput {
            rating: self
                .rating
                .as_deref()
                .filter(|r| !r.trim().is_empty())
                .map(|r| r.trim().parse::<i64>().unwrap_or(0)),
            comment: self.comment.clone(),
        }
    }
}

/// `GET /surveys/{token}?rating=N`: the rating the form opens with (an e-mail's one-click
/// link); records nothing.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyQuery {
    /// 1 to 5: chosen in the form (anything else is ignored).
    pub rating: Option<String>,
}

/// A survey as its reader sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyResponse {
    /// The ticket's id.
    pub ticket_id: i64,
    /// The ticket's number.
    pub ticket_number: String,
    /// The ticket's subject.
    pub ticket_subject: String,
    /// The survey round (1 for the ticket's first invitation; a reopened and closed
    /// again ticket gets the next).
    pub round: u32,
    /// A first answer may be given now (`POST`).
    pub can_answer: bool,
    /// The answer may be changed now (`PUT`).
    pub can_change: bool,
    /// The answer given, if any.
    pub answer: Option<SatisfactionAnswer>,
    /// Until when the link works (unanswered) or the answer may be changed (answered).
    #[schema(format = DateTime)]
    pub until: String,
}

impl From<&SurveyState> for SurveyResponse {
    fn from(s: &SurveyState) -> Self {
        let round = s.survey.round();
        Self {
            ticket_id: s.ticket_id.get(),
            ticket_number: s.ticket_number.clone(),
            ticket_subject: s.ticket_subject.clone(),
            round: round.get(),
            can_answer: s.may == Some(TokenUse::Answer),
            can_change: s.may == Some(TokenUse::Change),
            answer: s.survey.current_answer().map(|a| SatisfactionAnswer::of(round, a)),
            until: instant(s.until),
        }
    }
}
