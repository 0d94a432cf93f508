//! The satisfaction survey (issue 16): invitations planned from the outbox
//! ([`SurveyInvitations`], used by [`crate::notifications::PlanNotifications`]) and answers
//! given through the e-mailed link's token or by the logged-in customer ([`Surveys`]).
//! The rules are [`domain::survey`]'s; this module reads, checks and commits.

mod answer;
pub(crate) mod invite;
#[cfg(test)]
mod tests;

pub use answer::{SurveyAnswerInput, SurveyPorts, SurveyState, Surveys};
pub use invite::{SURVEY_TEMPLATE, SurveyInvitations, survey_path};
