//! The ticket read model: a ticket as one actor sees it, with its assignee's name and,
//! for staff only, the staff-only parts (internal notes, escalation level, SLA, the latest
//! satisfaction survey answer).
//!
//! Views are built here and nowhere else, so the edge cannot get the access rule wrong.
//! They are built after a command committed (or a query read), so failing to read the
//! extras leaves them out, logged, rather than failing the request. A page reads each kind
//! of extra once for all its tickets.

use std::collections::HashMap;
use std::ops::Deref;

use domain::{Actor, Ticket, TicketId, TicketStatus, UserId};

use crate::assignment::AssigneeNames;
use crate::sla::{SlaView, summaries};

use super::TicketPorts;

/// A ticket as one actor sees it.
#[derive(Debug, Clone)]
pub struct TicketView {
    /// The ticket.
    pub ticket: Ticket,
    /// The comments the actor can read: public ones for customers, all for staff.
    pub comment_count: u32,
    /// The statuses the actor could move it to now.
    pub allowed_transitions: Vec<TicketStatus>,
    /// The assignee's display name (everyone who sees the ticket sees who has it); `None`
    /// without an assignee or when it could not be read.
    pub assignee_name: Option<String>,
    /// What only staff see; `None` for customers.
    pub staff: Option<StaffView>,
    /// The ticket's version as the actor sees it ([`Ticket::version_seen_by`]): its `ETag`
    /// and the version `If-Match` names. Internal changes move it for staff only.
    pub version: domain::Version,
}

/// The parts of a ticket only staff see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffView {
    /// Internal notes.
    pub internal_note_count: u32,
    /// How many times it was escalated.
    pub escalation_level: u8,
    /// Its SLA (no policy, no targets when none applies); `None` when it could not be read.
    pub sla: Option<SlaView>,
    /// The answer to its latest satisfaction survey round; `None` without one (or when
    /// the surveys could not be read).
    pub satisfaction: Option<Satisfaction>,
}

/// The customer's answer to a ticket's latest survey round, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Satisfaction {
    /// The round answered.
    pub round: domain::survey::SurveyRound,
    /// Rating, comment, first answer and last change.
    pub answer: domain::survey::Answer,
}

impl Deref for TicketView {
    type Target = Ticket;

    fn deref(&self) -> &Ticket {
        &self.ticket
    }
}

/// The extras of some tickets, read once for all of them.
struct Extras {
    names: HashMap<UserId, String>,
    sla: Option<HashMap<TicketId, SlaView>>,
    satisfaction: HashMap<TicketId, Satisfaction>,
}

impl Extras {
    async fn read(ports: &TicketPorts, actor: &Actor, tickets: &[&Ticket]) -> Self {
        let names = AssigneeNames::new(ports.users.clone())
            .execute(tickets)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the assignees' names; leaving them out");
                HashMap::new()
            });
        let sla = match actor.is_staff() {
            false => None,
            true => match summaries(ports, tickets).await {
                Ok(views) => Some(views),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the SLA of tickets; leaving it out");
                    None
                }
            },
        };
        let satisfaction = match actor.is_staff() {
            false => HashMap::new(),
            true => satisfactions(ports, tickets).await,
        };
        Self {
            names,
            sla,
            satisfaction,
        }
    }

    fn view(&mut self, actor: &Actor, ticket: Ticket) -> TicketView {
        let staff = actor.is_staff().then(|| {
            let parts = ticket.parts();
            StaffView {
                internal_note_count: parts.internal_note_count,
                escalation_level: parts.escalation_level,
                sla: self
                    .sla
                    .as_mut()
                    .map(|views| views.remove(&ticket.id()).unwrap_or_default()),
                satisfaction: self.satisfaction.remove(&ticket.id()),
            }
        });
        TicketView {
            version: ticket.version_seen_by(actor),
            comment_count: ticket.comment_count_for(actor),
            allowed_transitions: ticket.allowed_targets_for(actor),
            assignee_name: ticket.assignee_id().and_then(|id| self.names.get(&id).cloned()),
            staff,
            ticket,
        }
    }
}

/// The answers to the latest survey rounds of `tickets`, in one read.
async fn satisfactions(ports: &TicketPorts, tickets: &[&Ticket]) -> HashMap<TicketId, Satisfaction> {
    let ids: Vec<TicketId> = tickets.iter().map(|t| t.id()).collect();
    match ports.surveys.latest_surveys(&ids).await {
        Ok(surveys) => surveys
            .into_iter()
            .filter_map(|stored| {
                let round = stored.survey.round();
                let answer = stored.survey.current_answer()?.clone();
                Some((stored.survey.ticket_id(), Satisfaction { round, answer }))
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the tickets' surveys; leaving them out");
            HashMap::new()
        }
    }
}

/// `ticket` as `actor` sees it.
pub(crate) async fn view_of(ports: &TicketPorts, actor: &Actor, ticket: Ticket) -> TicketView {
    let mut extras = Extras::read(ports, actor, &[&ticket]).await;
    extras.view(actor, ticket)
}

/// A page of tickets as `actor` sees them, their extras read once for the page.
pub(crate) async fn views_of(ports: &TicketPorts, actor: &Actor, tickets: Vec<Ticket>) -> Vec<TicketView> {
    let refs: Vec<&Ticket> = tickets.iter().collect();
    let mut extras = Extras::read(ports, actor, &refs).await;
    tickets.into_iter().map(|t| extras.view(actor, t)).collect()
}
