//! Tickets and the unit of work of the fakes: what each [`Write`] means in memory.

use async_trait::async_trait;
use domain::{CategorySlug, Ticket, TicketId, TicketStatus, Visibility};

use super::agents::load_in;
use super::{Fake, State, page};
use crate::ports::{
    ChangeSet, HistoryEntry, Page, StoreError, StoredSla, TicketCursor, TicketFilter, TicketQuery, TicketRepository,
    TicketSort, UnitOfWork, Write,
};

#[async_trait]
impl UnitOfWork for Fake {
    async fn commit(&self, changes: ChangeSet) -> Result<(), StoreError> {
        let mut s = self.state();
        if let Some(e) = s.fail_commits.clone() {
            return Err(e);
        }
        if s.lose_races > 0 {
            s.lose_races -= 1;
            // Another writer won: the ticket it changed moved to its next version (a
            // change its customer sees too).
            for w in &changes.writes {
                if let Write::UpdateTicket { ticket, .. } = w
                    && let Some(t) = s.tickets.iter_mut().find(|t| t.id() == ticket.id())
                {
                    let mut parts = t.clone().into_parts();
                    parts.version = parts.version.next();
                    parts.public_version = parts.public_version.next();
                    *t = Ticket::restore(parts);
                }
            }
            return Err(StoreError::VersionConflict);
        }
        if s.lose_sla_races > 0 && changes.writes.iter().any(|w| matches!(w, Write::SaveSla { .. })) {
            s.lose_sla_races -= 1;
            return Err(StoreError::VersionConflict);
        }
        // Check everything first so a refused change set writes nothing.
        for w in &changes.writes {
            match w {
                Write::UpdateTicket { ticket, expected } => {
                    let stored = s.tickets.iter().find(|t| t.id() == ticket.id()).map(|t| t.version());
                    if stored != Some(*expected) {
                        return Err(StoreError::VersionConflict);
                    }
                }
                Write::RememberIdempotencyKey(r) => {
                    if s.keys
                        .iter()
                        .any(|k| k.user_id == r.user_id && k.scope == r.scope && k.key == r.key)
                    {
                        return Err(StoreError::Duplicate("idempotency_key"));
                    }
                }
                Write::InsertComment(c) => {
                    let closed = s
                        .tickets
                        .iter()
                        .any(|t| t.id() == c.ticket_id && t.status() == TicketStatus::Closed);
                    if closed {
                        return Err(StoreError::VersionConflict);
                    }
                }
                Write::InsertAttachment(a) => {
                    if !s.intents.contains_key(&a.blob_key) {
                        return Err(StoreError::Reference("upload intent"));
                    }
                }
                Write::SaveSla {
                    ticket_id, revision, ..
                } => {
                    let stored = s.slas.get(&ticket_id.get()).map_or(0, |(sla, _)| sla.revision);
                    if stored != *revision {
                        return Err(StoreError::VersionConflict);
                    }
                }
                Write::TakeCapacity {
                    ticket_id,
                    agent_id,
                    strictness,
                    ..
                } => {
                    let profile = s.agents.get(&agent_id.get());
                    let (availability, capacity) = profile.map_or(
                        (
                            domain::assignment::Availability::Offline,
                            crate::ports::DEFAULT_CAPACITY,
                        ),
                        |p| (p.availability, p.capacity),
                    );
                    if !s.users.iter().any(|u| u.id == *agent_id && u.active) {
                        return Err(StoreError::AgentRefused(domain::assignment::Refusal::Deactivated));
                    }
                    let open = load_in(&s, *agent_id, Some(*ticket_id)).open();
                    domain::assignment::check_room(*strictness, availability, capacity, open)
                        .map_err(StoreError::AgentRefused)?;
                }
                Write::RecordFiring {
                    ticket_id,
                    rule_id,
                    trigger,
                    ..
                } => {
                    if s.firings.contains(&(ticket_id.get(), *rule_id, trigger.clone())) {
                        return Err(StoreError::Duplicate("escalation_firing"));
                    }
                }
                Write::InsertTicket(t) => {
                    // The category is a foreign key, as in the databases.
                    if !s.categories.iter().any(|c| c.slug == t.parts().category) {
                        return Err(StoreError::Reference("record"));
                    }
                }
                Write::SetPassword { user_id, .. } | Write::EraseAccount { user_id, .. } => {
                    if !s.users.iter().any(|u| u.id == *user_id) {
                        return Err(StoreError::Reference("user"));
                    }
                }
                Write::UpdateAccount {
                    user_id, keep_an_admin, ..
                } => {
                    if !s.users.iter().any(|u| u.id == *user_id) {
                        return Err(StoreError::Reference("user"));
                    }
                    let others = s
                        .users
                        .iter()
                        .any(|u| u.id != *user_id && u.active && u.role == domain::Role::Admin);
                    if *keep_an_admin && !others {
                        return Err(StoreError::LastAdmin);
                    }
                }
                Write::RedactComment { comment_id, .. } => {
                    if !s.comments.iter().any(|c| c.id == *comment_id) {
                        return Err(StoreError::Reference("comment"));
                    }
                }
                Write::DeleteAttachment { id, .. } => {
                    if !s.attachments.iter().any(|a| a.id == *id) {
                        return Err(StoreError::Reference("attachment"));
                    }
                }
                Write::EraseTicketText { ticket_id, .. } => {
                    if !s.tickets.iter().any(|t| t.id() == *ticket_id) {
                        return Err(StoreError::Reference("ticket"));
                    }
                }
                Write::ConsumePasswordReset {
                    token_hash,
                    user_id,
                    at,
                } => {
                    let usable = s.password_resets.iter().any(|r| {
                        r.token_hash == *token_hash
                            && r.user_id == *user_id
                            && r.used_at.is_none()
                            && r.expires_at > *at
                    });
                    if !usable {
                        return Err(StoreError::VersionConflict);
                    }
                }
                Write::InsertSurvey(_)
                | Write::AnswerSurvey { .. }
                | Write::ChangeSurveyAnswer { .. }
                | Write::CancelSurveyInvitations { .. } => {
                    s.check_survey_write(w)?;
                }
                Write::Record(_)
                | Write::RevokeSessions { .. }
                | Write::SetOffline { .. }
                | Write::ScheduleEscalationCheck { .. }
                | Write::RecheckEscalation { .. }
                | Write::QueueNotification(_) => {}
                Write::FinishOutboxEvent { id, lease_until, .. } => {
                    if s.outbox_released.contains(id) || s.outbox_leases.get(id) != Some(lease_until) {
                        return Err(StoreError::VersionConflict);
                    }
                }
            }
        }
        for w in changes.writes {
            match w {
                Write::InsertTicket(t) => {
                    s.checks.insert(t.id().get(), (Some(t.parts().updated_at), None));
                    s.tickets.push(t);
                }
                Write::UpdateTicket { ticket, .. } => {
                    // As the adapter does: due at the write's instant, the loop's lease ended.
                    s.checks
                        .insert(ticket.id().get(), (Some(ticket.parts().updated_at), None));
                    if let Some(slot) = s.tickets.iter_mut().find(|t| t.id() == ticket.id()) {
                        *slot = ticket;
                    }
                }
                Write::ScheduleEscalationCheck {
                    ticket_id,
                    at,
                    version,
                    lease,
                } => {
                    let current = s.tickets.iter().find(|t| t.id() == ticket_id).map(|t| t.version());
                    let held = s.checks.get(&ticket_id.get()).and_then(|c| c.1) == Some(lease);
                    if current == Some(version) && held {
                        s.checks.insert(ticket_id.get(), (at, None));
                    }
                }
                Write::RecheckEscalation { ticket_id, at } => {
                    s.checks.insert(ticket_id.get(), (Some(at), None));
                }
                Write::QueueNotification(n) => {
                    if !s
                        .notifications
                        .iter()
                        .any(|q| q.spec.idempotency_key == n.idempotency_key)
                    {
                        let id = s.notifications.last().map_or(1, |q| q.id + 1);
                        s.notifications.push(crate::ports::Notification {
                            id,
                            next_attempt_at: n.at,
                            spec: n,
                            status: crate::ports::NotificationStatus::Pending,
                            attempts: 0,
                            last_error: None,
                            sent_at: None,
                        });
                    }
                }
                Write::FinishOutboxEvent { id, at, .. } => {
                    s.outbox_done.insert(id);
                    s.outbox_processed_at.insert(id, at);
                    s.outbox_leases.remove(&id);
                    s.outbox_released.remove(&id);
                }
                Write::Record(e) => s.events.push(e),
                Write::TakeCapacity { agent_id, at, .. } => {
                    if let Some(p) = s.agents.get_mut(&agent_id.get()) {
                        p.last_assigned_at = Some(at);
                    }
                }
                Write::RememberIdempotencyKey(r) => s.keys.push(r),
                Write::RevokeSessions { user_id, except, at } => {
                    for (k, revoked) in s.sessions.iter_mut() {
                        if k.user_id == user_id && revoked.is_none() && Some(&k.token_hash) != except.as_ref() {
                            *revoked = Some(at);
                        }
                    }
                }
                Write::SetPassword { user_id, password_hash } => {
                    s.passwords.insert(user_id.get(), password_hash);
                }
                Write::UpdateAccount {
                    user_id,
                    display_name,
                    role,
                    active,
                    ..
                } => {
                    if let Some(u) = s.users.iter_mut().find(|u| u.id == user_id) {
                        if let Some(name) = display_name {
                            u.display_name = name;
                        }
                        u.role = role.unwrap_or(u.role);
                        u.active = active.unwrap_or(u.active);
                    }
                }
                Write::SetOffline { user_id, at } => {
                    if let Some(p) = s.agents.get_mut(&user_id.get()) {
                        p.availability = domain::assignment::Availability::Offline;
                        p.updated_at = at;
                    }
                }
                Write::RedactComment { comment_id, redaction } => s.redact(comment_id, redaction),
                Write::DeleteAttachment { id, at } => {
                    if let Some(i) = s.attachments.iter().position(|a| a.id == id) {
                        let gone = s.attachments.remove(i);
                        s.intents.insert(gone.blob_key, at);
                    }
                }
                Write::EraseAccount {
                    user_id,
                    display_name,
                    email,
                    password_hash,
                    at,
                } => s.erase_account(user_id, &display_name, &email, password_hash, at),
                Write::EraseTicketText {
                    ticket_id,
                    subject,
                    description,
                    at,
                } => s.erase_ticket_text(ticket_id, subject, description, at),
                Write::ConsumePasswordReset { user_id, at, .. } => {
                    for r in s.password_resets.iter_mut() {
                        if r.user_id == user_id && r.used_at.is_none() {
                            r.used_at = Some(at);
                        }
                    }
                }
                Write::RecordFiring {
                    ticket_id,
                    rule_id,
                    trigger,
                    ..
                } => {
                    s.firings.insert((ticket_id.get(), rule_id, trigger));
                }
                Write::InsertSurvey(_)
                | Write::AnswerSurvey { .. }
                | Write::ChangeSurveyAnswer { .. }
                | Write::CancelSurveyInvitations { .. } => {
                    s.apply_survey_write(w);
                }
                Write::InsertComment(c) => {
                    // A note does not rewrite the ticket; the store counts it, as the
                    // database adapters do with an increment.
                    let internal = c.visibility == Visibility::Internal;
                    if let Some(t) = s.tickets.iter_mut().find(|t| t.id() == c.ticket_id) {
                        let mut parts = t.clone().into_parts();
                        if internal {
                            parts.internal_note_count += 1;
                        }
                        *t = Ticket::restore(parts);
                    }
                    s.comments.push(c);
                }
                Write::InsertAttachment(a) => {
                    s.intents.remove(&a.blob_key);
                    s.attachments.push(a);
                }
                Write::SaveSla {
                    ticket_id,
                    policy_id,
                    revision,
                    sla,
                } => {
                    let due = sla.running_due();
                    if let Some(t) = s.tickets.iter_mut().find(|t| t.id() == ticket_id) {
                        let mut parts = t.clone().into_parts();
                        parts.sla_due_at = due;
                        *t = Ticket::restore(parts);
                    }
                    let stored = StoredSla {
                        policy_id,
                        revision: revision + 1,
                        sla,
                    };
                    s.slas.insert(ticket_id.get(), (stored, None));
                }
            }
        }
        s.commits += 1;
        Ok(())
    }

    async fn commit_each(&self, sets: Vec<ChangeSet>) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let mut outcomes = Vec::new();
        for changes in sets {
            outcomes.push(self.commit(changes).await);
        }
        Ok(outcomes)
    }
}

#[async_trait]
impl TicketRepository for Fake {
    async fn next_id(&self) -> Result<TicketId, StoreError> {
        let mut s = self.state();
        s.next_id += 1;
        Ok(TicketId::new(s.next_id))
    }

    /// Reads through: the fake keeps no calendars (the ticket ports mock them).
    async fn opening(&self, category: &CategorySlug) -> Result<crate::ports::Opening, StoreError> {
        let id = self.next_id().await?;
        let category_active = crate::ports::CategoryRepository::get(self, category)
            .await?
            .map(|c| c.active);
        let policies = crate::ports::SlaPolicyRepository::list_policies(self).await?;
        Ok(crate::ports::Opening {
            id,
            category_active,
            reference: std::sync::Arc::new(crate::ports::SlaReference {
                policies,
                calendars: Vec::new(),
            }),
        })
    }

    async fn get(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Ok(self.state().tickets.iter().find(|t| t.id() == id).cloned())
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket, TicketCursor>, StoreError> {
        let s = self.state();
        let sort = query.sort;
        let after = query.after.map(|c| position(sort, c.key, c.created, c.id));
        let mut listed: Vec<Ticket> = s
            .tickets
            .iter()
            .filter(|t| matches(&s, t, &query.filter))
            .filter(|t| {
                after.is_none_or(|a| {
                    let p = position_of(sort, t);
                    if sort.descending() { p < a } else { p > a }
                })
            })
            .cloned()
            .collect();
        listed.sort_by_key(|t| position_of(sort, t));
        if sort.descending() {
            listed.reverse();
        }
        listed.truncate(query.limit as usize + 1);
        Ok(page(listed, query.limit, |t| TicketCursor::after(sort, t)))
    }

    async fn queue(&self, category: &CategorySlug, limit: u32) -> Result<Vec<Ticket>, StoreError> {
        let mut queued: Vec<Ticket> = self
            .state()
            .tickets
            .iter()
            .filter(|t| t.status() == TicketStatus::New && t.assignee_id().is_none())
            .filter(|t| &t.parts().category == category)
            .cloned()
            .collect();
        queued.sort_by(domain::assignment::queue_order);
        queued.truncate(limit as usize);
        Ok(queued)
    }

    async fn history(
        &self,
        id: TicketId,
        include_internal: bool,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self
            .state()
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.ticket_id == id)
            .filter(|(_, e)| include_internal || e.kind.visibility() == Visibility::Public)
            .map(|(i, e)| HistoryEntry {
                id: i as i64 + 1,
                actor: e.actor,
                at: e.at,
                kind: e.kind.clone(),
            })
            .filter(|e| after.is_none_or(|a| e.id > a))
            .take(limit as usize)
            .collect())
    }
}

/// Where a ticket stands in `sort` order: its key, then (priority orders only) its
/// creation instant, then its id, as the database adapters order.
fn position_of(sort: TicketSort, t: &Ticket) -> (i64, i64, i64) {
    position(sort, sort.key_of(t), t.parts().created_at.unix_micros(), t.id())
}

fn position(sort: TicketSort, key: i64, created: i64, id: TicketId) -> (i64, i64, i64) {
    match sort {
        TicketSort::PriorityAsc | TicketSort::PriorityDesc => (key, created, id.get()),
        _ => (key, 0, id.get()),
    }
}

/// True when the ticket passes every part of the filter.
fn matches(s: &State, t: &Ticket, f: &TicketFilter) -> bool {
    let p = t.parts();
    (f.statuses.is_empty() || f.statuses.contains(&p.status))
        && (f.priorities.is_empty() || f.priorities.contains(&p.priority))
        && f.category.as_ref().is_none_or(|c| p.category == *c)
        && f.assignee_id.is_none_or(|a| p.assignee_id == Some(a))
        && f.customer_id.is_none_or(|c| p.customer_id == c)
        && f.tag.as_ref().is_none_or(|tag| p.tags.iter().any(|x| x == tag))
        && f.created_after.is_none_or(|at| p.created_at >= at)
        && f.created_before.is_none_or(|at| p.created_at < at)
        && f.text
            .as_deref()
            .is_none_or(|text| text_matches(s, t, text, f.text_in_internal_notes))
        && f.sla_status.is_none_or(|(status, now)| {
            s.slas
                .get(&p.id.get())
                .is_some_and(|(stored, _)| stored.sla.targets.iter().any(|x| x.status(now) == status))
        })
        && f.due_before.is_none_or(|at| p.sla_due_at.is_some_and(|due| due < at))
}

/// The lower-case words of a text.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Full-text search without stemming or stopwords: every word of the query appears in
/// the ticket's subject and description together, or in one of its comments (internal
/// notes only with `internal`); a query without words matches everything.
fn text_matches(s: &State, t: &Ticket, text: &str, internal: bool) -> bool {
    let wanted = words(text);
    let all_in = |doc: &[String]| wanted.iter().all(|w| doc.contains(w));
    let p = t.parts();
    let ticket_words = words(&format!("{} {}", p.subject.as_str(), p.description.as_str()));
    wanted.is_empty()
        || all_in(&ticket_words)
        || s.comments
            .iter()
            .filter(|c| c.ticket_id == p.id && c.is_readable_by_staff(internal))
            .any(|c| all_in(&words(c.body.as_ref().map_or("", |b| b.as_str()))))
}
