//! The ticket aggregate: its state and the commands that change it.

use crate::access::Actor;
use crate::comment::{Comment, CommentBody, CommentRefusal, Visibility, effects_of};
use crate::ids::{CommentId, TicketId, UserId};
use crate::time::Timestamp;

use super::category::CategorySlug;
use super::content::{Description, Subject};
use super::error::{TicketAction, TicketError};
use super::events::{FieldChange, TicketEvent, TicketEventKind};
use super::number::TicketNumber;
use super::priority::Priority;
use super::status::TicketStatus;
use super::tags::Tags;
use super::update::TicketUpdate;

/// A ticket's revision, raised by one with every accepted change. It is the ETag of the
/// ticket and the guard of optimistic concurrency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(i64);

impl Version {
    /// The version of a ticket just opened.
    pub const FIRST: Self = Self(1);

    /// Wraps a stored version.
    pub const fn new(raw: i64) -> Self {
        Self(raw)
    }

    /// The raw version.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The version after this one.
    pub const fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a new ticket is opened with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    /// The id the store allocated.
    pub id: TicketId,
    /// The customer the ticket belongs to.
    pub customer_id: UserId,
    /// Its subject.
    pub subject: Subject,
    /// Its description.
    pub description: Description,
    /// Its priority.
    pub priority: Priority,
    /// Its category (the caller checked it exists and is active).
    pub category: CategorySlug,
    /// Its tags.
    pub tags: Tags,
}

/// Every field of a ticket, for loading one from storage and for reading one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketParts {
    /// Its id.
    pub id: TicketId,
    /// Its human-readable number.
    pub number: TicketNumber,
    /// The customer it belongs to.
    pub customer_id: UserId,
    /// Who opened it (the customer, or an agent on their behalf).
    pub created_by: UserId,
    /// Its subject.
    pub subject: Subject,
    /// Its description.
    pub description: Description,
    /// Its priority.
    pub priority: Priority,
    /// Its category.
    pub category: CategorySlug,
    /// Its tags.
    pub tags: Tags,
    /// Its status.
    pub status: TicketStatus,
    /// The agent who owns it.
    pub assignee_id: Option<UserId>,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it was last resolved.
    pub resolved_at: Option<Timestamp>,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// When staff first replied publicly: the first response the SLA measures.
    pub first_response_at: Option<Timestamp>,
    /// When the customer last commented.
    pub last_customer_comment_at: Option<Timestamp>,
    /// When staff last replied publicly.
    pub last_agent_reply_at: Option<Timestamp>,
    /// How many public comments (customer comments and agent replies) it has.
    pub public_comment_count: u32,
    /// How many internal notes it has. Staff only: never shown to a customer.
    pub internal_note_count: u32,
    /// When its earliest running SLA target falls due; `None` when no target runs. Staff
    /// only, kept by the SLA bookkeeping (not a ticket command), for sorting and filtering.
    pub sla_due_at: Option<Timestamp>,
    /// How many times it was escalated (0: never). Staff only.
    pub escalation_level: u8,
    /// Its revision.
    pub version: Version,
}

/// A customer's request and everything known about its handling.
///
/// All changes go through the commands below, which enforce the state machine and the
/// role rules and return the one [`TicketEvent`] each accepted change produces. A refused
/// command leaves the ticket unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket(TicketParts);

impl Ticket {
    /// Opens a ticket. Customers may open tickets only for themselves.
    pub fn open(new: NewTicket, actor: Actor, now: Timestamp) -> Result<(Self, TicketEvent), TicketError> {
        if !actor.is_staff() && new.customer_id != actor.user_id {
            return Err(TicketError::ActionForbidden {
                action: TicketAction::OpenForAnotherCustomer,
            });
        }
        let number = TicketNumber::for_id(new.id);
        let event = TicketEvent {
            ticket_id: new.id,
            actor: Some(actor.user_id),
            at: now,
            kind: TicketEventKind::Created {
                number: number.clone(),
                customer_id: new.customer_id,
                priority: new.priority,
                category: new.category.clone(),
                tags: new.tags.clone(),
            },
        };
        let ticket = Self(TicketParts {
            id: new.id,
            number,
            customer_id: new.customer_id,
            created_by: actor.user_id,
            subject: new.subject,
            description: new.description,
            priority: new.priority,
            category: new.category,
            tags: new.tags,
            status: TicketStatus::New,
            assignee_id: None,
            created_at: now,
            updated_at: now,
            resolved_at: None,
            closed_at: None,
            first_response_at: None,
            last_customer_comment_at: None,
            last_agent_reply_at: None,
            public_comment_count: 0,
            internal_note_count: 0,
            sla_due_at: None,
            escalation_level: 0,
            version: Version::FIRST,
        });
        Ok((ticket, event))
    }

    /// Rebuilds a ticket from storage. The store is trusted to hold what commands produced.
    pub fn restore(parts: TicketParts) -> Self {
        Self(parts)
    }

    /// Every field, for reading.
    pub fn parts(&self) -> &TicketParts {
        &self.0
    }

    /// Gives up the fields.
    pub fn into_parts(self) -> TicketParts {
        self.0
    }

    /// Its id.
    pub fn id(&self) -> TicketId {
        self.0.id
    }

    /// Its status.
    pub fn status(&self) -> TicketStatus {
        self.0.status
    }

    /// Its revision.
    pub fn version(&self) -> Version {
        self.0.version
    }

    /// The customer it belongs to.
    pub fn customer_id(&self) -> UserId {
        self.0.customer_id
    }

    /// The agent who owns it.
    pub fn assignee_id(&self) -> Option<UserId> {
        self.0.assignee_id
    }

    /// May `actor` see this ticket at all? Staff see every ticket, customers their own.
    /// Callers answer "not found" otherwise, so a ticket's existence does not leak.
    pub fn is_visible_to(&self, actor: &Actor) -> bool {
        actor.is_staff() || self.0.customer_id == actor.user_id
    }

    /// The number of comments `actor` may read: public ones for the customer, all for staff.
    pub fn comment_count_for(&self, actor: &Actor) -> u32 {
        if actor.is_staff() {
            self.0.public_comment_count + self.0.internal_note_count
        } else {
            self.0.public_comment_count
        }
    }

    /// The statuses `actor` could move this ticket to now.
    pub fn allowed_targets_for(&self, actor: &Actor) -> Vec<TicketStatus> {
        self.0
            .status
            .allowed_targets()
            .iter()
            .copied()
            .filter(|to| may_move_to(actor, self.0.status, *to))
            .collect()
    }

    /// Edits fields. Customers may change only the subject and the description. Fields
    /// given with their current value are no change; an update that changes nothing
    /// returns `Ok(None)` and leaves the version alone.
    pub fn update(
        &mut self,
        update: TicketUpdate,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Option<TicketEvent>, TicketError> {
        self.ensure_visible(&actor)?;
        if self.0.status.is_terminal() {
            return Err(TicketError::Closed);
        }
        let t = &self.0;
        let mut changes = Vec::new();
        if let Some(s) = update.subject.as_ref().filter(|s| **s != t.subject) {
            changes.push(short_change("subject", t.subject.as_str(), s.as_str()));
        }
        if update.description.as_ref().is_some_and(|d| *d != t.description) {
            changes.push(FieldChange {
                field: "description",
                from: None,
                to: None,
            });
        }
        if let Some(p) = update.priority.filter(|p| *p != t.priority) {
            changes.push(short_change("priority", t.priority.as_str(), p.as_str()));
        }
        if let Some(c) = update.category.as_ref().filter(|c| **c != t.category) {
            changes.push(short_change("category", t.category.as_str(), c.as_str()));
        }
        if let Some(tags) = update.tags.as_ref().filter(|tags| **tags != t.tags) {
            changes.push(short_change(
                "tags",
                &t.tags.to_strings().join(","),
                &tags.to_strings().join(","),
            ));
        }
        if let Some(forbidden) = changes.iter().find(|c| !may_edit(&actor, c.field)) {
            return Err(TicketError::ActionForbidden {
                action: TicketAction::EditField(forbidden.field),
            });
        }
        if changes.is_empty() {
            return Ok(None);
        }
        let t = &mut self.0;
        if let Some(v) = update.subject {
            t.subject = v;
        }
        if let Some(v) = update.description {
            t.description = v;
        }
        if let Some(v) = update.priority {
            t.priority = v;
        }
        if let Some(v) = update.category {
            t.category = v;
        }
        if let Some(v) = update.tags {
            t.tags = v;
        }
        Ok(Some(self.record(actor, now, TicketEventKind::Updated { changes })))
    }

    /// Moves the ticket along the state machine. Moving to `assigned` goes through
    /// [`Ticket::assign`], which names the agent.
    pub fn transition(
        &mut self,
        to: TicketStatus,
        actor: Actor,
        now: Timestamp,
        reason: Option<String>,
    ) -> Result<TicketEvent, TicketError> {
        if to == TicketStatus::Assigned {
            self.ensure_visible(&actor)?;
            return Err(TicketError::AssigneeRequired);
        }
        let from = self.check_move(&actor, to)?;
        let t = &mut self.0;
        t.status = to;
        match to {
            TicketStatus::Resolved => t.resolved_at = Some(now),
            TicketStatus::Closed => t.closed_at = Some(now),
            _ => {}
        }
        Ok(self.record(actor, now, TicketEventKind::StatusChanged { from, to, reason }))
    }

    /// Gives a new ticket to an agent, moving it to `assigned`. Staff only; the caller has
    /// checked that `assignee` is an active staff account.
    pub fn assign(
        &mut self,
        assignee: UserId,
        actor: Actor,
        now: Timestamp,
        reason: Option<String>,
    ) -> Result<TicketEvent, TicketError> {
        let from = self.check_move(&actor, TicketStatus::Assigned)?;
        let previous = self.0.assignee_id.replace(assignee);
        self.0.status = TicketStatus::Assigned;
        Ok(self.record(
            actor,
            now,
            TicketEventKind::Assigned {
                previous,
                assignee,
                from,
                to: TicketStatus::Assigned,
                reason,
            },
        ))
    }

    /// Gives a `new` ticket without an agent to the agent the selection rule chose,
    /// moving it to `assigned`. The system acts (no actor): the event records `reason`,
    /// why that agent was chosen.
    pub fn assign_automatically(
        &mut self,
        assignee: UserId,
        now: Timestamp,
        reason: String,
    ) -> Result<TicketEvent, TicketError> {
        let from = self.0.status;
        if from != TicketStatus::New || self.0.assignee_id.is_some() {
            return Err(TicketError::TransitionForbidden {
                from,
                to: TicketStatus::Assigned,
                allowed: from.allowed_targets().to_vec(),
            });
        }
        self.0.assignee_id = Some(assignee);
        self.0.status = TicketStatus::Assigned;
        let kind = TicketEventKind::Assigned {
            previous: None,
            assignee,
            from,
            to: TicketStatus::Assigned,
            reason: Some(reason),
        };
        Ok(self.record_by(None, now, kind))
    }

    /// Escalates the ticket: raises its escalation level (when `raise_level`) and its
    /// priority (by `raise_priority`), recording why. A person escalates (`by`, staff
    /// only) or a rule does (`by` is `None`, `rule_id` names it). Open tickets only: a
    /// resolved or closed ticket has nothing left to escalate.
    pub fn escalate(
        &mut self,
        by: Option<Actor>,
        now: Timestamp,
        escalation: Escalation,
    ) -> Result<TicketEvent, TicketError> {
        if let Some(actor) = &by {
            self.ensure_visible(actor)?;
            if !actor.is_staff() {
                return Err(TicketError::ActionForbidden {
                    action: TicketAction::Escalate,
                });
            }
        }
        match self.0.status {
            TicketStatus::Closed => return Err(TicketError::Closed),
            TicketStatus::Resolved => return Err(TicketError::Resolved),
            _ => {}
        }
        let level_from = self.0.escalation_level;
        let level_to = match escalation.raise_level {
            true => level_from.saturating_add(1),
            false => level_from,
        };
        let priority_from = self.0.priority;
        let priority_to = escalation
            .raise_priority
            .map_or(priority_from, |r| r.apply(priority_from));
        self.0.escalation_level = level_to;
        self.0.priority = priority_to;
        let kind = TicketEventKind::Escalated {
            rule_id: escalation.rule_id,
            reason: escalation.reason,
            level_from,
            level_to,
            priority_from,
            priority_to,
        };
        Ok(self.record_by(by.map(|a| a.user_id), now, kind))
    }

    /// Hands the ticket on as an escalation rule says (the system acts: no actor): to an
    /// agent (a `new` ticket becomes `assigned`, one with an agent is transferred keeping
    /// its status), or back to the queue (`new`, no agent), optionally of another
    /// category. Open tickets only; no events when nothing changes.
    pub fn reassign_by_rule(
        &mut self,
        target: &crate::escalation::Reassign,
        now: Timestamp,
        reason: String,
    ) -> Result<Vec<TicketEvent>, TicketError> {
        use crate::escalation::Reassign;
        let from = self.0.status;
        match from {
            TicketStatus::Closed => return Err(TicketError::Closed),
            TicketStatus::Resolved => return Err(TicketError::Resolved),
            _ => {}
        }
        let mut events = Vec::new();
        match target {
            Reassign::Agent(agent) if self.0.assignee_id.is_none() => {
                events.push(self.assign_automatically(*agent, now, reason)?);
            }
            Reassign::Agent(agent) if self.0.assignee_id == Some(*agent) => {}
            Reassign::Agent(agent) => {
                let previous = self.0.assignee_id.replace(*agent);
                let kind = TicketEventKind::Assigned {
                    previous,
                    assignee: *agent,
                    from,
                    to: from,
                    reason: Some(reason),
                };
                events.push(self.record_by(None, now, kind));
            }
            Reassign::Queue { category } => {
                if let Some(previous) = self.0.assignee_id.take() {
                    self.0.status = TicketStatus::New;
                    let kind = TicketEventKind::Unassigned {
                        previous,
                        from,
                        reason: Some(reason),
                    };
                    events.push(self.record_by(None, now, kind));
                }
                if let Some(to) = category.as_ref().filter(|c| **c != self.0.category) {
                    let change = short_change("category", self.0.category.as_str(), to.as_str());
                    self.0.category = to.clone();
                    let kind = TicketEventKind::Updated { changes: vec![change] };
                    events.push(self.record_by(None, now, kind));
                }
            }
        }
        Ok(events)
    }

    /// Gives a ticket that already has an agent to another one, keeping its status (the
    /// work goes on): `assigned`, `in_progress`, `waiting_customer` or `resolved`. A `new`
    /// ticket is given with [`Ticket::assign`]. Staff only; `None` when `assignee` has it
    /// already.
    pub fn transfer(
        &mut self,
        assignee: UserId,
        actor: Actor,
        now: Timestamp,
        reason: Option<String>,
    ) -> Result<Option<TicketEvent>, TicketError> {
        let status = self.check_owned_change(&actor)?;
        if self.0.assignee_id == Some(assignee) {
            return Ok(None);
        }
        let previous = self.0.assignee_id.replace(assignee);
        let kind = TicketEventKind::Assigned {
            previous,
            assignee,
            from: status,
            to: status,
            reason,
        };
        Ok(Some(self.record(actor, now, kind)))
    }

    /// Takes the ticket from its agent back to the queue: status `new`, no assignee. Allowed
    /// from `assigned`, `in_progress` and `waiting_customer` — an addition to the seed's
    /// state machine, reached only through this command, not through transitions. Staff
    /// only.
    pub fn unassign(
        &mut self,
        actor: Actor,
        now: Timestamp,
        reason: Option<String>,
    ) -> Result<TicketEvent, TicketError> {
        let from = self.check_owned_change(&actor)?;
        let (Some(previous), false) = (self.0.assignee_id, from == TicketStatus::Resolved) else {
            return Err(TicketError::TransitionForbidden {
                from,
                to: TicketStatus::New,
                allowed: self.allowed_targets_for(&actor),
            });
        };
        self.0.assignee_id = None;
        self.0.status = TicketStatus::New;
        Ok(self.record(actor, now, TicketEventKind::Unassigned { previous, from, reason }))
    }

    /// Checks a change of the agent of a ticket that has one: staff only, never closed,
    /// never `new`. Returns the status.
    fn check_owned_change(&self, actor: &Actor) -> Result<TicketStatus, TicketError> {
        self.ensure_visible(actor)?;
        if !actor.is_staff() {
            return Err(TicketError::ActionForbidden {
                action: TicketAction::Assign,
            });
        }
        match self.0.status {
            TicketStatus::Closed => Err(TicketError::Closed),
            TicketStatus::New => Err(TicketError::TransitionForbidden {
                from: TicketStatus::New,
                to: TicketStatus::Assigned,
                allowed: self.allowed_targets_for(actor),
            }),
            status => Ok(status),
        }
    }

    /// Adds a comment written by `actor`; `body` may be `None` for a comment that only
    /// carries `attachments` files.
    ///
    /// A public comment is activity on the ticket: it raises the version, records the
    /// first response (staff's first public reply), the last customer comment or the last
    /// agent reply, and a customer answering a `waiting_customer` ticket or replying to a
    /// `resolved` one moves it to `in_progress` (a second event). An internal note leaves
    /// every field a customer can see alone, the version and `updated_at` included, so
    /// nothing betrays it. Closed tickets take no comments; customers write no notes.
    pub fn add_comment(
        &mut self,
        id: CommentId,
        body: Option<CommentBody>,
        visibility: Visibility,
        attachments: u32,
        actor: Actor,
        now: Timestamp,
    ) -> Result<(Comment, Vec<TicketEvent>), TicketError> {
        self.ensure_visible(&actor)?;
        let answered = self.0.first_response_at.is_some();
        let effects = effects_of(self.0.status, answered, &actor, visibility).map_err(|r| match r {
            CommentRefusal::TicketClosed => TicketError::Closed,
            CommentRefusal::InternalNoteByCustomer => TicketError::ActionForbidden {
                action: TicketAction::WriteInternalNote,
            },
        })?;
        let comment = Comment {
            id,
            ticket_id: self.0.id,
            author_id: actor.user_id,
            by_staff: actor.is_staff(),
            visibility,
            body,
            created_at: now,
        };
        let kind = TicketEventKind::CommentAdded {
            comment_id: id,
            visibility,
            by_staff: comment.by_staff,
            first_response: effects.first_response,
            attachments,
        };
        if visibility == Visibility::Internal {
            self.0.internal_note_count += 1;
            let event = TicketEvent {
                ticket_id: self.0.id,
                actor: Some(actor.user_id),
                at: now,
                kind,
            };
            return Ok((comment, vec![event]));
        }
        let t = &mut self.0;
        t.public_comment_count += 1;
        if effects.first_response {
            t.first_response_at = Some(now);
        }
        if effects.customer_comment {
            t.last_customer_comment_at = Some(now);
        }
        if effects.agent_reply {
            t.last_agent_reply_at = Some(now);
        }
        let mut events = vec![self.record(actor, now, kind)];
        if let Some((from, to)) = effects.status_change {
            self.0.status = to;
            events.push(TicketEvent {
                ticket_id: self.0.id,
                actor: Some(actor.user_id),
                at: now,
                kind: TicketEventKind::StatusChanged {
                    from,
                    to,
                    reason: Some("the customer replied".to_owned()),
                },
            });
        }
        Ok((comment, events))
    }

    fn ensure_visible(&self, actor: &Actor) -> Result<(), TicketError> {
        if self.is_visible_to(actor) {
            Ok(())
        } else {
            Err(TicketError::NotVisible)
        }
    }

    fn check_move(&self, actor: &Actor, to: TicketStatus) -> Result<TicketStatus, TicketError> {
        self.ensure_visible(actor)?;
        let from = self.0.status;
        if !from.can_transition_to(to) {
            return Err(TicketError::TransitionForbidden {
                from,
                to,
                allowed: self.allowed_targets_for(actor),
            });
        }
        if !may_move_to(actor, from, to) {
            let action = if to == TicketStatus::Assigned {
                TicketAction::Assign
            } else {
                TicketAction::Transition(to)
            };
            return Err(TicketError::ActionForbidden { action });
        }
        Ok(from)
    }

    fn record(&mut self, actor: Actor, now: Timestamp, kind: TicketEventKind) -> TicketEvent {
        self.record_by(Some(actor.user_id), now, kind)
    }

    /// Bumps the version and describes the change; `None` when the system made it.
    fn record_by(&mut self, actor: Option<UserId>, now: Timestamp, kind: TicketEventKind) -> TicketEvent {
        self.0.version = self.0.version.next();
        self.0.updated_at = now;
        TicketEvent {
            ticket_id: self.0.id,
            actor,
            at: now,
            kind,
        }
    }
}

/// What an escalation changes and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// The rule that fired; `None` for a person's escalation.
    pub rule_id: Option<i64>,
    /// Why: a person's reason, or the rule's name and trigger.
    pub reason: String,
    /// Raise the escalation level by one.
    pub raise_level: bool,
    /// Raise the priority.
    pub raise_priority: Option<crate::escalation::PriorityRaise>,
}

fn short_change(field: &'static str, from: &str, to: &str) -> FieldChange {
    FieldChange {
        field,
        from: Some(from.to_owned()),
        to: Some(to.to_owned()),
    }
}

/// Customers edit the words of their request; staff edit everything.
fn may_edit(actor: &Actor, field: &str) -> bool {
    actor.is_staff() || matches!(field, "subject" | "description")
}

/// Customers may close their ticket, reopen a resolved one and say they answered; staff
/// may take every edge of the machine.
fn may_move_to(actor: &Actor, from: TicketStatus, to: TicketStatus) -> bool {
    use TicketStatus::*;
    actor.is_staff() || matches!((from, to), (_, Closed) | (Resolved | WaitingCustomer, InProgress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    pub(crate) fn customer() -> Actor {
        Actor::new(UserId::new(10), Role::Customer)
    }

    fn agent() -> Actor {
        Actor::new(UserId::new(20), Role::Agent)
    }

    fn t(seconds: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + seconds)
    }

    fn new_ticket() -> Ticket {
        let new = NewTicket {
            id: TicketId::new(7),
            customer_id: UserId::new(10),
            subject: Subject::parse("Printer on fire").expect("valid"),
            description: Description::parse("Smoke everywhere").expect("valid"),
            priority: Priority::High,
            category: CategorySlug::parse("hardware").expect("valid"),
            tags: Tags::default(),
        };
        Ticket::open(new, customer(), t(0))
            .expect("customer opens own ticket")
            .0
    }

    #[test]
    fn a_transfer_keeps_the_status_and_records_the_reason() {
        let mut ticket = new_ticket();
        let other = UserId::new(21);
        assert!(
            matches!(
                ticket.transfer(other, agent(), t(1), None),
                Err(TicketError::TransitionForbidden { .. })
            ),
            "a new ticket is assigned, not transferred"
        );
        ticket.assign(agent().user_id, agent(), t(1), None).expect("assigns");
        ticket
            .transition(TicketStatus::InProgress, agent(), t(2), None)
            .expect("starts");
        let event = ticket
            .transfer(other, agent(), t(3), Some("on leave".into()))
            .expect("transfers")
            .expect("an event");
        assert_eq!(ticket.status(), TicketStatus::InProgress);
        assert_eq!(ticket.assignee_id(), Some(other));
        assert_eq!(
            event.kind,
            TicketEventKind::Assigned {
                previous: Some(agent().user_id),
                assignee: other,
                from: TicketStatus::InProgress,
                to: TicketStatus::InProgress,
                reason: Some("on leave".into()),
            }
        );
        let version = ticket.version();
        assert_eq!(ticket.transfer(other, agent(), t(4), None), Ok(None), "already theirs");
        assert_eq!(ticket.version(), version);
        assert_eq!(
            ticket.transfer(agent().user_id, customer(), t(5), None),
            Err(TicketError::ActionForbidden {
                action: TicketAction::Assign
            })
        );
    }

    #[test]
    fn unassigning_sends_the_ticket_back_to_the_queue() {
        let mut ticket = new_ticket();
        assert!(ticket.unassign(agent(), t(1), None).is_err(), "nobody has it");
        ticket.assign(agent().user_id, agent(), t(1), None).expect("assigns");
        ticket
            .transition(TicketStatus::InProgress, agent(), t(2), None)
            .expect("starts");
        ticket
            .transition(TicketStatus::WaitingCustomer, agent(), t(3), None)
            .expect("waits");
        assert_eq!(
            ticket.unassign(customer(), t(4), None),
            Err(TicketError::ActionForbidden {
                action: TicketAction::Assign
            })
        );
        let event = ticket
            .unassign(agent(), t(4), Some("reshuffle".into()))
            .expect("unassigns");
        assert_eq!((ticket.status(), ticket.assignee_id()), (TicketStatus::New, None));
        assert_eq!(
            event.kind,
            TicketEventKind::Unassigned {
                previous: agent().user_id,
                from: TicketStatus::WaitingCustomer,
                reason: Some("reshuffle".into()),
            }
        );
        assert_eq!(event.kind.event_type(), "TicketUnassigned");
        ticket
            .assign(agent().user_id, agent(), t(5), None)
            .expect("assigned again from the queue");
        ticket
            .transition(TicketStatus::Closed, agent(), t(6), None)
            .expect("closes");
        assert_eq!(ticket.unassign(agent(), t(7), None), Err(TicketError::Closed));
    }

    #[test]
    fn automatic_assignment_takes_only_a_queued_ticket_and_has_no_actor() {
        let mut ticket = new_ticket();
        let event = ticket
            .assign_automatically(agent().user_id, t(1), "skill billing".into())
            .expect("assigns");
        assert_eq!(event.actor, None, "the system chose");
        assert_eq!(
            (ticket.status(), ticket.assignee_id()),
            (TicketStatus::Assigned, Some(agent().user_id))
        );
        assert_eq!(
            event.kind,
            TicketEventKind::Assigned {
                previous: None,
                assignee: agent().user_id,
                from: TicketStatus::New,
                to: TicketStatus::Assigned,
                reason: Some("skill billing".into()),
            }
        );
        let version = ticket.version();
        assert!(
            ticket.assign_automatically(UserId::new(21), t(2), "x".into()).is_err(),
            "never takes a ticket from its agent"
        );
        assert_eq!(ticket.version(), version);
        ticket
            .transition(TicketStatus::Closed, agent(), t(3), None)
            .expect("closes");
        let mut closed_new = new_ticket();
        closed_new
            .transition(TicketStatus::Closed, customer(), t(1), None)
            .expect("closes");
        assert!(
            closed_new
                .assign_automatically(agent().user_id, t(2), "x".into())
                .is_err()
        );
    }

    #[test]
    fn escalation_raises_level_and_priority_by_staff_or_a_rule_on_open_tickets_only() {
        use crate::escalation::PriorityRaise;
        let mut ticket = new_ticket();
        let manual = Escalation {
            rule_id: None,
            reason: "customer threatens to leave".into(),
            raise_level: true,
            raise_priority: Some(PriorityRaise::OneLevel),
        };
        assert_eq!(
            ticket.escalate(Some(customer()), t(1), manual.clone()),
            Err(TicketError::ActionForbidden {
                action: TicketAction::Escalate
            })
        );
        let event = ticket.escalate(Some(agent()), t(1), manual.clone()).expect("escalates");
        assert_eq!(
            (ticket.parts().escalation_level, ticket.parts().priority),
            (1, Priority::Urgent)
        );
        assert_eq!(event.actor, Some(agent().user_id));
        assert_eq!(event.kind.event_type(), "TicketEscalated");
        assert_eq!(event.kind.visibility(), Visibility::Internal);
        let by_rule = Escalation {
            rule_id: Some(4),
            reason: "rule 4: resolution breached".into(),
            raise_level: false,
            raise_priority: Some(PriorityRaise::OneLevel),
        };
        let event = ticket.escalate(None, t(2), by_rule).expect("a rule escalates");
        assert_eq!(event.actor, None);
        assert!(
            matches!(
                event.kind,
                TicketEventKind::Escalated {
                    rule_id: Some(4),
                    level_from: 1,
                    level_to: 1,
                    priority_from: Priority::Urgent,
                    priority_to: Priority::Urgent,
                    ..
                }
            ),
            "urgent stays urgent; the level only moves when the rule says so"
        );
        ticket
            .transition(TicketStatus::Closed, agent(), t(3), None)
            .expect("closes");
        assert_eq!(ticket.escalate(Some(agent()), t(4), manual), Err(TicketError::Closed));
    }

    #[test]
    fn opening_records_number_and_starts_new_at_version_one() {
        let ticket = new_ticket();
        assert_eq!(ticket.parts().number.as_str(), "TKT-000007");
        assert_eq!(ticket.status(), TicketStatus::New);
        assert_eq!(ticket.version(), Version::FIRST);
        assert_eq!(ticket.parts().created_by, UserId::new(10));
    }

    #[test]
    fn customer_cannot_open_a_ticket_for_someone_else() {
        let new = NewTicket {
            customer_id: UserId::new(99),
            ..new_ticket_input()
        };
        assert_eq!(
            Ticket::open(new, customer(), t(0)).map(|_| ()),
            Err(TicketError::ActionForbidden {
                action: TicketAction::OpenForAnotherCustomer
            })
        );
        assert!(Ticket::open(new_ticket_input(), agent(), t(0)).is_ok());
    }

    fn new_ticket_input() -> NewTicket {
        NewTicket {
            id: TicketId::new(1),
            customer_id: UserId::new(10),
            subject: Subject::parse("s").expect("valid"),
            description: Description::parse("d").expect("valid"),
            priority: Priority::Normal,
            category: CategorySlug::parse("general").expect("valid"),
            tags: Tags::default(),
        }
    }

    #[test]
    fn forbidden_transition_names_the_allowed_targets() {
        let mut ticket = new_ticket();
        let err = ticket.transition(TicketStatus::Resolved, agent(), t(1), None);
        assert_eq!(
            err,
            Err(TicketError::TransitionForbidden {
                from: TicketStatus::New,
                to: TicketStatus::Resolved,
                allowed: vec![TicketStatus::Assigned, TicketStatus::Closed],
            })
        );
        assert_eq!(ticket, new_ticket(), "a refused command changes nothing");
    }

    #[test]
    fn customer_sees_only_the_targets_their_role_may_take() {
        let ticket = new_ticket();
        assert_eq!(ticket.allowed_targets_for(&customer()), vec![TicketStatus::Closed]);
    }

    #[test]
    fn assigning_moves_new_to_assigned_and_names_the_agent() {
        let mut ticket = new_ticket();
        let event = ticket.assign(UserId::new(20), agent(), t(5), None).expect("allowed");
        assert_eq!(ticket.status(), TicketStatus::Assigned);
        assert_eq!(ticket.assignee_id(), Some(UserId::new(20)));
        assert_eq!(event.kind.event_type(), "TicketAssigned");
        assert_eq!(ticket.version(), Version::new(2));
        assert_eq!(ticket.parts().updated_at, t(5));
    }

    #[test]
    fn customers_cannot_assign_or_start_work() {
        let mut ticket = new_ticket();
        assert_eq!(
            ticket.assign(UserId::new(10), customer(), t(1), None).map(|_| ()),
            Err(TicketError::ActionForbidden {
                action: TicketAction::Assign
            })
        );
        ticket
            .assign(UserId::new(20), agent(), t(1), None)
            .expect("agent assigns");
        assert_eq!(
            ticket
                .transition(TicketStatus::InProgress, customer(), t(2), None)
                .map(|_| ()),
            Err(TicketError::ActionForbidden {
                action: TicketAction::Transition(TicketStatus::InProgress)
            })
        );
    }

    #[test]
    fn transition_to_assigned_needs_an_agent() {
        let mut ticket = new_ticket();
        assert_eq!(
            ticket
                .transition(TicketStatus::Assigned, agent(), t(1), None)
                .map(|_| ()),
            Err(TicketError::AssigneeRequired)
        );
    }

    #[test]
    fn customer_may_reopen_a_resolved_ticket_and_close_their_own() {
        let mut ticket = new_ticket();
        ticket.assign(UserId::new(20), agent(), t(1), None).expect("ok");
        ticket
            .transition(TicketStatus::InProgress, agent(), t(2), None)
            .expect("ok");
        ticket
            .transition(TicketStatus::Resolved, agent(), t(3), None)
            .expect("ok");
        assert_eq!(ticket.parts().resolved_at, Some(t(3)));
        ticket
            .transition(TicketStatus::InProgress, customer(), t(4), None)
            .expect("customer reopens");
        ticket
            .transition(TicketStatus::Closed, customer(), t(5), Some("fixed".into()))
            .expect("customer closes");
        assert_eq!(ticket.parts().closed_at, Some(t(5)));
        assert_eq!(ticket.allowed_targets_for(&agent()), vec![]);
    }

    #[test]
    fn customers_edit_words_only_and_closed_tickets_not_at_all() {
        let mut ticket = new_ticket();
        let update = TicketUpdate {
            priority: Some(Priority::Urgent),
            ..TicketUpdate::default()
        };
        assert_eq!(
            ticket.update(update, customer(), t(1)),
            Err(TicketError::ActionForbidden {
                action: TicketAction::EditField("priority")
            })
        );
        let same_priority = TicketUpdate {
            priority: Some(Priority::High),
            subject: Some(Subject::parse("Printer still on fire").expect("valid")),
            ..TicketUpdate::default()
        };
        let event = ticket.update(same_priority, customer(), t(2)).expect("allowed");
        let Some(TicketEvent {
            kind: TicketEventKind::Updated { changes },
            ..
        }) = event
        else {
            panic!("expected an update event, got {event:?}");
        };
        assert_eq!(changes.len(), 1, "an unchanged priority is not a change");
        assert_eq!(changes[0].field, "subject");
        ticket
            .transition(TicketStatus::Closed, customer(), t(3), None)
            .expect("close");
        let again = TicketUpdate {
            subject: Some(Subject::parse("x").expect("valid")),
            ..TicketUpdate::default()
        };
        assert_eq!(ticket.update(again, agent(), t(4)), Err(TicketError::Closed));
    }

    #[test]
    fn an_update_that_changes_nothing_records_nothing() {
        let mut ticket = new_ticket();
        let update = TicketUpdate {
            priority: Some(Priority::High),
            ..TicketUpdate::default()
        };
        assert_eq!(ticket.update(update, agent(), t(1)), Ok(None));
        assert_eq!(ticket.version(), Version::FIRST);
    }

    #[test]
    fn description_changes_are_recorded_without_the_text() {
        let mut ticket = new_ticket();
        let update = TicketUpdate {
            description: Some(Description::parse("More smoke").expect("valid")),
            ..TicketUpdate::default()
        };
        let event = ticket.update(update, agent(), t(1)).expect("ok").expect("changed");
        assert_eq!(
            event.kind,
            TicketEventKind::Updated {
                changes: vec![FieldChange {
                    field: "description",
                    from: None,
                    to: None
                }]
            }
        );
    }

    fn body(text: &str) -> Option<CommentBody> {
        Some(CommentBody::parse(text).expect("valid"))
    }

    #[test]
    fn an_internal_note_leaves_no_trace_a_customer_could_see() {
        let mut ticket = new_ticket();
        let before = ticket.clone();
        let (note, events) = ticket
            .add_comment(
                CommentId::new(1),
                body("customer is rude"),
                Visibility::Internal,
                0,
                agent(),
                t(9),
            )
            .expect("agents write notes");
        assert_eq!(note.visibility, Visibility::Internal);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind.visibility(), Visibility::Internal);
        assert_eq!(ticket.version(), before.version(), "the ETag does not move");
        assert_eq!(ticket.parts().updated_at, before.parts().updated_at);
        assert_eq!(ticket.parts().first_response_at, None, "a note is not a response");
        assert_eq!(ticket.comment_count_for(&customer()), 0);
        assert_eq!(ticket.comment_count_for(&agent()), 1);
        let mut expected = before.parts().clone();
        expected.internal_note_count = 1;
        assert_eq!(ticket.parts(), &expected, "only the staff-only counter changed");
    }

    #[test]
    fn the_first_public_agent_reply_is_the_first_response() {
        let mut ticket = new_ticket();
        let (_, events) = ticket
            .add_comment(CommentId::new(1), body("looking"), Visibility::Public, 0, agent(), t(5))
            .expect("ok");
        assert_eq!(ticket.parts().first_response_at, Some(t(5)));
        assert_eq!(ticket.parts().last_agent_reply_at, Some(t(5)));
        assert_eq!(ticket.version(), Version::FIRST.next());
        assert!(matches!(
            events[0].kind,
            TicketEventKind::CommentAdded {
                first_response: true,
                ..
            }
        ));
        let (_, events) = ticket
            .add_comment(
                CommentId::new(2),
                body("still looking"),
                Visibility::Public,
                0,
                agent(),
                t(8),
            )
            .expect("ok");
        assert_eq!(ticket.parts().first_response_at, Some(t(5)), "recorded once");
        assert_eq!(ticket.parts().last_agent_reply_at, Some(t(8)));
        assert!(matches!(
            events[0].kind,
            TicketEventKind::CommentAdded {
                first_response: false,
                ..
            }
        ));
        assert_eq!(ticket.comment_count_for(&customer()), 2);
    }

    #[test]
    fn a_customer_reply_reopens_or_resumes_and_closed_refuses() {
        for waiting in [TicketStatus::WaitingCustomer, TicketStatus::Resolved] {
            let mut ticket = new_ticket();
            ticket.assign(UserId::new(20), agent(), t(1), None).expect("ok");
            ticket
                .transition(TicketStatus::InProgress, agent(), t(2), None)
                .expect("ok");
            ticket.transition(waiting, agent(), t(3), None).expect("ok");
            let version = ticket.version();
            let (comment, events) = ticket
                .add_comment(CommentId::new(1), None, Visibility::Public, 2, customer(), t(4))
                .expect("customers reply with files only");
            assert!(!comment.by_staff);
            assert_eq!(ticket.status(), TicketStatus::InProgress);
            assert_eq!(ticket.version(), version.next(), "one command, one version");
            assert_eq!(ticket.parts().last_customer_comment_at, Some(t(4)));
            assert_eq!(events.len(), 2);
            assert!(matches!(
                events[1].kind,
                TicketEventKind::StatusChanged { from, to: TicketStatus::InProgress, .. } if from == waiting
            ));
        }
        let mut ticket = new_ticket();
        ticket
            .transition(TicketStatus::Closed, customer(), t(1), None)
            .expect("ok");
        let before = ticket.clone();
        assert_eq!(
            ticket
                .add_comment(
                    CommentId::new(1),
                    body("hello?"),
                    Visibility::Public,
                    0,
                    customer(),
                    t(2)
                )
                .map(|_| ()),
            Err(TicketError::Closed)
        );
        assert_eq!(ticket, before);
    }

    #[test]
    fn customers_write_no_notes_and_strangers_nothing() {
        let mut ticket = new_ticket();
        assert_eq!(
            ticket
                .add_comment(
                    CommentId::new(1),
                    body("psst"),
                    Visibility::Internal,
                    0,
                    customer(),
                    t(1)
                )
                .map(|_| ()),
            Err(TicketError::ActionForbidden {
                action: TicketAction::WriteInternalNote
            })
        );
        let stranger = Actor::new(UserId::new(99), Role::Customer);
        assert_eq!(
            ticket
                .add_comment(CommentId::new(1), body("hi"), Visibility::Public, 0, stranger, t(1))
                .map(|_| ()),
            Err(TicketError::NotVisible)
        );
    }

    #[test]
    fn a_rule_hands_a_ticket_to_an_agent_or_back_to_a_queue() {
        use crate::escalation::Reassign;
        let other = UserId::new(21);
        let mut ticket = new_ticket();
        let events = ticket
            .reassign_by_rule(&Reassign::Agent(other), t(1), "rule".into())
            .expect("assigns");
        assert_eq!(
            (ticket.status(), ticket.assignee_id()),
            (TicketStatus::Assigned, Some(other))
        );
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].actor, None);
        assert!(
            ticket
                .reassign_by_rule(&Reassign::Agent(other), t(2), "again".into())
                .expect("no change")
                .is_empty()
        );
        ticket
            .transition(TicketStatus::InProgress, Actor::new(other, Role::Agent), t(3), None)
            .expect("starts");
        let moved = ticket
            .reassign_by_rule(&Reassign::Agent(agent().user_id), t(4), "to 20".into())
            .expect("transfers");
        assert_eq!(ticket.status(), TicketStatus::InProgress, "a transfer keeps the status");
        assert!(matches!(&moved[0].kind, TicketEventKind::Assigned { previous: Some(p), .. } if *p == other));
        let version = ticket.version();
        let software = CategorySlug::parse("software").expect("valid");
        let queued = ticket
            .reassign_by_rule(
                &Reassign::Queue {
                    category: Some(software.clone()),
                },
                t(5),
                "to software".into(),
            )
            .expect("queues");
        assert_eq!((ticket.status(), ticket.assignee_id()), (TicketStatus::New, None));
        assert_eq!(ticket.parts().category, software);
        assert_eq!(queued.len(), 2, "unassigned, then the category changed");
        assert!(ticket.version() > version);
        let mut done = new_ticket();
        done.assign(agent().user_id, agent(), t(1), None).expect("assigns");
        done.transition(TicketStatus::InProgress, agent(), t(2), None)
            .expect("starts");
        done.transition(TicketStatus::Resolved, agent(), t(2), None)
            .expect("resolves");
        assert_eq!(
            done.reassign_by_rule(&Reassign::Queue { category: None }, t(3), "late".into()),
            Err(TicketError::Resolved)
        );
    }
}
