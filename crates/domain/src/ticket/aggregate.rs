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

/// A ticket's revision. [`Ticket::version`] is raised by one with every accepted change
/// (the guard of optimistic concurrency and the ETag staff see);
/// [`Ticket::public_version`] only with the changes a customer can observe (the ETag
/// customers see).
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
    /// Its revision: raised by every change, internal ones too. The guard of optimistic
    /// concurrency, and the version staff see.
    pub version: Version,
    /// Its revision as a customer sees it: raised only by the changes a customer can
    /// observe (an escalation that leaves the priority alone is not one of them).
    pub public_version: Version,
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
            public_version: Version::FIRST,
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

    /// Its revision, raised by every change (internal ones too): the guard of optimistic
    /// concurrency.
    pub fn version(&self) -> Version {
        self.0.version
    }

    /// Its revision as a customer observes it: raised only by changes a customer can see.
    pub fn public_version(&self) -> Version {
        self.0.public_version
    }

    /// The version `actor` sees (their `ETag`): staff see every change, customers only
    /// what they can observe, so an internal change leaves a customer's copy current.
    pub fn version_seen_by(&self, actor: &Actor) -> Version {
        if actor.is_staff() {
            self.0.version
        } else {
            self.0.public_version
        }
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
    ///
    /// An escalation is internal unless it changes the priority (which customers see):
    /// a level-only one raises [`Ticket::version`] (staff see the new level) but neither
    /// [`Ticket::public_version`] nor `updated_at`; one that changes nothing (a rule that
    /// only notifies) raises no version at all. The event is returned either way.
    ///
    /// A rule may escalate a resolved or closed ticket when it raises nothing (a
    /// `satisfaction_at_most` rule that only notifies): the event alone is recorded.
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
        let raises_nothing = !escalation.raise_level && escalation.raise_priority.is_none();
        match self.0.status {
            TicketStatus::Closed | TicketStatus::Resolved if by.is_none() && raises_nothing => {}
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
        let actor = by.map(|a| a.user_id);
        if priority_to != priority_from {
            return Ok(self.record_by(actor, now, kind));
        }
        if level_to != level_from {
            self.0.version = self.0.version.next();
        }
        Ok(TicketEvent {
            ticket_id: self.0.id,
            actor,
            at: now,
            kind,
        })
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

    /// Bumps both versions (a change a customer can observe) and describes the change;
    /// `None` when the system made it.
    fn record_by(&mut self, actor: Option<UserId>, now: Timestamp, kind: TicketEventKind) -> TicketEvent {
        self.0.version = self.0.version.next();
        self.0.public_version = self.0.public_version.next();
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
mod tests;
