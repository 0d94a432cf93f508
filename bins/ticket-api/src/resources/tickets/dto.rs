//! The JSON bodies and query strings of the tickets endpoints.

use application::ports::HistoryEntry;
use application::sla::SlaView;
use application::tickets::TicketView;
use domain::sla::Crossing;
use domain::{TicketEventKind, TicketStatus, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::shared::{SlaTargetResponse, instant};

/// `POST /tickets`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketRequest {
    /// A one-line summary, at most 200 characters.
    #[schema(example = "Charged twice for November", min_length = 1, max_length = 200)]
    pub subject: String,
    /// The full request, at most 64 KiB.
    #[schema(
        example = "My November invoice was charged twice.",
        min_length = 1,
        max_length = 65536
    )]
    pub description: String,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[serde(default)]
    #[schema(pattern = "^(low|normal|high|urgent)$")]
    pub priority: Option<String>,
    /// The slug of an active category.
    #[schema(example = "billing", pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    pub category: String,
    /// Labels, at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// The customer the ticket is for; required when staff open a ticket.
    #[serde(default)]
    pub customer_id: Option<i64>,
}

/// `PATCH /tickets/{id}`: only the fields present change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicketRequest {
    /// A new subject.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub subject: Option<String>,
    /// A new description.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub description: Option<String>,
    /// A new priority (staff only).
    #[serde(default)]
    #[schema(pattern = "^(low|normal|high|urgent)$")]
    pub priority: Option<String>,
    /// A new category slug (staff only).
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    pub category: Option<String>,
    /// New tags, replacing the old (staff only).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
}

/// `POST /tickets/{id}/transitions`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The target status.
    #[schema(
        example = "in_progress",
        pattern = "^(new|assigned|in_progress|waiting_customer|resolved|closed)$"
    )]
    pub to: String,
    /// With `to: assigned`, the agent to assign (default: the caller).
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// Why; kept in the history.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /tickets/{id}/assignment`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The agent (an active staff account) to give the ticket to.
    pub agent_id: i64,
    /// Why, such as the reason for a transfer; kept in the history.
    #[serde(default)]
    pub reason: Option<String>,
    /// Give it even to an offline agent or one at capacity (admins and supervisors).
    #[serde(default)]
    pub force: Option<bool>,
}

/// `DELETE /tickets/{id}/assignment` (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnassignRequest {
    /// Why; kept in the history.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /tickets/{id}/close` (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// Why; kept in the history.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketResponse {
    /// Its id.
    pub id: i64,
    /// Its human-readable number.
    #[schema(example = "TKT-000123")]
    pub number: String,
    /// Its subject.
    pub subject: String,
    /// Its description.
    pub description: String,
    /// `new`, `assigned`, `in_progress`, `waiting_customer`, `resolved` or `closed`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    /// Its category's slug.
    pub category: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The customer it belongs to.
    pub customer_id: i64,
    /// Who opened it.
    pub created_by: i64,
    /// The agent who owns it.
    pub assignee_id: Option<i64>,
    /// Their display name (everyone who sees the ticket sees who has it).
    pub assignee_name: Option<String>,
    /// When it was opened.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it last changed.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// When it was last resolved.
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    /// When it was closed.
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    /// When staff first replied publicly (the first response); `null` until then.
    #[schema(format = DateTime)]
    pub first_response_at: Option<String>,
    /// When the customer last commented.
    #[schema(format = DateTime)]
    pub last_customer_comment_at: Option<String>,
    /// When staff last replied publicly.
    #[schema(format = DateTime)]
    pub last_agent_reply_at: Option<String>,
    /// The comments the caller can read: public ones for the customer, all for staff.
    pub comment_count: u32,
    /// Internal notes; present for staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_note_count: Option<u32>,
    /// How many times it was escalated; present for staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_level: Option<u8>,
    /// Its revision as the caller sees it; also its `ETag`. Changes only staff can see
    /// (an escalation that leaves the priority alone) move it for staff only.
    pub version: i64,
    /// The statuses the caller could move it to now.
    pub allowed_transitions: Vec<String>,
    /// Its SLA targets at the time of the response; present for staff only (customers
    /// are shown no SLA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<TicketSlaResponse>,
    /// The customer's answer to the ticket's latest satisfaction survey round; present
    /// for staff only, once answered (customers read theirs at `/tickets/{id}/satisfaction`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<crate::shared::SatisfactionAnswer>,
}

impl From<&TicketView> for TicketResponse {
    fn from(view: &TicketView) -> Self {
        let t = view.ticket.parts();
        let staff = view.staff.as_ref();
        Self {
            id: t.id.get(),
            number: t.number.to_string(),
            subject: t.subject.to_string(),
            description: t.description.to_string(),
            status: t.status.as_str().to_owned(),
            priority: t.priority.as_str().to_owned(),
            category: t.category.to_string(),
            tags: t.tags.to_strings(),
            customer_id: t.customer_id.get(),
            created_by: t.created_by.get(),
            assignee_id: t.assignee_id.map(UserId::get),
            assignee_name: view.assignee_name.clone(),
            created_at: instant(t.created_at),
            updated_at: instant(t.updated_at),
            resolved_at: t.resolved_at.map(instant),
            closed_at: t.closed_at.map(instant),
            first_response_at: t.first_response_at.map(instant),
            last_customer_comment_at: t.last_customer_comment_at.map(instant),
            last_agent_reply_at: t.last_agent_reply_at.map(instant),
            comment_count: view.comment_count,
            internal_note_count: staff.map(|s| s.internal_note_count),
            escalation_level: staff.map(|s| s.escalation_level),
            version: view.version.get(),
            allowed_transitions: view
                .allowed_transitions
                .iter()
                .map(|s: &TicketStatus| s.as_str().to_owned())
                .collect(),
            sla: staff.and_then(|s| s.sla.as_ref()).map(TicketSlaResponse::from),
            satisfaction: staff
                .and_then(|s| s.satisfaction.as_ref())
                .map(|s| crate::shared::SatisfactionAnswer::of(s.round, &s.answer)),
        }
    }
}

/// A ticket's SLA: the policy that applies and its targets (staff only).
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketSlaResponse {
    /// The policy; `null` when none applies (or it was deleted).
    pub policy_id: Option<i64>,
    /// Its name.
    pub policy_name: Option<String>,
    /// The targets; empty when no policy applies.
    pub targets: Vec<SlaTargetResponse>,
}

impl From<&SlaView> for TicketSlaResponse {
    fn from(v: &SlaView) -> Self {
        Self {
            policy_id: v.policy_id,
            policy_name: v.policy_name.clone(),
            targets: v.targets.iter().map(SlaTargetResponse::from).collect(),
        }
    }
}

/// A page of tickets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketPage {
    /// The tickets.
    pub items: Vec<TicketResponse>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// One entry of a ticket's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryResponse {
    /// Its position in the history.
    pub id: i64,
    /// `TicketCreated`, `TicketUpdated`, `TicketStatusChanged`, `TicketAssigned`,
    /// `CommentAdded`, `CommentRedacted`, `AttachmentDeleted`, `SlaWarning`,
    /// `SlaBreached` or `SurveyAnswered` (internal notes', redactions', file deletions' and SLA entries are
    /// shown to staff only).
    #[serde(rename = "type")]
    pub event_type: String,
    /// Who made the change; `null` for the system.
    pub actor_id: Option<i64>,
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
    /// What changed; the fields depend on `type`.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<&HistoryEntry> for HistoryEntryResponse {
    fn from(e: &HistoryEntry) -> Self {
        let details = match &e.kind {
            TicketEventKind::Created {
                number,
                customer_id,
                priority,
                category,
                tags,
            } => serde_json::json!({
                "number": number.to_string(), "customer_id": customer_id.get(), "priority": priority.as_str(),
                "category": category.to_string(), "tags": tags.to_strings(),
            }),
            TicketEventKind::Updated { changes } => serde_json::json!({
                "changes": changes.iter().map(|c| serde_json::json!({"field": c.field, "from": c.from, "to": c.to})).collect::<Vec<_>>(),
            }),
            TicketEventKind::StatusChanged { from, to, reason } => serde_json::json!({
                "from": from.as_str(), "to": to.as_str(), "reason": reason,
            }),
            TicketEventKind::Assigned {
                previous,
                assignee,
                from,
                to,
                reason,
            } => serde_json::json!({
                "previous_assignee_id": previous.map(UserId::get), "assignee_id": assignee.get(),
                "from": from.as_str(), "to": to.as_str(), "reason": reason,
            }),
            TicketEventKind::Unassigned { previous, from, reason } => serde_json::json!({
                "previous_assignee_id": previous.get(), "from": from.as_str(), "to": "new", "reason": reason,
            }),
            TicketEventKind::CommentAdded {
                comment_id,
                visibility,
                by_staff,
                first_response,
                attachments,
            } => serde_json::json!({
                "comment_id": comment_id.get(), "visibility": visibility.as_str(), "by_staff": by_staff,
                "first_response": first_response, "attachments": attachments,
            }),
            TicketEventKind::CommentRedacted {
                comment_id,
                visibility,
                reason,
                files,
            } => serde_json::json!({
                "comment_id": comment_id.get(), "visibility": visibility.as_str(), "reason": reason,
                "files_deleted": files,
            }),
            TicketEventKind::AttachmentDeleted {
                attachment_id,
                comment_id,
            } => serde_json::json!({
                "attachment_id": attachment_id.get(), "comment_id": comment_id.get(),
            }),
            TicketEventKind::SlaCrossed {
                target,
                crossing: Crossing::Warning(at) | Crossing::Breach(at),
                policy_id,
            } => serde_json::json!({
                "target": target.as_str(), "crossed_at": instant(*at), "policy_id": policy_id,
            }),
            TicketEventKind::Escalated {
                rule_id,
                reason,
                level_from,
                level_to,
                priority_from,
                priority_to,
            } => serde_json::json!({
                "rule_id": rule_id, "reason": reason, "level_from": level_from, "level_to": level_to,
                "priority_from": priority_from.as_str(), "priority_to": priority_to.as_str(),
            }),
            TicketEventKind::SurveyAnswered { round, rating, changed } => serde_json::json!({
                "round": round.get(), "rating": rating.get(), "changed": changed,
            }),
        };
        Self {
            id: e.id,
            event_type: e.kind.event_type().to_owned(),
            actor_id: e.actor.map(UserId::get),
            at: instant(e.at),
            details,
        }
    }
}

/// A page of history entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    /// The entries, oldest first.
    pub items: Vec<HistoryEntryResponse>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// One entry of a ticket's assignment record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentRecordResponse {
    /// The history entry it is.
    pub id: i64,
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
    /// Who did it; `null` when automatic.
    pub by: Option<i64>,
    /// True when the system chose the agent (on creation or from the queue).
    pub automatic: bool,
    /// The agent given the ticket; `null` when it went back to the queue.
    pub agent_id: Option<i64>,
    /// The agent who had it before.
    pub previous_agent_id: Option<i64>,
    /// Why: the person's reason, or why the system chose this agent.
    pub reason: Option<String>,
    /// The status before.
    pub from: String,
    /// The status after.
    pub to: String,
}

impl From<&application::assignment::AssignmentRecord> for AssignmentRecordResponse {
    fn from(r: &application::assignment::AssignmentRecord) -> Self {
        Self {
            id: r.id,
            at: instant(r.at),
            by: r.by.map(UserId::get),
            automatic: r.by.is_none(),
            agent_id: r.agent.map(UserId::get),
            previous_agent_id: r.previous.map(UserId::get),
            reason: r.reason.clone(),
            from: r.from.as_str().to_owned(),
            to: r.to.as_str().to_owned(),
        }
    }
}

/// `POST /tickets/{id}/escalations`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateRequest {
    /// Why (required).
    pub reason: String,
    /// `one_level`, or the priority to raise to (`normal`, `high`, `urgent`).
    #[serde(default)]
    pub raise_priority: Option<String>,
    /// An agent to give the ticket to (checked as an assignment is).
    #[serde(default)]
    pub reassign_to: Option<i64>,
}

/// One escalation of a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationRecordResponse {
    /// The history entry it is.
    pub id: i64,
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
    /// Who escalated; `null` when a rule did.
    pub by: Option<i64>,
    /// The rule that fired, for automatic escalations.
    pub rule_id: Option<i64>,
    /// Why.
    pub reason: String,
    /// The escalation level before.
    pub level_from: u8,
    /// The escalation level after.
    pub level_to: u8,
    /// The priority before.
    pub priority_from: String,
    /// The priority after.
    pub priority_to: String,
}

impl From<&application::escalation::EscalationRecord> for EscalationRecordResponse {
    fn from(r: &application::escalation::EscalationRecord) -> Self {
        Self {
            id: r.id,
            at: instant(r.at),
            by: r.by.map(UserId::get),
            rule_id: r.rule_id,
            reason: r.reason.clone(),
            level_from: r.level.0,
            level_to: r.level.1,
            priority_from: r.priority.0.as_str().to_owned(),
            priority_to: r.priority.1.as_str().to_owned(),
        }
    }
}

/// Query of `GET /tickets`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketListQuery {
    /// Statuses, comma-separated (any of them).
    pub status: Option<String>,
    /// Priorities, comma-separated (any of them).
    pub priority: Option<String>,
    /// A category slug.
    pub category: Option<String>,
    /// An assignee's user id.
    pub assignee_id: Option<i64>,
    /// A customer's user id (staff only; customers always see their own).
    pub customer_id: Option<i64>,
    /// A tag.
    pub tag: Option<String>,
    /// Created at or after this RFC 3339 instant.
    pub created_after: Option<String>,
    /// Created before this RFC 3339 instant.
    pub created_before: Option<String>,
    /// Words to find in subject and description (all must match; English stemming).
    pub q: Option<String>,
    /// Tickets with an SLA target in this status now: `active`, `at_risk`, `breached`,
    /// `met` or `paused` (staff only).
    pub sla_status: Option<String>,
    /// Tickets with a running SLA target due before this RFC 3339 instant (staff only).
    pub due_before: Option<String>,
    /// `-created_at` (default), `created_at`, `-updated_at`, `updated_at`, `-priority`,
    /// `priority`, or `sla_due_at` (the running SLA target due soonest first, tickets
    /// without one last; staff only).
    pub sort: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query of `GET /tickets/{id}/history`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
