//! `ticket-api`'s composition root: from the settings, the opened database and the blob
//! store, the shared [`Context`] each resource builds its use cases from
//! ([`crate::resources::Resources`]), the [`Edge`] the extractors need, and what the
//! `create-admin` command and the start-up bootstrap need.

use std::sync::Arc;

use actix_web::web;
use adapters_db::Database;
use adapters_security::{Argon2Hasher, RandomTokens};
use application::accounts::{BootstrapAdmin, CreateAccount, ListUsers, SetPassword, UpdateUser};
use application::auth::{Authenticate, Login};
use application::comments::AttachmentRules;
use application::ports::{BlobStore, CalendarSupport, Clock, PasswordHasher, TokenIssuer};
use application::tickets::TicketPorts;
use platform::Settings;
use platform::adapters::ticket_ports;

use crate::metrics::Metrics;
use crate::openapi;
use crate::resources::Resources;

/// The ports and settings-derived values every resource builds its use cases from.
pub struct Context {
    /// The configuration.
    pub settings: Settings,
    /// The database, as each of its ports (and for `/readyz`).
    pub db: Arc<Database>,
    /// The ports of the ticket use cases, with the configured routing.
    pub tickets: TicketPorts,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Token issuing.
    pub tokens: Arc<dyn TokenIssuer>,
    /// Logging in, throttled with counters in the database; one for the process, so its
    /// counters reach `/metrics`.
    pub login: Login,
    /// Where attachment bytes live.
    pub blobs: Arc<dyn BlobStore>,
    /// Time zones and holiday rules.
    pub calendars: Arc<dyn CalendarSupport>,
    /// What uploads must meet.
    pub attachment_rules: AttachmentRules,
    /// The request metrics, for `/metrics` and the middleware recording them.
    pub metrics: Arc<Metrics>,
}

impl Context {
    /// Opens the settings-derived parts over `db` and `blobs`.
    pub fn new(settings: &Settings, db: Database, blobs: Arc<dyn BlobStore>) -> Result<Self, String> {
        let attachment_rules = settings.attachment_rules()?;
        let clock: Arc<dyn Clock> = crate::clock::api_clock();
        let calendars: Arc<dyn CalendarSupport> = Arc::new(adapters_calendar::IanaCalendars);
        let db = Arc::new(db);
        let hasher: Arc<dyn PasswordHasher> = Arc::new(Argon2Hasher::new()?);
        let tokens: Arc<dyn TokenIssuer> = Arc::new(RandomTokens);
        let login = Login::new(
            db.clone(),
            db.clone(),
            hasher.clone(),
            tokens.clone(),
            clock.clone(),
            settings.auth.token_ttl_minutes * 60,
            db.clone(),
            settings.throttle_policy(),
        );
        let metrics = Arc::new(Metrics::default());
        metrics.count_logins(login.counters());
        Ok(Self {
            tickets: ticket_ports(&db, clock.clone(), calendars.clone(), settings),
            db,
            clock,
            hasher,
            tokens,
            login,
            blobs,
            calendars,
            attachment_rules,
            metrics,
            settings: settings.clone(),
        })
    }

    /// Account creation by staff and the bootstrap.
    pub fn create_account(&self) -> CreateAccount {
        CreateAccount::new(self.db.clone(), self.hasher.clone(), self.clock.clone())
    }
}

/// What the edge itself needs whatever the resource: the authentication behind the
/// [`crate::extract::Authenticated`] extractors.
pub struct Edge {
    /// `Authorization: Bearer` to caller.
    pub authenticate: Authenticate,
    /// The proxies whose `X-Forwarded-For` names the client ([`crate::extract::ClientAddr`]).
    pub proxies: platform::proxies::TrustedProxies,
}

/// Everything the HTTP server shares between its worker threads, built once.
#[derive(Clone)]
pub struct Api {
    /// The extractors' state.
    pub edge: web::Data<Edge>,
    /// Each resource's use cases.
    pub resources: Resources,
    /// The OpenAPI document.
    pub openapi: web::Data<utoipa::openapi::OpenApi>,
    /// The request metrics.
    pub metrics: Arc<Metrics>,
}

/// What the binary runs with: the API, the bootstrap of the first admin and the
/// operator's account commands.
pub struct Composed {
    /// The HTTP API's state.
    pub api: Api,
    /// Creates the first admin (`create-admin`, start-up bootstrap).
    pub bootstrap_admin: BootstrapAdmin,
    /// The account commands of `ticket-api user …`.
    pub operator: Operator,
}

/// The use cases the operator's `ticket-api user …` subcommands call: the same as the
/// API's, acting as the operator (recorded as the system).
pub struct Operator {
    /// `user list`
    pub list_users: ListUsers,
    /// `user deactivate`
    pub update_user: UpdateUser,
    /// `user set-password`
    pub set_password: SetPassword,
}

/// Builds everything `ticket-api` needs from the settings, the database and the blob store.
pub fn compose(settings: &Settings, db: Database, blobs: Arc<dyn BlobStore>) -> Result<Composed, String> {
    let ctx = Context::new(settings, db, blobs)?;
    let edge = Edge {
        authenticate: Authenticate::new(ctx.db.clone(), ctx.tokens.clone(), ctx.clock.clone()),
        proxies: settings.trusted_proxies(),
    };
    Ok(Composed {
        bootstrap_admin: BootstrapAdmin::new(ctx.create_account()),
        operator: Operator {
            list_users: ListUsers::new(ctx.db.clone()),
            update_user: UpdateUser::new(ctx.tickets.clone()),
            set_password: SetPassword::new(ctx.db.clone(), ctx.db.clone(), ctx.hasher.clone(), ctx.clock.clone()),
        },
        api: Api {
            edge: web::Data::new(edge),
            resources: Resources::new(&ctx),
            openapi: web::Data::new(openapi::document()),
            metrics: ctx.metrics.clone(),
        },
    })
}
