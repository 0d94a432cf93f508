//! The repository contract: cases every store must pass, written against the ports, so
//! the in-memory [`Fake`](super::Fake) and the databases (SQLite, PostgreSQL) cannot
//! drift apart. `adapters-db`'s contract test runs them on both databases and this
//! crate's tests on the fakes; [`contract_cases!`](crate::contract_cases) names them all,
//! so a case added here runs on the three.
//!
//! Cases about the databases themselves stay in `adapters-db` only: migrations reverted
//! and re-applied, races between connections
//! (`concurrent_*`, ids for parallel callers, a raced firing), full-text search with
//! stemming and stopwords (the fakes match whole words only), SLA calendars and the
//! policies naming them (the fakes mock calendars), and the SLA use cases run on a
//! database's calendars.

use std::sync::Arc;

use domain::{
    Actor, Attachment, CategorySlug, Comment, CommentBody, Description, DisplayName, Email, FileName, MediaType,
    NewTicket, Priority, Role, Subject, Tags, Ticket, TicketEvent, TicketId, Timestamp, UserId, Visibility,
};

use crate::ports::{
    AgentRepository, AttemptStore, Category, CategoryRepository, ChangeSet, CommentRepository, ConversationQuery,
    EscalationChecks, EscalationRuleRepository, IdempotencyRepository, NewAccount, NotificationRepository,
    OutboxRepository, SessionRepository, SlaPolicyRepository, SlaTargetRepository, StoreError, TicketFilter,
    TicketQuery, TicketRepository, TicketSort, UnitOfWork, UploadIntents, UserAccount, UserRepository, Write,
};

mod accounts;
mod attempts;
mod comments;
mod content;
mod escalation;
mod reports;
mod retention;
mod routing;
mod search;
mod sla;
mod surveys;
mod tickets;

pub use accounts::*;
pub use attempts::*;
pub use comments::*;
pub use content::*;
pub use escalation::*;
pub use reports::*;
pub use retention::*;
pub use routing::*;
pub use search::*;
pub use sla::*;
pub use surveys::*;
pub use tickets::*;

/// The ports of one store, as the contract cases use them.
#[derive(Clone)]
pub struct Store {
    /// Tickets and their history.
    pub tickets: Arc<dyn TicketRepository>,
    /// Commits change sets.
    pub uow: Arc<dyn UnitOfWork>,
    /// User accounts.
    pub users: Arc<dyn UserRepository>,
    /// Login sessions.
    pub sessions: Arc<dyn SessionRepository>,
    /// Categories.
    pub categories: Arc<dyn CategoryRepository>,
    /// Remembered idempotency keys.
    pub idempotency: Arc<dyn IdempotencyRepository>,
    /// Comments and attachments.
    pub comments: Arc<dyn CommentRepository>,
    /// Upload intents.
    pub intents: Arc<dyn UploadIntents>,
    /// SLA policies.
    pub policies: Arc<dyn SlaPolicyRepository>,
    /// Tickets' SLA targets.
    pub targets: Arc<dyn SlaTargetRepository>,
    /// Agent profiles.
    pub agents: Arc<dyn AgentRepository>,
    /// Escalation rules.
    pub rules: Arc<dyn EscalationRuleRepository>,
    /// The escalation loop's schedule.
    pub checks: Arc<dyn EscalationChecks>,
    /// The outbox.
    pub outbox: Arc<dyn OutboxRepository>,
    /// Notifications.
    pub notifications: Arc<dyn NotificationRepository>,
    /// Login and sign-up attempt counters.
    pub attempts: Arc<dyn AttemptStore>,
    /// Password reset tokens.
    pub resets: Arc<dyn crate::ports::PasswordResets>,
    /// The reports' aggregates.
    pub reports: Arc<dyn crate::ports::ReportRepository>,
    /// Satisfaction surveys.
    pub surveys: Arc<dyn crate::ports::SurveyRepository>,
}

impl Store {
    /// Every port on `store`.
    pub fn of<S>(store: S) -> Self
    where
        S: TicketRepository
            + UnitOfWork
            + UserRepository
            + SessionRepository
            + CategoryRepository
            + IdempotencyRepository
            + CommentRepository
            + UploadIntents
            + SlaPolicyRepository
            + SlaTargetRepository
            + AgentRepository
            + EscalationRuleRepository
            + EscalationChecks
            + OutboxRepository
            + NotificationRepository
            + AttemptStore
            + crate::ports::PasswordResets
            + crate::ports::ReportRepository
            + crate::ports::SurveyRepository
            + 'static,
    {
        let s = Arc::new(store);
        Self {
            tickets: s.clone(),
            uow: s.clone(),
            users: s.clone(),
            sessions: s.clone(),
            categories: s.clone(),
            idempotency: s.clone(),
            comments: s.clone(),
            intents: s.clone(),
            policies: s.clone(),
            targets: s.clone(),
            agents: s.clone(),
            rules: s.clone(),
            checks: s.clone(),
            outbox: s.clone(),
            notifications: s.clone(),
            attempts: s.clone(),
            resets: s.clone(),
            reports: s.clone(),
            surveys: s,
        }
    }

    /// How many outbox events are not processed yet.
    pub async fn pending_outbox_events(&self) -> Result<i64, StoreError> {
        self.outbox.pending_events().await
    }
}

/// Calls the macro `$m!` with the name of every case of the contract, comma-separated,
/// so that each backend instantiates all of them.
#[macro_export]
macro_rules! contract_cases {
    ($m:ident) => {
        $m!(
            accounts_have_unique_emails,
            sessions_expire_and_are_revocable,
            categories_in_use_cannot_be_deleted,
            a_command_writes_state_history_and_outbox_together,
            the_opening_read_sees_every_reference_change,
            a_stale_version_writes_nothing,
            a_failing_write_rolls_back_the_whole_change_set,
            a_remembered_idempotency_key_refuses_the_second_commit,
            lists_filter_by_every_field,
            keyset_pages_cover_every_ticket_once_in_every_order,
            search_agrees_with_a_plain_scan,
            comments_are_counted_and_listed_by_visibility,
            comment_and_attachment_ids_are_unique_and_increasing,
            a_comment_on_a_closed_ticket_writes_nothing,
            a_failing_attachment_rolls_back_the_comment,
            upload_intents_are_recorded_claimed_and_found_when_stale,
            sla_targets_are_saved_under_a_revision_and_leased_by_their_next_deadline,
            sla_filters_and_due_order_agree_with_the_targets,
            commit_each_rolls_back_only_the_change_set_that_fails,
            agent_profiles_round_trip_and_refuse_unknown_categories,
            escalation_rules_round_trip_with_unique_names,
            escalation_checks_follow_ticket_writes_and_schedules,
            notifications_are_queued_once_leased_and_settled_by_their_holder,
            outbox_events_are_leased_planned_and_given_back,
            online_agents_queue_and_workload_read_what_was_written,
            a_batch_of_assignments_commits_each_as_one_assignment_would,
            attempt_counters_reserve_refuse_settle_and_expire,
            ended_sessions_are_purged_in_batches,
            idempotency_keys_past_the_window_are_purged_in_batches,
            processed_outbox_events_are_purged_in_batches,
            finished_notifications_are_purged_by_status_in_batches,
            sessions_are_revoked_together_and_passwords_replaced,
            a_deactivated_agent_takes_no_ticket_even_forced,
            accounts_are_changed_and_the_last_admin_kept,
            users_are_listed_by_role_state_and_text_newest_first,
            the_roster_lists_active_agents_with_profiles_and_loads,
            redaction_clears_text_files_search_and_quoting_notifications,
            content_removal_withdraws_the_leases_of_its_tickets_events,
            erasure_replaces_the_identity_and_anonymises_tickets,
            password_reset_tokens_are_used_once_expire_and_are_purged,
            reports_aggregate_tickets_history_and_sla_targets,
            reports_count_survey_answers_on_the_day_first_given,
            surveys_are_stored_found_by_token_and_latest_round,
            a_survey_round_and_a_token_hash_are_stored_once,
            a_survey_is_answered_once_and_changed_under_its_guard,
            erasure_clears_the_customers_survey_comments,
            a_recheck_makes_the_ticket_due_for_the_escalation_loop,
            a_newer_round_cancels_the_tickets_pending_invitations,
        );
    };
}

/// The instant the cases' [`at`] counts from.
pub const T0: i64 = 1_800_000_000;

/// `seconds` after [`T0`].
pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0 + seconds)
}

/// Stores an account (display name "Someone", a fake password hash).
pub async fn account(s: &Store, email: &str, role: Role) -> UserAccount {
    s.users
        .insert(NewAccount {
            email: Email::parse(email).expect("valid"),
            display_name: DisplayName::parse("Someone").expect("valid"),
            role,
            password_hash: "$argon2id$fake".into(),
            created_at: at(0),
        })
        .await
        .expect("inserts account")
}

/// Stores an active category named after its slug.
pub async fn category(s: &Store, slug: &str) {
    s.categories
        .insert(Category {
            slug: CategorySlug::parse(slug).expect("valid"),
            name: slug.into(),
            description: String::new(),
            active: true,
            created_at: at(0),
            updated_at: at(0),
        })
        .await
        .expect("inserts category");
}

/// The accounts most cases start from.
pub struct World {
    /// A customer.
    pub customer: UserAccount,
    /// Another customer.
    pub other: UserAccount,
    /// An agent.
    pub agent: UserAccount,
}

/// Stores the categories `billing` and `hardware` and the [`World`]'s accounts.
pub async fn world(s: &Store) -> World {
    category(s, "billing").await;
    category(s, "hardware").await;
    World {
        customer: account(s, "cu@example.com", Role::Customer).await,
        other: account(s, "other@example.com", Role::Customer).await,
        agent: account(s, "agent@example.com", Role::Agent).await,
    }
}

/// A ticket to open (see [`spec`] for the usual one).
pub struct Spec<'a> {
    /// Whose ticket.
    pub customer: UserId,
    /// Its subject.
    pub subject: &'a str,
    /// Its description.
    pub description: &'a str,
    /// Its priority.
    pub priority: Priority,
    /// Its category's slug.
    pub category: &'a str,
    /// Its tags.
    pub tags: &'a [&'a str],
    /// When it is opened.
    pub at: Timestamp,
}

/// The change set of one accepted command on `before`.
pub fn update_of(before: &Ticket, after: Ticket, event: TicketEvent) -> ChangeSet {
    let mut changes = ChangeSet::default();
    changes
        .push(Write::UpdateTicket {
            ticket: after,
            expected: before.version(),
        })
        .push(Write::Record(event));
    changes
}

/// Opens a ticket as the application does: the ticket and its event in one change set.
pub async fn open(s: &Store, spec: Spec<'_>) -> Ticket {
    let id = s.tickets.next_id().await.expect("allocates id");
    let new = NewTicket {
        id,
        customer_id: spec.customer,
        subject: Subject::parse(spec.subject).expect("valid"),
        description: Description::parse(spec.description).expect("valid"),
        priority: spec.priority,
        category: CategorySlug::parse(spec.category).expect("valid"),
        tags: Tags::parse(spec.tags).expect("valid"),
    };
    let actor = Actor::new(spec.customer, Role::Customer);
    let (ticket, event) = Ticket::open(new, actor, spec.at).expect("opens");
    let mut changes = ChangeSet::default();
    changes
        .push(Write::InsertTicket(ticket.clone()))
        .push(Write::Record(event));
    s.uow.commit(changes).await.expect("commits");
    ticket
}

/// A normal-priority `billing` ticket of `customer`, opened `seconds` after [`T0`].
pub fn spec(customer: UserId, subject: &str, seconds: i64) -> Spec<'_> {
    Spec {
        customer,
        subject,
        description: "Something is wrong",
        priority: Priority::Normal,
        category: "billing",
        tags: &[],
        at: at(seconds),
    }
}

/// The ids of the tickets `filter` lists, oldest first.
pub async fn ids(s: &Store, filter: TicketFilter) -> Vec<i64> {
    let query = TicketQuery {
        filter,
        sort: TicketSort::CreatedAsc,
        limit: 100,
        after: None,
    };
    s.tickets
        .list(&query)
        .await
        .expect("lists")
        .items
        .iter()
        .map(|t| t.id().get())
        .collect()
}

/// The bytes the attachments stand for.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// Adds a comment as the application does: the ticket's change (public only), the
/// comment, its files' records and its events in one change set.
pub async fn comment_on(
    s: &Store,
    ticket: TicketId,
    actor: Actor,
    visibility: Visibility,
    body: &str,
    files: &[&str],
    seconds: i64,
) -> Result<(Ticket, Comment, Vec<Attachment>), StoreError> {
    let mut t = s.tickets.get(ticket).await.expect("reads").expect("exists");
    let before = t.version();
    let id = s.comments.next_comment_id().await.expect("allocates");
    let ids = s
        .comments
        .next_attachment_ids(files.len() as u32)
        .await
        .expect("allocates");
    let body = CommentBody::parse(body).ok();
    let (comment, events) = t
        .add_comment(id, body, visibility, files.len() as u32, actor, at(seconds))
        .expect("accepted");
    let attachments: Vec<Attachment> = ids
        .into_iter()
        .zip(files)
        .map(|(aid, name)| Attachment {
            id: aid,
            ticket_id: ticket,
            comment_id: id,
            uploaded_by: actor.user_id,
            visibility,
            file_name: FileName::sanitize(name),
            media_type: MediaType::parse("image/png").expect("valid"),
            size_bytes: PNG.len() as u64,
            sha256: "00".repeat(32),
            blob_key: Attachment::blob_key_for(ticket, aid),
            created_at: at(seconds),
        })
        .collect();
    let keys: Vec<String> = attachments.iter().map(|a| a.blob_key.clone()).collect();
    s.intents.record(&keys, at(seconds)).await.expect("records intents");
    let mut changes = ChangeSet::default();
    if visibility == Visibility::Public {
        changes.push(Write::UpdateTicket {
            ticket: t.clone(),
            expected: before,
        });
    }
    changes.push(Write::InsertComment(comment.clone()));
    for a in &attachments {
        changes.push(Write::InsertAttachment(a.clone()));
    }
    for e in events {
        changes.push(Write::Record(e));
    }
    s.uow.commit(changes).await?;
    Ok((t, comment, attachments))
}

/// A conversation page request.
pub fn conversation<C>(ticket: TicketId, include_internal: bool, after: Option<C>, limit: u32) -> ConversationQuery<C> {
    ConversationQuery {
        ticket_id: ticket,
        include_internal,
        after,
        limit,
    }
}

#[cfg(test)]
mod on_fakes {
    use super::Store;
    use crate::testing::Fake;

    macro_rules! on_fakes {
        ($($case:ident),* $(,)?) => {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(&Store::from(Fake::default())).await;
                }
            )*
        };
    }

    crate::contract_cases!(on_fakes);
}
