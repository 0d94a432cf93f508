//! Evaluating rules: which fire now, and when the next one could.

use crate::sla::{BusinessCalendar, CalendarError, SlaTarget, TicketSla};
use crate::ticket::{TicketParts, TicketStatus};
use crate::time::Timestamp;

use super::rule::{Condition, EscalationRule, SlaTrouble};

/// What evaluation knows about one ticket.
#[derive(Debug, Clone, Copy)]
pub struct EscalationFacts<'a> {
    /// The ticket.
    pub ticket: &'a TicketParts,
    /// Its SLA targets, if a policy applies.
    pub sla: Option<&'a TicketSla>,
    /// Since when it has been without an agent (opened, or sent back to the queue);
    /// `None` while it has one.
    pub unassigned_since: Option<Timestamp>,
    /// The answer to the ticket's latest survey round, if it has one.
    pub satisfaction: Option<Satisfaction>,
}

/// The customer's answer to a ticket's latest survey round, as the escalation rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Satisfaction {
    /// The round answered.
    pub round: crate::survey::SurveyRound,
    /// Its rating now (after any change).
    pub rating: crate::survey::Rating,
    /// When it was given or last changed.
    pub at: Timestamp,
}

/// A rule firing for one trigger of one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// The rule.
    pub rule_id: i64,
    /// The trigger, as a stable key: the same trouble of the same ticket always gives the
    /// same key, so storing it once makes the rule fire once for it.
    pub trigger: String,
    /// When the trigger fired (the warning or due instant, or when the wait ran out).
    pub at: Timestamp,
    /// The trigger in words, for the history: "first response breached", "unassigned for
    /// 30 business minutes".
    pub what: String,
}

/// One trigger instance of a rule on a ticket: its key, when it fires, in words.
struct Armed {
    key: String,
    at: Timestamp,
    what: String,
}

/// The rules (active ones only) that fire for the ticket at `now`, one firing per rule and
/// trigger; resolved and closed tickets fire only for `satisfaction_at_most`. Business minutes count on `calendar`
/// (the ticket's SLA calendar). The caller drops triggers already recorded.
pub fn evaluate(
    rules: &[EscalationRule],
    facts: &EscalationFacts<'_>,
    now: Timestamp,
    calendar: &BusinessCalendar,
) -> Result<Vec<Firing>, CalendarError> {
    let mut firings = Vec::new();
    for rule in rules.iter().filter(|r| applies(r, facts)) {
        for armed in armed(rule, facts, calendar)? {
            if armed.at <= now {
                firings.push(Firing {
                    rule_id: rule.id,
                    trigger: armed.key,
                    at: armed.at,
                    what: armed.what,
                });
            }
        }
    }
    Ok(firings)
}

/// The earliest instant after `now` at which a rule could fire for the ticket as it is,
/// for the escalation loop's index; `None` when nothing is pending (a change to the
/// ticket asks again).
pub fn next_check(
    rules: &[EscalationRule],
    facts: &EscalationFacts<'_>,
    now: Timestamp,
    calendar: &BusinessCalendar,
) -> Result<Option<Timestamp>, CalendarError> {
    let mut next: Option<Timestamp> = None;
    for rule in rules.iter().filter(|r| applies(r, facts)) {
        for Armed { at, .. } in armed(rule, facts, calendar)? {
            if at > now && next.is_none_or(|n| at < n) {
                next = Some(at);
            }
        }
    }
    Ok(next)
}

/// An active rule whose filters hold, on an open ticket (or on any ticket for a
/// satisfaction rule: surveys follow resolving and closing).
fn applies(rule: &EscalationRule, facts: &EscalationFacts<'_>) -> bool {
    let t = facts.ticket;
    let finished = matches!(t.status, TicketStatus::Resolved | TicketStatus::Closed);
    let on_finished = matches!(rule.trigger(), Some(Condition::SatisfactionAtMost { .. }));
    if !rule.active || (finished && !on_finished) {
        return false;
    }
    rule.conditions.iter().all(|c| match c {
        Condition::PriorityAtLeast(p) => t.priority.rank() >= p.rank(),
        Condition::Category(c) => &t.category == c,
        _ => true,
    })
}

/// The rule's trigger instances on this ticket and the instant each fires.
fn armed(
    rule: &EscalationRule,
    facts: &EscalationFacts<'_>,
    calendar: &BusinessCalendar,
) -> Result<Vec<Armed>, CalendarError> {
    let t = facts.ticket;
    Ok(match rule.trigger() {
        Some(Condition::Sla { target, trouble }) => facts
            .sla
            .map(|sla| sla.targets.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|s| target.is_none_or(|k| s.kind == k))
            .filter_map(|s| {
                let at = fires_at(s, *trouble)?;
                let key = format!(
                    "sla:{}:{}:{}",
                    s.kind.as_str(),
                    trouble.as_str(),
                    s.started_at.unix_micros()
                );
                let what = format!("{} {}", s.kind.as_str(), trouble.as_str()).replace('_', " ");
                Some(Armed { key, at, what })
            })
            .collect(),
        Some(Condition::UnassignedFor { business_minutes }) => match facts.unassigned_since {
            Some(since) if t.assignee_id.is_none() && t.status == TicketStatus::New => {
                let at = calendar.add_business_time(since, i64::from(*business_minutes) * 60)?;
                vec![Armed {
                    key: format!("unassigned:{business_minutes}:{}", since.unix_micros()),
                    at,
                    what: format!("unassigned for {business_minutes} business minutes"),
                }]
            }
            _ => Vec::new(),
        },
        Some(Condition::NoAgentReplyFor { business_minutes }) => match waiting_since(t) {
            Some(since) => {
                let at = calendar.add_business_time(since, i64::from(*business_minutes) * 60)?;
                vec![Armed {
                    key: format!("no_reply:{business_minutes}:{}", since.unix_micros()),
                    at,
                    what: format!("no agent reply for {business_minutes} business minutes"),
                }]
            }
            None => Vec::new(),
        },
        Some(Condition::SatisfactionAtMost { rating }) => facts
            .satisfaction
            .filter(|s| s.rating <= *rating)
            .map(|s| Armed {
                key: format!("satisfaction:{}", s.round),
                at: s.at,
                what: format!("satisfaction rated {} (at most {rating})", s.rating),
            })
            .into_iter()
            .collect(),
        _ => Vec::new(),
    })
}

/// When a target got (or will get) into `trouble`; `None` if it cannot now.
fn fires_at(s: &SlaTarget, trouble: SlaTrouble) -> Option<Timestamp> {
    match trouble {
        SlaTrouble::AtRisk => s
            .warned_at
            .or(s.breached_at)
            .or_else(|| s.met_at.is_none().then_some(s.warn_at).flatten()),
        SlaTrouble::Breached => s.breached_at.or_else(|| {
            s.met_at
                .is_none()
                .then_some(s.due_at)
                .flatten()
                .map(|d| d.plus_micros(1))
        }),
    }
}

/// Since when the customer has waited for an agent's public reply: since opening when
/// no agent has replied, since their last comment when it came after the last reply.
/// `None` while the agent waits for the customer, or has answered.
fn waiting_since(t: &TicketParts) -> Option<Timestamp> {
    if !matches!(
        t.status,
        TicketStatus::New | TicketStatus::Assigned | TicketStatus::InProgress
    ) {
        return None;
    }
    match (t.last_agent_reply_at, t.last_customer_comment_at) {
        (None, _) => Some(t.created_at),
        (Some(reply), Some(comment)) if comment > reply => Some(comment),
        _ => None,
    }
}
