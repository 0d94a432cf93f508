//! The use cases a request may call, wired to the adapters.

use std::sync::Arc;

use adapters_db::Database;
use application::accounts::{BootstrapAdmin, CreateAccount};
use application::agents::{AgentPorts, GetAgent, SetAvailability, UpdateAgent};
use application::assignment::{TicketAssignments, Workload};
use application::auth::{Authenticate, Login, LoginThrottle, Logout};
use application::categories::{CreateCategory, DeleteCategory, ListCategories, UpdateCategory};
use application::comments::{
    AddComment, AttachmentRules, CommentPorts, DownloadAttachment, ListAttachments, ListComments,
};
use application::escalation::{EscalateTicket, ManageRules, RulePorts, TicketEscalations};
use application::ports::{BlobStore, CalendarSupport, Clock, PasswordHasher, TokenIssuer};
use application::sla::{
    CalendarPorts, CreateCalendar, CreatePolicy, DeleteCalendar, DeletePolicy, ListCalendars, ListPolicies,
    PolicyPorts, PreviewDueDate, ShowSla, UpdateCalendar, UpdatePolicy,
};
use application::tickets::{
    AssignTicket, ChangeStatus, CloseTicket, CreateTicket, GetTicket, SearchTickets, TicketHistory, TicketPorts,
    UnassignTicket, UpdateTicket,
};

use application::notifications::{ListNotifications, MyContact, RetryNotification};
use platform::Settings;
use platform::adapters::ticket_ports;

use crate::metrics::Metrics;
use crate::resources::comments::UploadLimits;

/// Everything handlers need; shared by all workers.
pub struct AppState {
    /// `Authorization: Bearer` to caller.
    pub authenticate: Authenticate,
    /// `POST /auth/login`
    pub login: Login,
    /// `POST /auth/logout`
    pub logout: Logout,
    /// `POST /customers`, `POST /agents`
    pub create_account: CreateAccount,
    /// Bootstrap of the first admin.
    pub bootstrap_admin: BootstrapAdmin,
    /// `GET /categories`
    pub list_categories: ListCategories,
    /// `POST /categories`
    pub create_category: CreateCategory,
    /// `PATCH /categories/{slug}`
    pub update_category: UpdateCategory,
    /// `DELETE /categories/{slug}`
    pub delete_category: DeleteCategory,
    /// `POST /tickets`
    pub create_ticket: CreateTicket,
    /// `GET /tickets/{id}`
    pub get_ticket: GetTicket,
    /// `PATCH /tickets/{id}`
    pub update_ticket: UpdateTicket,
    /// `POST /tickets/{id}/transitions`
    pub change_status: ChangeStatus,
    /// `POST /tickets/{id}/close`
    pub close_ticket: CloseTicket,
    /// `GET /tickets`
    pub search_tickets: SearchTickets,
    /// `GET /tickets/{id}/history`
    pub ticket_history: TicketHistory,
    /// `GET /tickets/{id}/sla`
    pub show_sla: ShowSla,
    /// Reads agent profiles.
    pub get_agent: GetAgent,
    /// Agents set their availability.
    pub set_availability: SetAvailability,
    /// Admins configure agents.
    pub update_agent: UpdateAgent,
    /// Gives tickets to agents, or transfers them.
    pub assign_ticket: AssignTicket,
    /// Sends tickets back to the queue.
    pub unassign_ticket: UnassignTicket,
    /// `GET /tickets/{id}/assignments`
    pub ticket_assignments: TicketAssignments,
    /// `GET /agents/workload`
    pub workload: Workload,
    /// `POST /tickets/{id}/escalations`
    pub escalate_ticket: EscalateTicket,
    /// `GET /tickets/{id}/escalations`
    pub ticket_escalations: TicketEscalations,
    /// `/escalation-rules`
    pub escalation_rules: ManageRules,
    /// `GET /notifications`.
    pub list_notifications: ListNotifications,
    /// `POST /notifications/{id}/retry`.
    pub retry_notification: RetryNotification,
    /// `GET`/`PUT /me/contact`.
    pub my_contact: MyContact,
    /// The ticket use cases' ports, for the worker loops when they run in-process.
    pub ticket_ports: TicketPorts,
    /// `POST /tickets/{id}/comments`, `POST /tickets/{id}/attachments`
    pub add_comment: AddComment,
    /// `GET /tickets/{id}/comments`
    pub list_comments: ListComments,
    /// `GET /tickets/{id}/attachments`
    pub list_attachments: ListAttachments,
    /// `GET /attachments/{id}`
    pub download_attachment: DownloadAttachment,
    /// Limits of multipart uploads, enforced while the body streams in.
    pub upload_limits: UploadLimits,
    /// `POST /sla/preview`
    pub preview_due_date: PreviewDueDate,
    /// `GET /sla/calendars`
    pub list_calendars: ListCalendars,
    /// `POST /sla/calendars`
    pub create_calendar: CreateCalendar,
    /// `PATCH /sla/calendars/{id}`
    pub update_calendar: UpdateCalendar,
    /// `DELETE /sla/calendars/{id}`
    pub delete_calendar: DeleteCalendar,
    /// `GET /sla/policies`
    pub list_policies: ListPolicies,
    /// `POST /sla/policies`
    pub create_policy: CreatePolicy,
    /// `PATCH /sla/policies/{id}`
    pub update_policy: UpdatePolicy,
    /// `DELETE /sla/policies/{id}`
    pub delete_policy: DeletePolicy,
    /// For `/readyz`.
    pub db: Database,
    /// For `/metrics`.
    pub metrics: Arc<Metrics>,
}

/// How the state is built.
pub struct Wiring {
    /// The database.
    pub db: Database,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Token issuing.
    pub tokens: Arc<dyn TokenIssuer>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Token lifetime in seconds.
    pub token_ttl_seconds: i64,
    /// Whether anonymous callers may sign up as customers.
    pub self_registration: bool,
    /// Failed-login throttling.
    pub login_throttle: Arc<LoginThrottle>,
    /// Where attachment bytes live.
    pub blobs: Arc<dyn BlobStore>,
    /// What uploads must meet.
    pub attachment_rules: AttachmentRules,
    /// The largest upload request, in bytes.
    pub max_request_bytes: u64,
    /// Time zones and holiday rules.
    pub calendars: Arc<dyn CalendarSupport>,
    /// The configuration (routing of tickets to agents).
    pub settings: Settings,
}

impl AppState {
    /// Wires every use case to the adapters.
    pub fn new(w: Wiring) -> Self {
        let db = Arc::new(w.db.clone());
        let ports = ticket_ports(&w.db, w.clock.clone(), w.calendars.clone(), &w.settings);
        let conversation = CommentPorts {
            tickets: ports.clone(),
            comments: db.clone(),
            blobs: w.blobs.clone(),
            intents: db.clone(),
        };
        let upload_limits = UploadLimits {
            max_file_bytes: w.attachment_rules.max_file_bytes,
            max_request_bytes: w.max_request_bytes,
            max_files: w.attachment_rules.max_files,
        };
        let calendar_ports = CalendarPorts {
            calendars: db.clone(),
            support: w.calendars.clone(),
            clock: w.clock.clone(),
        };
        let policy_ports = PolicyPorts {
            policies: db.clone(),
            calendars: db.clone(),
            categories: db.clone(),
            clock: w.clock.clone(),
        };
        let agent_ports = AgentPorts {
            agents: db.clone(),
            users: db.clone(),
            clock: w.clock.clone(),
        };
        let create_account = CreateAccount::new(db.clone(), w.hasher.clone(), w.clock.clone(), w.self_registration);
        Self {
            authenticate: Authenticate::new(db.clone(), w.tokens.clone(), w.clock.clone()),
            login: Login::new(
                db.clone(),
                db.clone(),
                w.hasher.clone(),
                w.tokens.clone(),
                w.clock.clone(),
                w.token_ttl_seconds,
                w.login_throttle.clone(),
            ),
            logout: Logout::new(db.clone(), w.tokens.clone(), w.clock.clone()),
            bootstrap_admin: BootstrapAdmin::new(create_account.clone()),
            create_account,
            list_categories: ListCategories::new(db.clone()),
            create_category: CreateCategory::new(db.clone(), w.clock.clone()),
            update_category: UpdateCategory::new(db.clone(), w.clock.clone()),
            delete_category: DeleteCategory::new(db.clone()),
            create_ticket: CreateTicket::new(ports.clone()),
            get_ticket: GetTicket::new(ports.clone()),
            update_ticket: UpdateTicket::new(ports.clone()),
            change_status: ChangeStatus::new(ports.clone()),
            close_ticket: CloseTicket::new(ports.clone()),
            search_tickets: SearchTickets::new(ports.clone()),
            show_sla: ShowSla::new(ports.clone()),
            get_agent: GetAgent::new(agent_ports.clone()),
            set_availability: SetAvailability::new(agent_ports.clone()),
            update_agent: UpdateAgent::new(agent_ports),
            assign_ticket: AssignTicket::new(ports.clone()),
            unassign_ticket: UnassignTicket::new(ports.clone()),
            ticket_history: TicketHistory::new(ports.clone()),
            ticket_assignments: TicketAssignments::new(ports.clone()),
            workload: Workload::new(db.clone(), db.clone(), w.clock.clone(), w.settings.load_weights()),
            escalate_ticket: EscalateTicket::new(ports.clone()),
            ticket_escalations: TicketEscalations::new(ports.clone()),
            escalation_rules: ManageRules::new(RulePorts {
                rules: db.clone(),
                categories: db.clone(),
                users: db.clone(),
                clock: w.clock.clone(),
                checks: db.clone(),
            }),
            list_notifications: ListNotifications::new(db.clone()),
            retry_notification: RetryNotification::new(db.clone(), w.clock.clone()),
            my_contact: MyContact::new(db.clone()),
            ticket_ports: ports,
            add_comment: AddComment::new(conversation.clone(), w.attachment_rules),
            list_comments: ListComments::new(conversation.clone()),
            list_attachments: ListAttachments::new(conversation.clone()),
            download_attachment: DownloadAttachment::new(conversation),
            upload_limits,
            preview_due_date: PreviewDueDate::new(w.calendars.clone(), db.clone()),
            list_calendars: ListCalendars::new(calendar_ports.clone()),
            create_calendar: CreateCalendar::new(calendar_ports.clone()),
            update_calendar: UpdateCalendar::new(calendar_ports.clone()),
            delete_calendar: DeleteCalendar::new(calendar_ports),
            list_policies: ListPolicies::new(policy_ports.clone()),
            create_policy: CreatePolicy::new(policy_ports.clone()),
            update_policy: UpdatePolicy::new(policy_ports.clone()),
            delete_policy: DeletePolicy::new(policy_ports),
            db: w.db,
            metrics: Arc::new(Metrics::default()),
        }
    }
}
