//! The planner's tick: turn outbox events into notification rows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use domain::escalation::{Channel, EscalationRule};
use domain::sla::Crossing;
use domain::{Ticket, TicketEvent, TicketEventKind, UserId, Visibility};

use crate::error::AppError;
use crate::ports::{
    ChangeSet, Clock, CommentRepository, Contact, EscalationRuleRepository, NewNotification, NotificationRepository,
    OutboxEvent, OutboxRepository, StoreError, StoredSurvey, TemplateContext, TicketRepository, UnitOfWork, Write,
};

use super::recipients::{Audience, CUSTOMER_TEMPLATES, wants};
use crate::surveys::SurveyInvitations;
use domain::survey::SurveyRound;

/// Events planned per transaction, each in a savepoint of its own.
const SAVEPOINTS_PER_TRANSACTION: usize = 50;
/// How long an event whose planning failed waits before it is tried again.
const RETRY_AFTER_FAILURE_SECS: i64 = 60;
/// Context keys a customer's template may be given: nothing internal.
const CUSTOMER_KEYS: [&str; 11] = [
    "recipient_name",
    "ticket_number",
    "ticket_subject",
    "priority",
    "status",
    "category",
    "actor_name",
    "comment_body",
    "reason",
    "survey_url",
    "valid_days",
];

/// What the planner reads and writes.
#[derive(Clone)]
pub struct PlanPorts {
    /// The outbox.
    pub outbox: Arc<dyn OutboxRepository>,
    /// Notification rows and contacts.
    pub notifications: Arc<dyn NotificationRepository>,
    /// Tickets, for their customer, agent and subject.
    pub tickets: Arc<dyn TicketRepository>,
    /// Comments, for a reply's text.
    pub comments: Arc<dyn CommentRepository>,
    /// Escalation rules, for whom a firing notifies.
    pub rules: Arc<dyn EscalationRuleRepository>,
    /// Commits each event's notifications with its completion.
    pub uow: Arc<dyn UnitOfWork>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanTick {
    /// Outbox events leased.
    pub events: usize,
    /// Notifications queued.
    pub queued: usize,
    /// Events whose planning failed; they are given back and tried again later.
    pub failed: usize,
    /// The last failure, for the log.
    pub last_error: Option<String>,
}

/// Turns committed domain events into notification rows by the recipient rules
/// ([`wants`]): each event's rows and its completion commit together, and each row's
/// idempotency key (event, recipient, channel) makes planning an event twice — after a
/// crash, by two planners — queue each message once.
#[derive(Clone)]
pub struct PlanNotifications {
    ports: PlanPorts,
    surveys: Option<SurveyInvitations>,
    batch: u32,
    lease_seconds: i64,
}

impl PlanNotifications {
    /// Wires the use case: at most `batch` events per tick, each leased for
    /// `lease_seconds`.
    pub fn new(ports: PlanPorts, batch: u32, lease_seconds: i64) -> Self {
        Self {
            ports,
            surveys: None,
            batch: batch.max(1),
            lease_seconds: lease_seconds.max(1),
        }
    }

    /// Also plans satisfaction survey invitations (issue 16): a status change that earns
    /// one ([`domain::survey::invitation_due`]) stores the survey row and queues its
    /// e-mail (and SMS where the customer's contact rules allow) with the event's
    /// processing, due at the invitation's send instant.
    pub fn with_surveys(mut self, surveys: SurveyInvitations) -> Self {
        self.surveys = Some(surveys);
        self
    }

    /// The most events one [`PlanNotifications::tick`] takes.
    pub fn batch_size(&self) -> usize {
        self.batch as usize
    }

    /// One pass over the outbox.
    pub async fn tick(&self) -> Result<PlanTick, AppError> {
        let now = self.ports.clock.now();
        let lease_until = now.plus_seconds(self.lease_seconds);
        let events = self.ports.outbox.claim_events(now, lease_until, self.batch).await?;
        let mut tick = PlanTick {
            events: events.len(),
            ..PlanTick::default()
        };
        let mut lookups = Lookups::default();
        let mut planned: Vec<(i64, ChangeSet, usize)> = Vec::new();
        for event in &events {
            match self.plan(event, &mut lookups).await {
                Ok((rows, survey)) => {
                    let n = rows.len();
                    let mut set = ChangeSet::default();
                    if let Some(newer) = survey.as_ref().filter(|s| s.survey.round() > SurveyRound::FIRST) {
                        // A delayed invitation of an older round is not sent.
                        set.push(Write::CancelSurveyInvitations {
                            ticket_id: newer.survey.ticket_id(),
                            at: now,
                        });
                    }
                    set.writes.extend(survey.map(Write::InsertSurvey));
                    set.writes.extend(rows.into_iter().map(Write::QueueNotification));
                    set.push(Write::FinishOutboxEvent {
                        id: event.id,
                        at: now,
                        lease_until,
                    });
                    planned.push((event.id, set, n));
                }
                Err(e) => self.give_back(event.id, &e.to_string(), &mut tick).await,
            }
        }
        let mut planned = planned.into_iter().peekable();
        while planned.peek().is_some() {
            let chunk: Vec<(i64, ChangeSet, usize)> = planned.by_ref().take(SAVEPOINTS_PER_TRANSACTION).collect();
            let sets = chunk.iter().map(|(_, set, _)| set.clone()).collect();
            let outcomes = match self.ports.uow.commit_each(sets).await {
                Ok(done) => done,
                Err(e) => chunk.iter().map(|_| Err(e.clone())).collect(),
            };
            for ((id, _, n), outcome) in chunk.into_iter().zip(outcomes) {
                match outcome {
                    Ok(()) => tick.queued += n,
                    Err(e) => self.give_back(id, &e.to_string(), &mut tick).await,
                }
            }
        }
        Ok(tick)
    }

    async fn give_back(&self, id: i64, error: &str, tick: &mut PlanTick) {
        tick.failed += 1;
        tick.last_error = Some(format!("outbox event {id}: {error}"));
        let retry_at = self.ports.clock.now().plus_seconds(RETRY_AFTER_FAILURE_SECS);
        // If this fails too, the lease runs out and a later tick takes the event again.
        let _ = self.ports.outbox.release_event(id, retry_at, error).await;
    }

    /// The notification rows one event calls for, and the survey invitation it earns.
    async fn plan(
        &self,
        row: &OutboxEvent,
        lookups: &mut Lookups,
    ) -> Result<(Vec<NewNotification>, Option<StoredSurvey>), AppError> {
        let event = &row.event;
        let rule = match &event.kind {
            TicketEventKind::Escalated { rule_id: Some(id), .. } => {
                lookups.rule(self.ports.rules.as_ref(), *id).await?
            }
            _ => None,
        };
        let wanted = wants(event, rule.as_ref());
        let surveys = self.surveys.as_ref().filter(|s| s.may_invite(event));
        if wanted.is_empty() && surveys.is_none() {
            return Ok((Vec::new(), None));
        }
        let Some(ticket) = self.ports.tickets.get(event.ticket_id).await? else {
            return Ok((Vec::new(), None));
        };
        let t = ticket.parts();
        let mut ids: Vec<UserId> = vec![t.customer_id];
        ids.extend(t.assignee_id);
        ids.extend(event.actor);
        ids.extend(wanted.iter().filter_map(|w| match w.audience {
            Audience::User(id) => Some(id),
            _ => None,
        }));
        let people: BTreeMap<UserId, Contact> = self
            .ports
            .notifications
            .contacts(&ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let facts = Facts {
            actor_name: event.actor.and_then(|a| people.get(&a)).map(|c| c.name.clone()),
            comment_body: self.public_comment(event).await?,
            rule_name: rule.as_ref().map(|r| r.name.clone()),
        };
        let mut seen = BTreeSet::new();
        let mut rows = Vec::new();
        for want in &wanted {
            let audience: Vec<Contact> = match want.audience {
                Audience::Customer => people.get(&t.customer_id).cloned().into_iter().collect(),
                Audience::Assignee => t
                    .assignee_id
                    .and_then(|a| people.get(&a))
                    .cloned()
                    .into_iter()
                    .collect(),
                Audience::User(id) => people.get(&id).cloned().into_iter().collect(),
                Audience::Supervisors => lookups.supervisors(self.ports.notifications.as_ref()).await?,
            };
            let for_customer = want.audience == Audience::Customer;
            if for_customer && !CUSTOMER_TEMPLATES.contains(&want.template) {
                continue;
            }
            for contact in audience {
                // Nobody is told of their own doing (but a customer who opened a ticket
                // gets its receipt); inactive accounts hear nothing.
                let own = Some(contact.id) == event.actor && want.template != "ticket_created";
                // Staff templates go to staff only, whoever the audience resolved to.
                let misdirected = !for_customer && contact.role == domain::Role::Customer;
                if !contact.active || own || misdirected {
                    continue;
                }
                for channel in &want.channels {
                    let Some(address) = address(&contact, *channel) else {
                        continue;
                    };
                    let key = format!("event:{}:user:{}:{}", row.id, contact.id, channel.as_str());
                    if !seen.insert(key.clone()) {
                        continue;
                    }
                    rows.push(NewNotification {
                        idempotency_key: key,
                        event_id: Some(row.id),
                        ticket_id: Some(t.id),
                        recipient_id: Some(contact.id),
                        channel: *channel,
                        address,
                        recipient_name: Some(contact.name.clone()),
                        template: want.template.to_owned(),
                        context: context(&ticket, event, &contact, &facts, for_customer),
                        at: event.at,
                    });
                }
            }
        }
        let mut survey = None;
        if let Some(invitations) = surveys {
            let latest = lookups.latest_survey(invitations, &ticket).await?;
            if let Some(planned) = invitations.plan(event, &ticket, latest.as_ref())? {
                if let Some(customer) = people.get(&t.customer_id).filter(|c| c.active) {
                    rows.extend(invitation_rows(
                        row.id,
                        &ticket,
                        customer,
                        &planned,
                        &invitations.settings,
                    ));
                }
                lookups.surveys.insert(t.id, planned.survey.clone());
                survey = Some(planned.survey);
            }
        }
        Ok((rows, survey))
    }

    /// The text of the public comment an event added, if it added one. Internal notes are
    /// never read here.
    async fn public_comment(&self, event: &TicketEvent) -> Result<Option<String>, AppError> {
        let TicketEventKind::CommentAdded {
            comment_id,
            visibility: Visibility::Public,
            ..
        } = &event.kind
        else {
            return Ok(None);
        };
        Ok(self
            .ports
            .comments
            .get_comment(*comment_id)
            .await?
            .filter(|c| c.comment.visibility == Visibility::Public)
            .and_then(|c| c.comment.body.map(|b| b.as_str().to_owned())))
    }
}

/// Where a channel reaches a contact: their e-mail address; their phone only when they
/// gave one and agreed to texts.
fn address(contact: &Contact, channel: Channel) -> Option<String> {
    match channel {
        Channel::Email => Some(contact.email.clone()),
        Channel::Sms => contact.phone.clone().filter(|_| contact.sms_opt_in),
    }
}

/// The invitation's messages to the customer: e-mail always, SMS where they gave a
/// number and agreed to texts; due at the invitation's send instant.
fn invitation_rows(
    event_id: i64,
    ticket: &Ticket,
    customer: &Contact,
    planned: &crate::surveys::invite::Planned,
    settings: &domain::survey::SurveySettings,
) -> Vec<NewNotification> {
    let t = ticket.parts();
    let round = planned.survey.survey.round();
    let mut context = TemplateContext::from([
        ("recipient_name".to_owned(), customer.name.clone()),
        ("ticket_number".to_owned(), t.number.to_string()),
        ("ticket_subject".to_owned(), t.subject.as_str().to_owned()),
        ("survey_url".to_owned(), planned.url.clone()),
        (
            "valid_days".to_owned(),
            (settings.token_lifetime.as_secs() / 86_400).max(1).to_string(),
        ),
    ]);
    context.retain(|k, _| CUSTOMER_KEYS.contains(&k.as_str()));
    Channel::ALL
        .into_iter()
        .filter_map(|channel| {
            let address = address(customer, channel)?;
            Some(NewNotification {
                idempotency_key: format!(
                    "event:{event_id}:survey:{round}:user:{}:{}",
                    customer.id,
                    channel.as_str()
                ),
                event_id: Some(event_id),
                ticket_id: Some(t.id),
                recipient_id: Some(customer.id),
                channel,
                address,
                recipient_name: Some(customer.name.clone()),
                template: crate::surveys::SURVEY_TEMPLATE.to_owned(),
                context: context.clone(),
                at: planned.survey.survey.parts().invited_at,
            })
        })
        .collect()
}

/// What one event's notifications share.
struct Facts {
    actor_name: Option<String>,
    comment_body: Option<String>,
    rule_name: Option<String>,
}

/// The template's values: the ticket as it is now, the event's details, the recipient.
/// A customer's context keeps only [`CUSTOMER_KEYS`].
fn context(ticket: &Ticket, event: &TicketEvent, to: &Contact, facts: &Facts, for_customer: bool) -> TemplateContext {
    let t = ticket.parts();
    let mut c = TemplateContext::new();
    let mut put = |k: &str, v: String| {
        c.insert(k.to_owned(), v);
    };
    put("recipient_name", to.name.clone());
    put("ticket_number", t.number.to_string());
    put("ticket_subject", t.subject.as_str().to_owned());
    put("priority", t.priority.as_str().to_owned());
    put("status", t.status.as_str().to_owned());
    put("category", t.category.as_str().to_owned());
    if let Some(name) = &facts.actor_name {
        put("actor_name", name.clone());
    }
    if let Some(body) = &facts.comment_body {
        put("comment_body", body.clone());
    }
    match &event.kind {
        TicketEventKind::StatusChanged { reason: Some(r), .. } | TicketEventKind::Assigned { reason: Some(r), .. } => {
            put("reason", r.clone());
        }
        TicketEventKind::SlaCrossed { target, crossing, .. } => {
            put("target", target.as_str().to_owned());
            let at = match crossing {
                Crossing::Warning(at) | Crossing::Breach(at) => *at,
            };
            put("due_at", at.to_string());
        }
        TicketEventKind::Escalated {
            reason,
            level_to,
            priority_from,
            priority_to,
            ..
        } => {
            put("reason", reason.clone());
            put("level", level_to.to_string());
            put("priority_from", priority_from.as_str().to_owned());
            put("priority", priority_to.as_str().to_owned());
            if let Some(name) = &facts.rule_name {
                put("rule_name", name.clone());
            }
        }
        _ => {}
    }
    if for_customer {
        let escalated = matches!(event.kind, TicketEventKind::Escalated { .. });
        c.retain(|k, _| CUSTOMER_KEYS.contains(&k.as_str()) && !(escalated && k == "reason"));
    }
    c
}

/// Reads shared by the events of one tick.
#[derive(Default)]
struct Lookups {
    supervisors: Option<Vec<Contact>>,
    rules: BTreeMap<i64, Option<EscalationRule>>,
    /// Surveys planned earlier in this tick, by ticket: newer than what is stored.
    surveys: BTreeMap<domain::TicketId, StoredSurvey>,
}

impl Lookups {
    /// The ticket's latest survey: one planned earlier in this tick, else the stored one.
    async fn latest_survey(
        &self,
        invitations: &SurveyInvitations,
        ticket: &Ticket,
    ) -> Result<Option<StoredSurvey>, StoreError> {
        if let Some(planned) = self.surveys.get(&ticket.id()) {
            return Ok(Some(planned.clone()));
        }
        invitations.surveys.latest_survey(ticket.id()).await
    }

    async fn supervisors(&mut self, store: &dyn NotificationRepository) -> Result<Vec<Contact>, StoreError> {
        if self.supervisors.is_none() {
            self.supervisors = Some(store.supervisors().await?);
        }
        Ok(self.supervisors.clone().unwrap_or_default())
    }

    async fn rule(
        &mut self,
        rules: &dyn EscalationRuleRepository,
        id: i64,
    ) -> Result<Option<EscalationRule>, StoreError> {
        if let Some(found) = self.rules.get(&id) {
            return Ok(found.clone());
        }
        let found = rules.get_rule(id).await?;
        self.rules.insert(id, found.clone());
        Ok(found)
    }
}
