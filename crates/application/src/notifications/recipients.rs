//! Who hears about which event, with which template: the recipient rules.

use domain::escalation::{Action, Channel, EscalationRule, Recipient};
use domain::sla::Crossing;
use domain::{TicketEvent, TicketEventKind, TicketStatus, UserId, Visibility};

/// The templates a customer may receive. None of them shows anything internal: no note,
/// no escalation reason, no level, no rule.
pub const CUSTOMER_TEMPLATES: [&str; 5] = [
    "ticket_created",
    "agent_replied",
    "ticket_resolved",
    "escalation_customer",
    crate::surveys::SURVEY_TEMPLATE,
];

/// Who a notification is for, before they are looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The ticket's customer.
    Customer,
    /// The ticket's agent, if it has one.
    Assignee,
    /// Every active supervisor.
    Supervisors,
    /// This user.
    User(UserId),
}

/// One notification an event calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    /// Who.
    pub audience: Audience,
    /// Which template.
    pub template: &'static str,
    /// How.
    pub channels: Vec<Channel>,
}

fn email(audience: Audience, template: &'static str) -> Want {
    Want {
        audience,
        template,
        channels: vec![Channel::Email],
    }
}

/// The notifications an event calls for, by default and by the rule that escalated:
///
/// - customer: ticket created, an agent's public reply, resolved;
/// - assignee: assigned (unless they took it themselves), the customer replied, an SLA
///   target at risk or breached;
/// - supervisors: a breach, an escalation;
/// - whoever an escalation rule's notify actions name, on their channels.
///
/// Internal notes call for nothing. A customer is only ever sent one of
/// [`CUSTOMER_TEMPLATES`].
pub fn wants(event: &TicketEvent, rule: Option<&EscalationRule>) -> Vec<Want> {
    let mut wants = match &event.kind {
        TicketEventKind::Created { .. } => vec![email(Audience::Customer, "ticket_created")],
        TicketEventKind::CommentAdded {
            visibility: Visibility::Public,
            by_staff: true,
            ..
        } => vec![email(Audience::Customer, "agent_replied")],
        TicketEventKind::CommentAdded {
            visibility: Visibility::Public,
            by_staff: false,
            ..
        } => vec![email(Audience::Assignee, "customer_replied")],
        TicketEventKind::StatusChanged {
            to: TicketStatus::Resolved,
            ..
        } => vec![email(Audience::Customer, "ticket_resolved")],
        TicketEventKind::Assigned { assignee, .. } if event.actor != Some(*assignee) => {
            vec![email(Audience::User(*assignee), "ticket_assigned")]
        }
        TicketEventKind::SlaCrossed {
            crossing: Crossing::Warning(_),
            ..
        } => vec![email(Audience::Assignee, "sla_at_risk")],
        TicketEventKind::SlaCrossed {
            crossing: Crossing::Breach(_),
            ..
        } => vec![
            email(Audience::Assignee, "sla_breached"),
            email(Audience::Supervisors, "sla_breached"),
        ],
        TicketEventKind::Escalated { .. } => vec![email(Audience::Supervisors, "ticket_escalated")],
        _ => Vec::new(),
    };
    if let (TicketEventKind::Escalated { rule_id: Some(id), .. }, Some(rule)) = (&event.kind, rule)
        && rule.id == *id
    {
        for action in &rule.actions {
            if let Action::Notify { recipient, channels } = action {
                let (audience, template) = match recipient {
                    Recipient::Supervisors => (Audience::Supervisors, "ticket_escalated"),
                    Recipient::Assignee => (Audience::Assignee, "ticket_escalated"),
                    Recipient::Customer => (Audience::Customer, "escalation_customer"),
                };
                wants.push(Want {
                    audience,
                    template,
                    channels: channels.clone(),
                });
            }
        }
    }
    wants
}
