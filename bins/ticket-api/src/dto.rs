//! The JSON bodies of the API. Requests reject unknown fields; instants are RFC 3339 UTC.

use application::auth::Principal;
use application::ports::{Category, CommentView, HistoryEntry, UserAccount};
use application::sla::explain::Step;
use application::sla::{Explanation, SlaReport, SlaView, TargetView};
use application::tickets::TicketView;
use domain::sla::Crossing;
use domain::{Attachment, TicketEventKind, TicketStatus, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// RFC 3339 in UTC, as every instant in the API.
pub fn instant(t: Timestamp) -> String {
    t.to_string()
}

/// `POST /auth/login`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's e-mail address.
    #[schema(example = "admin@example.com")]
    pub email: String,
    /// The account's password.
    #[schema(example = "a long passphrase")]
    pub password: String,
}

/// A successful login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// The bearer token for `Authorization: Bearer ...`. Shown once.
    pub token: String,
    /// When the token stops working.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Who logged in.
    pub principal: UserResponse,
}

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// Its id.
    pub id: i64,
    /// Its login address.
    pub email: String,
    /// The name shown for it.
    pub display_name: String,
    /// `customer`, `agent`, `supervisor` or `admin`.
    #[schema(pattern = "^(customer|agent|supervisor|admin)$")]
    pub role: String,
    /// False once deactivated.
    pub active: bool,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&UserAccount> for UserResponse {
    fn from(a: &UserAccount) -> Self {
        Self {
            id: a.id.get(),
            email: a.email.to_string(),
            display_name: a.display_name.to_string(),
            role: a.role.as_str().to_owned(),
            active: a.active,
            created_at: instant(a.created_at),
        }
    }
}

impl From<&Principal> for UserResponse {
    fn from(p: &Principal) -> Self {
        Self::from(&p.account)
    }
}

/// `POST /customers`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerRequest {
    /// The login address.
    #[schema(example = "customer@example.com")]
    pub email: String,
    /// The name shown.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    /// The initial password, 10 to 256 characters.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

/// `POST /agents`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentRequest {
    /// The login address.
    pub email: String,
    /// The name shown.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    /// The initial password, 10 to 256 characters.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// `agent` (default), `supervisor` or `admin`.
    #[serde(default)]
    #[schema(pattern = "^(agent|supervisor|admin)$")]
    pub role: Option<String>,
}

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
    /// Its revision; also its `ETag`.
    pub version: i64,
    /// The statuses the caller could move it to now.
    pub allowed_transitions: Vec<String>,
    /// Its SLA targets at the time of the response; present for staff only (customers
    /// are shown no SLA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<TicketSlaResponse>,
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
            version: t.version.get(),
            allowed_transitions: view
                .allowed_transitions
                .iter()
                .map(|s: &TicketStatus| s.as_str().to_owned())
                .collect(),
            sla: staff.and_then(|s| s.sla.as_ref()).map(TicketSlaResponse::from),
        }
    }
}

/// One SLA target of a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaTargetResponse {
    /// `first_response`, `next_response` or `resolution`.
    pub kind: String,
    /// `active`, `at_risk`, `breached`, `met` or `paused`, at the time of the response.
    pub status: String,
    /// When its clock first started.
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it falls due; `null` while paused or once met.
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    /// Its length in business minutes.
    pub target_minutes: i64,
    /// Business seconds consumed.
    pub consumed_seconds: i64,
    /// Business seconds left; negative once overdue.
    pub remaining_seconds: i64,
    /// When it became at risk, once recorded.
    #[schema(format = DateTime)]
    pub warned_at: Option<String>,
    /// When it was breached (its due instant), once recorded.
    #[schema(format = DateTime)]
    pub breached_at: Option<String>,
    /// When it was met (a target met late stays `breached`).
    #[schema(format = DateTime)]
    pub met_at: Option<String>,
}

impl From<&TargetView> for SlaTargetResponse {
    fn from(t: &TargetView) -> Self {
        Self {
            kind: t.kind.as_str().to_owned(),
            status: t.status.as_str().to_owned(),
            started_at: instant(t.started_at),
            due_at: t.due_at.map(instant),
            target_minutes: t.target_seconds / 60,
            consumed_seconds: t.consumed_seconds,
            remaining_seconds: t.remaining_seconds,
            warned_at: t.warned_at.map(instant),
            breached_at: t.breached_at.map(instant),
            met_at: t.met_at.map(instant),
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

/// How a running target's due instant was derived.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueExplanation {
    /// Where counting began: the clock's (re)start if open then, else the next opening.
    #[schema(format = DateTime)]
    pub counting_starts_at: String,
    /// The business seconds still to count from the (re)start.
    pub business_seconds: i64,
    /// What was counted, in order.
    pub counted: Vec<CountedRun>,
    /// Holidays in the range on which the calendar would have been open.
    pub holidays_in_range: Vec<String>,
    /// The derivation in words.
    pub explanation: String,
}

impl From<&Explanation> for DueExplanation {
    fn from(e: &Explanation) -> Self {
        Self {
            counting_starts_at: instant(e.counting_starts_at),
            business_seconds: e.business_seconds,
            counted: CountedRun::runs(e),
            holidays_in_range: e.holidays.iter().map(ToString::to_string).collect(),
            explanation: e.summary.clone(),
        }
    }
}

/// One target of `GET /tickets/{id}/sla`, explained.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainedTargetResponse {
    /// The target now.
    pub target: SlaTargetResponse,
    /// When its clock last (re)started, while it runs.
    #[schema(format = DateTime)]
    pub running_since: Option<String>,
    /// Business seconds consumed before that (before pauses or a policy change).
    pub consumed_before_seconds: i64,
    /// How the due instant follows, while it runs.
    pub due: Option<DueExplanation>,
}

/// A stretch the ticket spent in a pausing status.
#[derive(Debug, Serialize, ToSchema)]
pub struct PausedInterval {
    /// When the pause began.
    #[schema(format = DateTime)]
    pub from: String,
    /// When it ended; `null` while still paused.
    #[schema(format = DateTime)]
    pub until: Option<String>,
}

/// `GET /tickets/{id}/sla`: the policy, calendar, pauses and each target with its
/// derivation.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaReportResponse {
    /// The policy; `null` when none applies.
    pub policy_id: Option<i64>,
    /// Its name.
    pub policy_name: Option<String>,
    /// The business calendar; `null` for calendar time (24x7 UTC).
    pub calendar_id: Option<i64>,
    /// The calendar's time zone.
    pub time_zone: String,
    /// The IANA database version the instants come from.
    pub tzdb_version: String,
    /// Pauses from the ticket's status history.
    pub paused: Vec<PausedInterval>,
    /// The targets.
    pub targets: Vec<ExplainedTargetResponse>,
}

impl From<&SlaReport> for SlaReportResponse {
    fn from(r: &SlaReport) -> Self {
        Self {
            policy_id: r.view.policy_id,
            policy_name: r.view.policy_name.clone(),
            calendar_id: r.calendar_id,
            time_zone: r.time_zone.clone(),
            tzdb_version: r.tzdb_version.clone(),
            paused: r
                .paused
                .iter()
                .map(|(from, until)| PausedInterval {
                    from: instant(*from),
                    until: until.map(instant),
                })
                .collect(),
            targets: r
                .targets
                .iter()
                .map(|t| ExplainedTargetResponse {
                    target: SlaTargetResponse::from(&t.target),
                    running_since: t.running_since.map(instant),
                    consumed_before_seconds: t.consumed_before_seconds,
                    due: t.explanation.as_ref().map(DueExplanation::from),
                })
                .collect(),
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
    /// `CommentAdded`, `SlaWarning` or `SlaBreached` (internal notes' and SLA entries are
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

/// `POST /tickets/{id}/comments` as JSON (multipart carries the same fields plus files).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCommentRequest {
    /// The text, at most 64 KiB.
    #[schema(example = "Could you send a screenshot?", min_length = 1, max_length = 65536)]
    pub body: String,
    /// `public` (default) or `internal` (staff only: an internal note).
    #[serde(default)]
    #[schema(pattern = "^(public|internal)$")]
    pub visibility: Option<String>,
}

/// The multipart form of `POST /tickets/{id}/comments`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AddCommentForm {
    /// The text; may be left out when files are attached.
    pub body: Option<String>,
    /// `public` (default) or `internal` (staff only).
    #[schema(pattern = "^(public|internal)$")]
    pub visibility: Option<String>,
    /// The files (any part with a file name is a file).
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// The multipart form of `POST /tickets/{id}/attachments`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// `public` (default) or `internal` (staff only).
    #[schema(pattern = "^(public|internal)$")]
    pub visibility: Option<String>,
    /// The files (any part with a file name is a file).
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// Who wrote a comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorResponse {
    /// Their user id.
    pub id: i64,
    /// Their display name.
    pub name: String,
    /// `customer` or `agent` (any member of staff).
    #[schema(pattern = "^(customer|agent)$")]
    pub kind: String,
}

/// A file.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    /// Its id.
    pub id: i64,
    /// The ticket it belongs to.
    pub ticket_id: i64,
    /// The comment it came with.
    pub comment_id: i64,
    /// Its (sanitised) file name.
    pub file_name: String,
    /// Its type, established from its bytes.
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// `public` or `internal` (the comment's).
    pub visibility: String,
    /// Who uploaded it.
    pub uploaded_by: i64,
    /// When.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Where to download it.
    pub download_url: String,
}

impl From<&Attachment> for AttachmentResponse {
    fn from(a: &Attachment) -> Self {
        Self {
            id: a.id.get(),
            ticket_id: a.ticket_id.get(),
            comment_id: a.comment_id.get(),
            file_name: a.file_name.to_string(),
            content_type: a.media_type.to_string(),
            size_bytes: a.size_bytes,
            sha256: a.sha256.clone(),
            visibility: a.visibility.as_str().to_owned(),
            uploaded_by: a.uploaded_by.get(),
            created_at: instant(a.created_at),
            download_url: format!("/api/v1/attachments/{}", a.id),
        }
    }
}

/// A comment, agent reply or internal note.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentResponse {
    /// Its id.
    pub id: i64,
    /// The ticket it belongs to.
    pub ticket_id: i64,
    /// Who wrote it.
    pub author: AuthorResponse,
    /// `public` or `internal`.
    pub visibility: String,
    /// Its text; `null` for a comment that only carries files.
    pub body: Option<String>,
    /// Its files.
    pub attachments: Vec<AttachmentResponse>,
    /// When it was written.
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&CommentView> for CommentResponse {
    fn from(v: &CommentView) -> Self {
        let c = &v.comment;
        Self {
            id: c.id.get(),
            ticket_id: c.ticket_id.get(),
            author: AuthorResponse {
                id: c.author_id.get(),
                name: v.author_name.clone(),
                kind: if c.by_staff { "agent" } else { "customer" }.to_owned(),
            },
            visibility: c.visibility.as_str().to_owned(),
            body: c.body.as_ref().map(|b| b.to_string()),
            attachments: v.attachments.iter().map(AttachmentResponse::from).collect(),
            created_at: instant(c.created_at),
        }
    }
}

/// A page of comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentPage {
    /// The comments, oldest first.
    pub items: Vec<CommentResponse>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A page of files.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentPage {
    /// The files, oldest first.
    pub items: Vec<AttachmentResponse>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// A category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Whether new tickets may use it.
    pub active: bool,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it last changed.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&Category> for CategoryResponse {
    fn from(c: &Category) -> Self {
        Self {
            slug: c.slug.to_string(),
            name: c.name.clone(),
            description: c.description.clone(),
            active: c.active,
            created_at: instant(c.created_at),
            updated_at: instant(c.updated_at),
        }
    }
}

/// The categories.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// Ordered by slug.
    pub items: Vec<CategoryResponse>,
}

/// `POST /categories`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Lowercase letters, digits and single hyphens; cannot change later.
    #[schema(example = "billing", pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    pub slug: String,
    /// The name shown.
    #[schema(example = "Billing", min_length = 1, max_length = 100)]
    pub name: String,
    /// A longer explanation.
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /categories/{slug}`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// Deactivated categories stay on existing tickets but cannot be chosen.
    #[serde(default)]
    pub active: Option<bool>,
}

/// `GET /healthz`, `GET /readyz`
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok`, or `unavailable` when a dependency is down.
    pub status: String,
}

/// A business calendar, as configured.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarRequest {
    /// An IANA time zone name, such as `Europe/Berlin`, or `UTC`.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Open intervals per day (`mon` ... `sun`) in local time: `[["09:00","17:00"]]`, several
    /// a day allowed, `"24:00"` as an end. A missing day is closed.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [["09:00", "17:00"]]}))]
    pub weekly: std::collections::BTreeMap<String, Vec<(String, String)>>,
    /// Dates (`YYYY-MM-DD`) closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// RFC 5545 rules generating holidays.
    #[serde(default)]
    pub holiday_rules: Vec<HolidayRuleRequest>,
}

/// One holiday rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayRuleRequest {
    /// Such as `FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO` (US Memorial Day); `UNTIL` may be a date.
    #[schema(example = "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25")]
    pub rrule: String,
    /// The rule's start date, `YYYY-MM-DD`.
    #[schema(example = "2020-01-01")]
    pub dtstart: String,
}

/// A calendar named by id, or given inline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CalendarRef {
    /// The id of a stored calendar.
    Id(i64),
    /// A calendar configuration.
    Inline(CalendarRequest),
}

/// `POST /sla/preview`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The calendar: a stored calendar's id, or a configuration inline.
    pub calendar: CalendarRef,
    /// When the clock starts (RFC 3339).
    #[schema(example = "2026-11-27T16:00:00Z")]
    pub start: String,
    /// The target in business minutes.
    #[schema(minimum = 0, maximum = 10000000, example = 240)]
    pub minutes: i64,
}

/// A run of what was counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountedRun {
    /// `weeks` (whole weeks counted at once, holidays subtracted) or `windows` (single open
    /// windows).
    pub kind: String,
    /// For `weeks`: how many; for `windows`: how many windows.
    pub count: i64,
    /// Where it begins: a local date for `weeks`, an instant for `windows`.
    pub from: String,
    /// For `windows`: where the last ended.
    #[schema(format = DateTime)]
    pub until: Option<String>,
    /// Business seconds counted in it.
    pub seconds: i64,
}

impl CountedRun {
    /// The runs of an explanation.
    pub fn runs(e: &Explanation) -> Vec<Self> {
        e.steps
            .iter()
            .map(|s| match s {
                Step::Weeks { from, weeks, seconds } => CountedRun {
                    kind: "weeks".into(),
                    count: *weeks,
                    from: from.to_string(),
                    until: None,
                    seconds: *seconds,
                },
                Step::Windows {
                    count,
                    from,
                    until,
                    seconds,
                } => CountedRun {
                    kind: "windows".into(),
                    count: i64::try_from(*count).unwrap_or(i64::MAX),
                    from: instant(*from),
                    until: Some(instant(*until)),
                    seconds: *seconds,
                },
            })
            .collect()
    }
}

/// The answer of `POST /sla/preview`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    /// When the target falls due.
    #[schema(format = DateTime)]
    pub due_at: String,
    /// The start asked about.
    #[schema(format = DateTime)]
    pub start: String,
    /// The target in business minutes.
    pub minutes: i64,
    /// Where counting began: the start, or the next opening.
    #[schema(format = DateTime)]
    pub counting_starts_at: String,
    /// What was counted, in order.
    pub counted: Vec<CountedRun>,
    /// Holidays in the range on which the calendar would have been open.
    pub holidays_in_range: Vec<String>,
    /// The calendar's zone and the zone database version the answer comes from.
    pub time_zone: String,
    /// The IANA database version, such as `2025b`.
    pub tzdb_version: String,
    /// The derivation in words.
    pub explanation: String,
}

/// `POST /sla/calendars`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCalendarRequest {
    /// A unique name.
    #[schema(example = "Berlin office", min_length = 1, max_length = 100)]
    pub name: String,
    /// An IANA time zone name, or `UTC`.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Open intervals per day, as in `POST /sla/preview`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub weekly: std::collections::BTreeMap<String, Vec<(String, String)>>,
    /// Dates closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Rules generating holidays.
    #[serde(default)]
    pub holiday_rules: Vec<HolidayRuleRequest>,
}

/// `PATCH /sla/calendars/{id}`: fields present replace the stored ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCalendarRequest {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// New weekly hours (all days).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub weekly: Option<std::collections::BTreeMap<String, Vec<(String, String)>>>,
    /// New holiday dates.
    #[serde(default)]
    pub holidays: Option<Vec<String>>,
    /// New holiday rules.
    #[serde(default)]
    pub holiday_rules: Option<Vec<HolidayRuleRequest>>,
}

/// A stored business calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarResponse {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its zone.
    pub time_zone: String,
    /// Open intervals per day.
    #[schema(value_type = Object)]
    pub weekly: serde_json::Value,
    /// Dates closed all day.
    pub holidays: Vec<String>,
    /// Rules generating holidays.
    #[schema(value_type = Vec<Object>)]
    pub holiday_rules: Vec<serde_json::Value>,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it last changed.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&application::ports::StoredCalendar> for CalendarResponse {
    fn from(c: &application::ports::StoredCalendar) -> Self {
        let weekly: serde_json::Map<String, serde_json::Value> = c
            .spec
            .weekly
            .iter()
            .map(|(day, intervals)| (day.clone(), serde_json::json!(intervals)))
            .collect();
        Self {
            id: c.id,
            name: c.name.clone(),
            time_zone: c.spec.time_zone.clone(),
            weekly: serde_json::Value::Object(weekly),
            holidays: c.spec.holidays.clone(),
            holiday_rules: c
                .spec
                .holiday_rules
                .iter()
                .map(|(rrule, dtstart)| serde_json::json!({"rrule": rrule, "dtstart": dtstart}))
                .collect(),
            created_at: instant(c.created_at),
            updated_at: instant(c.updated_at),
        }
    }
}

/// The calendars.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarList {
    /// By name.
    pub items: Vec<CalendarResponse>,
}

/// Reads a present field as `Some(value)`, `null` included, so `PATCH` can tell "clear
/// this" (`null`) from "keep this" (absent).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /sla/policies` and `PATCH /sla/policies/{id}` (absent fields keep their value on
/// `PATCH`; `null` clears a nullable one).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    /// A unique name (required to create).
    #[serde(default)]
    #[schema(example = "Urgent billing")]
    pub name: Option<String>,
    /// The priorities it applies to (at least one).
    #[serde(default)]
    #[schema(example = json!(["high", "urgent"]))]
    pub priorities: Option<Vec<String>>,
    /// A category slug, or `null` for every category.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    /// A stored calendar's id, or `null` for calendar time (24x7 UTC).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub calendar_id: Option<Option<i64>>,
    /// First response in business minutes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub first_response_minutes: Option<Option<i64>>,
    /// Next response in business minutes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub next_response_minutes: Option<Option<i64>>,
    /// Resolution in business minutes.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub resolution_minutes: Option<Option<i64>>,
    /// At-risk threshold in percent (default 80).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub warning_percent: Option<i64>,
    /// Statuses that pause resolution (default `["waiting_customer"]`).
    #[serde(default)]
    pub pause_statuses: Option<Vec<String>>,
}

/// An SLA policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyResponse {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The priorities it applies to.
    pub priorities: Vec<String>,
    /// Its category, or `null` for every category.
    pub category: Option<String>,
    /// Its calendar, or `null` for calendar time.
    pub calendar_id: Option<i64>,
    /// First response in business minutes.
    pub first_response_minutes: Option<u32>,
    /// Next response in business minutes.
    pub next_response_minutes: Option<u32>,
    /// Resolution in business minutes.
    pub resolution_minutes: Option<u32>,
    /// At-risk threshold in percent.
    pub warning_percent: u8,
    /// Statuses that pause resolution.
    pub pause_statuses: Vec<String>,
}

impl From<&domain::sla::SlaPolicy> for PolicyResponse {
    fn from(p: &domain::sla::SlaPolicy) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            priorities: p.priorities.iter().map(|x| x.as_str().to_owned()).collect(),
            category: p.category.as_ref().map(ToString::to_string),
            calendar_id: p.calendar_id,
            first_response_minutes: p.first_response_minutes,
            next_response_minutes: p.next_response_minutes,
            resolution_minutes: p.resolution_minutes,
            warning_percent: p.warning_percent,
            pause_statuses: p.pause_statuses.iter().map(|x| x.as_str().to_owned()).collect(),
        }
    }
}

/// The policies.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyList {
    /// Oldest first.
    pub items: Vec<PolicyResponse>,
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
