//! The repository contract: the same cases on SQLite (always) and PostgreSQL (when
//! `TEST_DATABASE_URL` is set; required under CI).

use std::sync::Arc;

use adapters_db::{Database, PoolOptions, testing};
use application::ports::*;
use application::testing::contract::{self as shared, Store};
use domain::*;

/// A migrated database of one backend, removed when the case finishes.
struct TestDb {
    db: Database,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Schema { base: String, schema: String },
}

impl TestDb {
    async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", testing::unique_name("contract")));
        let db = Database::connect(&format!("sqlite://{}", path.display()), &PoolOptions::default())
            .await
            .expect("opens sqlite");
        db.migrate().await.expect("migrates");
        Self {
            db,
            cleanup: Cleanup::File(path),
        }
    }

    async fn postgres() -> Option<Self> {
        let base = testing::postgres_base_url()?;
        let (url, schema) = testing::create_postgres_schema(&base).await.expect("creates schema");
        let db = Database::connect(&url, &PoolOptions::default())
            .await
            .expect("opens postgres");
        db.migrate().await.expect("migrates");
        Some(Self {
            db,
            cleanup: Cleanup::Schema { base, schema },
        })
    }

    fn db(&self) -> &Database {
        &self.db
    }

    /// Every port on this database, as the shared contract cases take them.
    fn store(&self) -> Store {
        cases::store(&self.db)
    }

    /// As `store`, with every search walking its order's index instead of reading its
    /// few matches by id (the plan for many matches, checked on small data).
    fn walking_store(&self) -> Store {
        cases::store(&self.db.clone().with_search_id_limit(0))
    }

    async fn finish(self) {
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema { base, schema } => {
                drop(self.db);
                let _ = testing::drop_postgres_schema(&base, &schema).await;
            }
        }
    }
}

/// Instantiates `$case`s of crate-level module `$cases` in module `$group` on both backends
/// (`$group::sqlite::*`, `$group::postgres::*`), each case taking `&t.$arg()`.
macro_rules! contract {
    ($group:ident: $cases:ident with $arg:ident; $($case:ident),* $(,)?) => {
        mod $group {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        let t = crate::TestDb::sqlite().await;
                        crate::$cases::$case(&t.$arg()).await;
                        t.finish().await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        let Some(t) = crate::TestDb::postgres().await else { return };
                        crate::$cases::$case(&t.$arg()).await;
                        t.finish().await;
                    }
                )*
            }
        }
    };
}

/// The shared repository contract (`application::testing::contract`), which the
/// in-memory fakes pass too.
macro_rules! shared_contract {
    ($($case:ident),* $(,)?) => {
        contract!(shared_cases: shared with store; $($case),*);
    };
}

application::contract_cases!(shared_contract);

// The search case once more with the other of the two plans (ADR 0021).
contract!(search_walk: shared with walking_store; search_agrees_with_a_plain_scan);

// Cases about the databases themselves, here only: migrations reverted and re-applied
// (also `revert_last` under data written before), races
// between connections (`concurrent_*`, ids for parallel callers, a firing raced), full-text
// search with stemming, SLA calendars and the policies that name them (the fakes mock
// calendars), and the SLA clocks through the use cases with the database's calendars.
contract!(
    database_only: cases with db;
    migrations_revert_and_reapply,
    ticket_ids_are_unique_and_increasing,
    full_text_search_matches_words_and_stems,
    concurrent_commits_on_one_version_let_exactly_one_win,
    full_text_search_reaches_comments_but_internal_notes_only_for_staff,
    concurrent_comments_and_notes_are_all_counted,
    sla_calendars_round_trip_with_unique_names,
    sla_policies_round_trip_and_reference_what_exists,
    the_opening_read_follows_changes_made_by_another_process,
    sla_clocks_follow_the_use_cases_with_an_injected_clock,
    concurrent_monitors_record_each_crossing_once,
    concurrent_assignments_never_overfill_an_agent,
    concurrent_batches_never_overfill_an_agent_nor_deadlock,
    assignment_entries_written_as_public_before_become_internal,
    an_escalation_fires_once_per_trigger_even_when_raced,
    concurrent_login_reservations_never_exceed_the_limit,
    sign_ups_wait_for_verification_and_keep_each_sign_ups_password,
    concurrent_demotions_never_leave_no_admin,
    concurrent_uses_of_a_reset_link_let_exactly_one_win,
    status_spans_rebuilt_from_history_give_the_same_reports,
);

#[test]
fn both_backends_embed_the_same_migrations() {
    let (postgres, sqlite) = Database::embedded_versions();
    assert!(!postgres.is_empty());
    assert_eq!(postgres, sqlite);
}

mod cases {
    use super::*;
    pub use application::testing::contract::{
        Spec, World, assignment, at, conversation, queued_assignment, save, spec, terms, update_of,
    };

    /// Every port on `db`.
    pub fn store(db: &Database) -> Store {
        Store::of(db.clone())
    }

    async fn world(db: &Database) -> World {
        shared::world(&store(db)).await
    }

    async fn account(db: &Database, email: &str, role: Role) -> UserAccount {
        shared::account(&store(db), email, role).await
    }

    async fn open(db: &Database, spec: Spec<'_>) -> Ticket {
        shared::open(&store(db), spec).await
    }

    async fn ids(db: &Database, filter: TicketFilter) -> Vec<i64> {
        shared::ids(&store(db), filter).await
    }

    async fn sla_history(db: &Database, id: TicketId, include_internal: bool) -> Vec<&'static str> {
        shared::sla_history(&store(db), id, include_internal).await
    }

    async fn agent_profile(db: &Database, id: UserId, availability: domain::assignment::Availability, capacity: u32) {
        shared::agent_profile(&store(db), id, availability, capacity).await
    }

    async fn comment_on(
        db: &Database,
        ticket: TicketId,
        actor: Actor,
        visibility: Visibility,
        body: &str,
        files: &[&str],
        seconds: i64,
    ) -> Result<(Ticket, Comment, Vec<Attachment>), StoreError> {
        shared::comment_on(&store(db), ticket, actor, visibility, body, files, seconds).await
    }

    pub async fn migrations_revert_and_reapply(db: &Database) {
        db.revert_all().await.expect("reverts");
        let applied = db.migrate().await.expect("re-applies");
        assert_eq!(applied.len(), Database::embedded_versions().0.len());
        let w = world(db).await;
        open(db, spec(w.customer.id, "after re-apply", 1)).await;
        assert_eq!(db.pending_outbox_events().await.expect("counts"), 1);
    }

    pub async fn ticket_ids_are_unique_and_increasing(db: &Database) {
        let db = Arc::new(db.clone());
        let mut handles = Vec::new();
        for _ in 0..8 {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..10 {
                    ids.push(db.next_id().await.expect("allocates").get());
                }
                ids
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            let ids = h.await.expect("joins");
            assert!(
                ids.windows(2).all(|w| w[0] < w[1]),
                "increasing within one caller: {ids:?}"
            );
            all.extend(ids);
        }
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 80, "no id handed out twice");
    }

    pub async fn full_text_search_matches_words_and_stems(db: &Database) {
        let w = world(db).await;
        let printer = open(
            db,
            Spec {
                description: "The office printers keep jamming",
                ..spec(w.customer.id, "Printer broken", 1)
            },
        )
        .await;
        let invoice = open(
            db,
            Spec {
                description: "I was charged twice",
                ..spec(w.customer.id, "Invoice question", 2)
            },
        )
        .await;
        let search = |q: &str| TicketFilter {
            text: Some(q.into()),
            ..Default::default()
        };
        assert_eq!(ids(db, search("printer")).await, [printer.id().get()]);
        assert_eq!(
            ids(db, search("jammed printers")).await,
            [printer.id().get()],
            "stemmed, every word must match"
        );
        assert_eq!(ids(db, search("CHARGED")).await, [invoice.id().get()]);
        assert_eq!(ids(db, search("printer charged")).await, Vec::<i64>::new());
        for hostile in [
            r#"" OR 1=1 --"#,
            "NEAR(a b)",
            "*",
            "a:b",
            "'); DROP TABLE tickets; --",
            "\"unbalanced",
        ] {
            TicketRepository::list(
                db,
                &TicketQuery {
                    filter: search(hostile),
                    sort: TicketSort::CreatedAsc,
                    limit: 10,
                    after: None,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{hostile:?} must not fail the query: {e}"));
        }
        let mut edited = printer.clone();
        let update = TicketUpdate {
            subject: Some(Subject::parse("Scanner smoking").expect("valid")),
            ..Default::default()
        };
        let event = edited
            .update(update, Actor::new(w.agent.id, Role::Agent), at(3))
            .expect("edits")
            .expect("changed");
        db.commit(update_of(&printer, edited.clone(), event))
            .await
            .expect("commits");
        assert_eq!(
            ids(db, search("scanner")).await,
            [printer.id().get()],
            "the index follows edits"
        );
    }

    pub async fn concurrent_commits_on_one_version_let_exactly_one_win(db: &Database) {
        let w = world(db).await;
        let ticket = open(db, spec(w.customer.id, "raced", 1)).await;
        let mut handles = Vec::new();
        for i in 0..6 {
            let (db, base) = (db.clone(), ticket.clone());
            let agent = Actor::new(w.agent.id, Role::Agent);
            handles.push(tokio::spawn(async move {
                let mut changed = base.clone();
                let update = TicketUpdate {
                    subject: Some(Subject::parse(&format!("writer {i}")).expect("valid")),
                    ..Default::default()
                };
                let event = changed.update(update, agent, at(2)).expect("edits").expect("changed");
                let mut changes = ChangeSet::default();
                changes
                    .push(Write::UpdateTicket {
                        ticket: changed,
                        expected: base.version(),
                    })
                    .push(Write::Record(event));
                db.commit(changes).await
            }));
        }
        let mut wins = 0;
        for h in handles {
            match h.await.expect("joins") {
                Ok(()) => wins += 1,
                Err(StoreError::VersionConflict) => {}
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
        assert_eq!(wins, 1);
        assert_eq!(db.history(ticket.id(), true, None, 10).await.expect("reads").len(), 2);
        assert_eq!(
            TicketRepository::get(db, ticket.id())
                .await
                .expect("reads")
                .map(|t| t.version().get()),
            Some(2)
        );
    }

    pub async fn full_text_search_reaches_comments_but_internal_notes_only_for_staff(db: &Database) {
        let w = world(db).await;
        let ticket = open(db, spec(w.customer.id, "Printer broken", 1)).await;
        let other = open(db, spec(w.customer.id, "Invoice question", 2)).await;
        let customer = Actor::new(w.customer.id, Role::Customer);
        let agent = Actor::new(w.agent.id, Role::Agent);
        comment_on(
            db,
            ticket.id(),
            customer,
            Visibility::Public,
            "the toner cartridges leak",
            &[],
            3,
        )
        .await
        .expect("commits");
        comment_on(
            db,
            other.id(),
            agent,
            Visibility::Internal,
            "chargeback fraudster suspected",
            &[],
            4,
        )
        .await
        .expect("commits");
        let search = |q: &str, staff: bool| TicketFilter {
            text: Some(q.into()),
            text_in_internal_notes: staff,
            ..Default::default()
        };
        assert_eq!(ids(db, search("cartridge leaking", false)).await, [ticket.id().get()]);
        assert_eq!(ids(db, search("fraudster", false)).await, Vec::<i64>::new());
        assert_eq!(ids(db, search("fraudster", true)).await, [other.id().get()]);
        assert_eq!(
            ids(db, search("invoice", false)).await,
            [other.id().get()],
            "subjects still match"
        );
        assert_eq!(
            ids(db, search("printer", true)).await,
            [ticket.id().get()],
            "one match per ticket"
        );
    }

    pub async fn sign_ups_wait_for_verification_and_keep_each_sign_ups_password(db: &Database) {
        use application::ports::{Registrations, SignUpRecord, SignedUp};
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        let record = |token: &str, password: &str| SignUpRecord {
            account: NewAccount {
                email: Email::parse("grace@example.com").expect("valid"),
                display_name: DisplayName::parse("Grace").expect("valid"),
                role: Role::Customer,
                password_hash: password.into(),
                created_at: now,
            },
            token_hash: TokenHash(token.into()),
            expires_at: now.plus_seconds(3600),
            email: NewNotification {
                idempotency_key: format!("verify-email:{token}"),
                event_id: None,
                ticket_id: None,
                recipient_id: None,
                channel: domain::escalation::Channel::Email,
                address: "grace@example.com".into(),
                recipient_name: Some("Grace".into()),
                template: "verify_email".into(),
                context: Default::default(),
                at: now,
            },
        };
        let SignedUp::Created(id) = db.sign_up(record("t1", "first")).await.expect("signs up") else {
            panic!("a new address creates an account");
        };
        let (account, _) = db
            .find_credentials(&Email::parse("grace@example.com").expect("valid"))
            .await
            .expect("finds")
            .expect("stored");
        assert!(!account.active, "inactive until verified");
        assert_eq!(
            db.sign_up(record("t2", "second")).await.expect("signs up"),
            SignedUp::Pending(id)
        );
        let queued = db
            .list_notifications(None, None, 10)
            .await
            .expect("lists")
            .into_iter()
            .filter(|n| n.spec.recipient_id == Some(id) && n.spec.template == "verify_email")
            .count();
        assert_eq!(queued, 2, "one e-mail per sign-up, addressed to the account");
        assert_eq!(
            db.verify_email(&TokenHash("t2".into()), now.plus_seconds(3600))
                .await
                .expect("looks up"),
            None,
            "expired"
        );
        assert_eq!(
            db.verify_email(&TokenHash("nope".into()), now).await.expect("looks up"),
            None
        );
        let verified = db
            .verify_email(&TokenHash("t2".into()), now.plus_seconds(10))
            .await
            .expect("verifies")
            .expect("a live token");
        assert!(verified.active);
        let (_, hash) = db
            .find_credentials(&Email::parse("grace@example.com").expect("valid"))
            .await
            .expect("finds")
            .expect("stored");
        assert_eq!(hash, "second", "the password of the sign-up whose link was followed");
        assert_eq!(
            db.verify_email(&TokenHash("t1".into()), now.plus_seconds(10))
                .await
                .expect("looks up"),
            None,
            "every token of the account is spent"
        );
        assert_eq!(
            db.sign_up(record("t3", "third")).await.expect("signs up"),
            SignedUp::Exists(id),
            "a verified account is left alone"
        );
        let mut other = record("t4", "fourth");
        other.account.email = Email::parse("lin@example.com").expect("valid");
        other.email.idempotency_key = "verify-email:t4".into();
        assert!(matches!(
            db.sign_up(other).await.expect("signs up"),
            SignedUp::Created(_)
        ));
        assert_eq!(
            db.delete_expired_verifications(now.plus_seconds(3600))
                .await
                .expect("purges"),
            0,
            "not expired before its expiry"
        );
        assert_eq!(
            db.delete_expired_verifications(now.plus_seconds(3601))
                .await
                .expect("purges"),
            1
        );
        let (_, hash) = db
            .find_credentials(&Email::parse("grace@example.com").expect("valid"))
            .await
            .expect("finds")
            .expect("stored");
        assert_eq!(hash, "second");
    }

    pub async fn concurrent_login_reservations_never_exceed_the_limit(db: &Database) {
        use application::auth::{Admission, ClientKey, ThrottlePolicy};
        let policy = ThrottlePolicy {
            max_failures: 10,
            ..ThrottlePolicy::default()
        };
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    let ada = Email::parse("ada@example.com").expect("valid");
                    // Two clients, so the per-account-and-client rows of each are raced
                    // by 30 callers and the account's row by all 60.
                    let client = ClientKey::from_ip(format!("10.0.0.{}", i % 2).parse().expect("ip"));
                    loop {
                        match db.reserve(policy.login(&ada, &client), now).await {
                            Ok(a) => return a,
                            // SQLite may report a busy database under this many writers.
                            Err(StoreError::Unavailable(_)) => tokio::task::yield_now().await,
                            Err(e) => panic!("{e}"),
                        }
                    }
                })
            })
            .collect();
        let mut admitted = 0;
        for t in tasks {
            if t.await.expect("joins") == Admission::Admitted {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 20, "ten per client, however many raced");
    }

    pub async fn concurrent_uses_of_a_reset_link_let_exactly_one_win(db: &Database) {
        let user = account(db, "raced@example.com", Role::Customer).await;
        let at = |s: i64| Timestamp::from_unix_seconds(1_800_000_000 + s);
        db.issue_password_reset(NewPasswordReset {
            token_hash: TokenHash("raced".into()),
            user_id: user.id,
            created_at: at(0),
            expires_at: at(1800),
            email: NewNotification {
                idempotency_key: "password-reset:raced".into(),
                event_id: None,
                ticket_id: None,
                recipient_id: Some(user.id),
                channel: domain::escalation::Channel::Email,
                address: "raced@example.com".into(),
                recipient_name: None,
                template: "password_reset".into(),
                context: TemplateContext::new(),
                at: at(0),
            },
        })
        .await
        .expect("issues");
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    let mut changes = ChangeSet::default();
                    changes
                        .push(Write::ConsumePasswordReset {
                            token_hash: TokenHash("raced".into()),
                            user_id: user.id,
                            at: at(10),
                        })
                        .push(Write::SetPassword {
                            user_id: user.id,
                            password_hash: format!("$argon2id${i}"),
                        });
                    loop {
                        match db.commit(changes.clone()).await {
                            // SQLite may report a busy database under this many writers.
                            Err(StoreError::Unavailable(_)) => tokio::task::yield_now().await,
                            other => return other,
                        }
                    }
                })
            })
            .collect();
        let mut won = 0;
        for t in tasks {
            match t.await.expect("joins") {
                Ok(()) => won += 1,
                Err(StoreError::VersionConflict) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(won, 1, "a reset link is used once, however many raced");
    }

    pub async fn concurrent_comments_and_notes_are_all_counted(db: &Database) {
        let w = world(db).await;
        let ticket = open(db, spec(w.customer.id, "Busy", 1)).await;
        let customer = Actor::new(w.customer.id, Role::Customer);
        let agent = Actor::new(w.agent.id, Role::Agent);
        let mut tasks = Vec::new();
        for i in 0..16 {
            let db = db.clone();
            let id = ticket.id();
            let (actor, visibility) = if i % 2 == 0 {
                (agent, Visibility::Internal)
            } else {
                (customer, Visibility::Public)
            };
            tasks.push(tokio::spawn(async move {
                // Public comments are version-guarded: retry a lost race on fresh state,
                // as the use case does.
                for _ in 0..50 {
                    match comment_on(&db, id, actor, visibility, "busy", &[], 2).await {
                        Ok(_) => return true,
                        Err(StoreError::VersionConflict) => tokio::task::yield_now().await,
                        Err(e) => panic!("{e}"),
                    }
                }
                false
            }));
        }
        for task in tasks {
            assert!(task.await.expect("joins"), "a comment never got through");
        }
        let stored = TicketRepository::get(db, ticket.id())
            .await
            .expect("reads")
            .expect("exists");
        let p = stored.parts();
        assert_eq!((p.public_comment_count, p.internal_note_count), (8, 8));
        assert_eq!(p.version.get(), 9, "one version per public comment, none per note");
        let all = db
            .list_comments(conversation(ticket.id(), true, None, 100))
            .await
            .expect("lists");
        assert_eq!(all.items.len(), 16);
    }

    pub async fn sla_calendars_round_trip_with_unique_names(db: &Database) {
        use application::sla::CalendarSpec;
        let day = vec![
            ("09:00".to_owned(), "12:00".to_owned()),
            ("13:00".to_owned(), "17:00".to_owned()),
        ];
        let spec = CalendarSpec {
            time_zone: "Europe/Berlin".into(),
            weekly: vec![("fri".into(), day.clone()), ("mon".into(), day)],
            holidays: vec!["2026-12-25".into()],
            holiday_rules: vec![("FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO".into(), "2020-01-01".into())],
        };
        let calendar = StoredCalendar {
            id: 0,
            name: "Office".into(),
            spec: spec.clone(),
            created_at: at(0),
            updated_at: at(0),
        };
        let saved = db.insert_calendar(calendar.clone()).await.expect("inserts");
        assert!(saved.id > 0);
        assert_eq!(db.get_calendar(saved.id).await.expect("reads"), Some(saved.clone()));
        assert_eq!(
            db.insert_calendar(calendar.clone()).await,
            Err(StoreError::Duplicate("name"))
        );
        let other = db
            .insert_calendar(StoredCalendar {
                name: "24x7".into(),
                ..calendar
            })
            .await
            .expect("inserts");
        let names: Vec<String> = db
            .list_calendars()
            .await
            .expect("lists")
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["24x7", "Office"]);
        let renamed = StoredCalendar {
            name: "Office".into(),
            ..other.clone()
        };
        assert_eq!(db.update_calendar(renamed).await, Err(StoreError::Duplicate("name")));
        let changed = StoredCalendar {
            spec: CalendarSpec {
                holidays: vec![],
                ..spec
            },
            updated_at: at(5),
            ..saved.clone()
        };
        assert!(db.update_calendar(changed.clone()).await.expect("updates"));
        assert_eq!(db.get_calendar(saved.id).await.expect("reads"), Some(changed));
        assert!(db.delete_calendar(other.id).await.expect("deletes"));
        assert!(!db.delete_calendar(other.id).await.expect("deletes"));
        assert_eq!(db.get_calendar(other.id).await.expect("reads"), None);
    }

    /// What one process keeps of the reference data (`TicketRepository::opening`) follows
    /// every change another process commits to categories, calendars and policies.
    pub async fn the_opening_read_follows_changes_made_by_another_process(db: &Database) {
        use application::sla::CalendarSpec;
        let theirs = adapters_db::testing::another_process(db);
        let billing = CategorySlug::parse("billing").expect("valid");
        let opening = || async { db.opening(&billing).await.expect("reads") };
        assert_eq!(opening().await.category_active, None);
        shared::category(&store(&theirs), "billing").await;
        let first = opening().await;
        assert_eq!(first.category_active, Some(true), "a category another process created");
        assert!(first.reference.policies.is_empty() && first.reference.calendars.is_empty());

        let spec = |zone: &str| CalendarSpec {
            time_zone: zone.into(),
            weekly: vec![("mon".into(), vec![("09:00".to_owned(), "17:00".to_owned())])],
            holidays: vec![],
            holiday_rules: vec![],
        };
        let calendar = theirs
            .insert_calendar(StoredCalendar {
                id: 0,
                name: "Office".into(),
                spec: spec("Europe/Berlin"),
                created_at: at(0),
                updated_at: at(0),
            })
            .await
            .expect("inserts");
        let policy = theirs
            .insert_policy(
                domain::sla::SlaPolicy {
                    id: 0,
                    name: "Gold".into(),
                    priorities: Vec::new(),
                    category: Some(billing.clone()),
                    calendar_id: Some(calendar.id),
                    first_response_minutes: Some(60),
                    next_response_minutes: None,
                    resolution_minutes: None,
                    warning_percent: 80,
                    pause_statuses: Vec::new(),
                },
                at(1),
            )
            .await
            .expect("inserts");
        let second = opening().await;
        assert_eq!(second.reference.policies, vec![policy.clone()]);
        assert_eq!(second.reference.calendars, vec![calendar.clone()]);

        let moved = StoredCalendar {
            spec: spec("Europe/Lisbon"),
            updated_at: at(2),
            ..calendar.clone()
        };
        assert!(theirs.update_calendar(moved.clone()).await.expect("updates"));
        assert_eq!(opening().await.reference.calendars, vec![moved], "a calendar change");

        assert!(theirs.delete_policy(policy.id).await.expect("deletes"));
        assert!(theirs.delete_calendar(calendar.id).await.expect("deletes"));
        let last = opening().await;
        assert!(last.reference.policies.is_empty() && last.reference.calendars.is_empty());
        let closed = CategoryChanges {
            active: Some(false),
            ..CategoryChanges::default()
        };
        CategoryRepository::update(&theirs, &billing, closed, at(3))
            .await
            .expect("updates");
        assert_eq!(opening().await.category_active, Some(false), "a deactivation");
    }

    pub async fn sla_policies_round_trip_and_reference_what_exists(db: &Database) {
        use domain::sla::SlaPolicy;
        world(db).await;
        let calendar = db
            .insert_calendar(StoredCalendar {
                id: 0,
                name: "24x7".into(),
                spec: application::sla::CalendarSpec {
                    time_zone: "UTC".into(),
                    ..Default::default()
                },
                created_at: at(0),
                updated_at: at(0),
            })
            .await
            .expect("inserts");
        let policy = SlaPolicy {
            id: 0,
            name: "Urgent billing".into(),
            priorities: vec![Priority::High, Priority::Urgent],
            category: Some(CategorySlug::parse("billing").expect("valid")),
            calendar_id: Some(calendar.id),
            first_response_minutes: Some(30),
            next_response_minutes: None,
            resolution_minutes: Some(480),
            warning_percent: 75,
            pause_statuses: vec![TicketStatus::WaitingCustomer, TicketStatus::Assigned],
        };
        let saved = db.insert_policy(policy.clone(), at(1)).await.expect("inserts");
        assert!(saved.id > 0);
        assert_eq!(db.get_policy(saved.id).await.expect("reads"), Some(saved.clone()));
        assert_eq!(
            db.insert_policy(policy.clone(), at(1)).await,
            Err(StoreError::Duplicate("name"))
        );
        let orphan = SlaPolicy {
            name: "Orphan".into(),
            calendar_id: Some(999_999),
            ..policy.clone()
        };
        assert!(matches!(
            db.insert_policy(orphan, at(1)).await,
            Err(StoreError::Reference(_))
        ));
        assert!(
            matches!(db.delete_calendar(calendar.id).await, Err(StoreError::Reference(_))),
            "a calendar in use cannot go"
        );
        let changed = SlaPolicy {
            category: None,
            calendar_id: None,
            resolution_minutes: None,
            next_response_minutes: Some(60),
            ..saved.clone()
        };
        assert!(db.update_policy(changed.clone(), at(2)).await.expect("updates"));
        assert_eq!(db.list_policies().await.expect("lists"), vec![changed]);
        assert!(db.delete_policy(saved.id).await.expect("deletes"));
        assert!(!db.delete_policy(saved.id).await.expect("deletes"));
        assert!(
            db.delete_calendar(calendar.id).await.expect("deletes"),
            "free once unused"
        );
    }

    include!("contract/sla.rs");
    include!("contract/routing.rs");
    include!("contract/escalation.rs");
    include!("contract/accounts.rs");
    include!("contract/reports.rs");
}
