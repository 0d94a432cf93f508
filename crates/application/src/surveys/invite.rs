//! Planning a survey invitation from a ticket's status change (called by the outbox
//! planner, so the survey row and its messages commit with the event's processing).

use std::sync::Arc;

use domain::survey::{
    ChangedBy, InvitationContext, StatusChange, Survey, SurveySettings, SurveyTrigger, invitation_due,
};
use domain::{Ticket, TicketEvent, TicketStatus};

use crate::error::AppError;
use crate::ports::{StoredSurvey, SurveyRepository, TokenIssuer};

/// The customer template of the invitation (e-mail and SMS).
pub const SURVEY_TEMPLATE: &str = "survey_invitation";

/// The API path a link's token opens (under the public base URL).
pub fn survey_path(token: &str) -> String {
    format!("/api/v1/surveys/{token}")
}

/// What planning invitations needs: the stored surveys, fresh tokens, the settings and
/// the public base URL the links are built on (`http.public_url`).
#[derive(Clone)]
pub struct SurveyInvitations {
    /// Stored surveys, for the ticket's latest round.
    pub surveys: Arc<dyn SurveyRepository>,
    /// Draws the link's token (only its hash is stored).
    pub tokens: Arc<dyn TokenIssuer>,
    /// When to invite and for how long the link works.
    pub settings: SurveySettings,
    /// The base of the links, without a trailing slash.
    pub public_url: String,
}

/// An invitation to store and send: the survey row and its link.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    /// The survey row.
    pub survey: StoredSurvey,
    /// The link the messages carry.
    pub url: String,
}

impl SurveyInvitations {
    /// Is this status change one that may invite (close, or resolve when configured)?
    pub(crate) fn may_invite(&self, event: &TicketEvent) -> bool {
        StatusChange::of(event).is_some_and(|c| {
            c.to == TicketStatus::Closed || (c.to == TicketStatus::Resolved && self.settings.on_resolved)
        })
    }

    /// The invitation `event` earns on `ticket` (as read now), given the ticket's latest
    /// survey (`latest`: stored, or planned earlier in the same tick); `None` when it
    /// earns none ([`invitation_due`]'s exclusions) or when `latest` is this very
    /// invitation (the event was planned before: at-least-once planning stores it once).
    pub(crate) fn plan(
        &self,
        event: &TicketEvent,
        ticket: &Ticket,
        latest: Option<&StoredSurvey>,
    ) -> Result<Option<Planned>, AppError> {
        let Some(change) = StatusChange::of(event) else {
            return Ok(None);
        };
        let t = ticket.parts();
        let invited_since_reopen = latest.is_some_and(|l| {
            let p = l.survey.parts();
            p.trigger == SurveyTrigger::Resolved && t.resolved_at.is_some_and(|resolved| p.invited_at >= resolved)
        });
        let context = InvitationContext {
            changed_by: ChangedBy::classify(event.actor, t.customer_id),
            opened_at: t.created_at,
            merged: false,
            invited_since_reopen,
            latest_round: latest.map(|l| l.survey.round()),
        };
        let Ok(invitation) = invitation_due(change, context, &self.settings) else {
            return Ok(None);
        };
        if latest.is_some_and(|l| {
            let p = l.survey.parts();
            p.invited_at == invitation.send_at && p.trigger == invitation.trigger
        }) {
            return Ok(None);
        }
        let (token, token_hash) = self.tokens.issue();
        Ok(Some(Planned {
            survey: StoredSurvey {
                survey: Survey::invite(t.id, invitation, &self.settings),
                token_hash,
                customer_id: t.customer_id,
                agent_id: t.assignee_id,
                category: t.category.clone(),
                priority: t.priority,
            },
            url: format!("{}{}", self.public_url.trim_end_matches('/'), survey_path(&token)),
        }))
    }
}
