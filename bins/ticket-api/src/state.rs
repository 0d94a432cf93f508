//! The use cases a request may call, wired to the adapters.

use std::sync::Arc;

use adapters_db::Database;
use application::accounts::{BootstrapAdmin, CreateAccount};
use application::auth::{Authenticate, Login, LoginThrottle, Logout};
use application::categories::{CreateCategory, DeleteCategory, ListCategories, UpdateCategory};
use application::ports::{Clock, PasswordHasher, TokenIssuer};
use application::tickets::{
    ChangeStatus, CloseTicket, CreateTicket, GetTicket, SearchTickets, TicketHistory, TicketPorts, UpdateTicket,
};

use crate::metrics::Metrics;

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
}

impl AppState {
    /// Wires every use case to the adapters.
    pub fn new(w: Wiring) -> Self {
        let db = Arc::new(w.db.clone());
        let ports = TicketPorts {
            tickets: db.clone(),
            uow: db.clone(),
            users: db.clone(),
            categories: db.clone(),
            idempotency: db.clone(),
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
            ticket_history: TicketHistory::new(ports),
            db: w.db,
            metrics: Arc::new(Metrics::default()),
        }
    }
}
