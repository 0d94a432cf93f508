//! Opening the database: URL, pool, per-connection settings and migrations.

use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::ConnectError;
use crate::tls::PgConnector;
use application::ports::StoreError;

/// An SQLite connection driven from async code.
pub(crate) type SqliteConnection = SyncConnectionWrapper<diesel::SqliteConnection>;

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite://PATH` or `sqlite:PATH`.
    Sqlite,
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// The most connections the pool opens.
    pub max_connections: usize,
    /// How long a request waits for a free connection, and how long opening or checking
    /// one may take, before the database counts as unavailable (503).
    pub acquire_timeout: Duration,
    /// PostgreSQL's `statement_timeout` for every pooled connection (`None`: no limit);
    /// a statement running longer is cancelled and answered as unavailable (503).
    /// Migrations run without it.
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
        }
    }
}

pub(crate) enum DbPool {
    Postgres(Pool<AsyncPgConnection>),
    Sqlite(Pool<SqliteConnection>),
}

/// The database: a connection pool on either backend. Cheap to clone; implements every
/// storage port of the application.
#[derive(Clone)]
pub struct Database {
    pub(crate) pool: std::sync::Arc<DbPool>,
    backend: Backend,
    /// The runtime that opened the database; every query runs as a task on it.
    runtime: tokio::runtime::Handle,
    /// The SLA policies and calendars while their version is current (`reference.rs`).
    pub(crate) reference: std::sync::Arc<crate::reference::ReferenceCache>,
    /// Up to how many matches a search lists by id (see `tickets.rs`).
    pub(crate) search_id_limit: u32,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Splits a database URL into its backend and what the driver needs.
pub fn parse_url(url: &str) -> Result<(Backend, String), ConnectError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_owned()));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ConnectError::UnsupportedUrl(redact(url)))?;
    Ok((Backend::Sqlite, path.to_owned()))
}

/// The URL without its password, for messages and logs: the password of the user
/// information (`user:***@`) and every query parameter naming a password
/// (`?password=***`, any case).
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => match base[scheme_end + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &base[..scheme_end + 3], &base[at..]),
            None => base.to_owned(),
        },
        _ => base.to_owned(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.to_ascii_lowercase().contains("password") => format!("{key}=***"),
                _ => param.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

impl Database {
    /// Opens a pool for `url`. SQLite files (and their folder) are created when missing.
    /// Checks one connection, so a wrong URL fails here and not on the first request.
    pub async fn connect(url: &str, options: &PoolOptions) -> Result<Self, ConnectError> {
        let (backend, target) = parse_url(url)?;
        let pool = match backend {
            Backend::Postgres => {
                // sslmode, sslrootcert and the statement timeout (tls.rs).
                let connector = std::sync::Arc::new(PgConnector::from_url(&target, options.statement_timeout)?);
                let mut config = ManagerConfig::<AsyncPgConnection>::default();
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(move |_| {
                    let connector = std::sync::Arc::clone(&connector);
                    Box::pin(async move { connector.connect().await })
                });
                let manager = AsyncDieselConnectionManager::new_with_config(target, config);
                DbPool::Postgres(build(manager, options)?)
            }
            Backend::Sqlite => {
                if let Some(dir) = std::path::Path::new(&target)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| ConnectError::Connect(format!("cannot create {}: {e}", dir.display())))?;
                }
                let mut config = ManagerConfig::<SqliteConnection>::default();
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(|url| Box::pin(open_sqlite(url.to_owned())));
                let manager = AsyncDieselConnectionManager::new_with_config(target, config);
                DbPool::Sqlite(build(manager, options)?)
            }
        };
        let db = Self {
            pool: std::sync::Arc::new(pool),
            backend,
            runtime: tokio::runtime::Handle::current(),
            reference: std::sync::Arc::default(),
            search_id_limit: crate::tickets::SEARCH_ID_LIMIT,
        };
        db.ping().await.map_err(|e| ConnectError::Connect(e.to_string()))?;
        Ok(db)
    }

    /// The same pool with caches of its own, as another process on the same database
    /// would have (tests of cross-process invalidation).
    pub(crate) fn with_own_caches(&self) -> Self {
        Self {
            pool: std::sync::Arc::clone(&self.pool),
            backend: self.backend,
            runtime: self.runtime.clone(),
            reference: std::sync::Arc::default(),
            search_id_limit: self.search_id_limit,
        }
    }

    /// The same database, listing a search's matches by id only when they are at most
    /// `limit` (default 2,000); above it
    /// the list walks its order's index. Tests set 0 to check the walk on small data.
    #[must_use]
    pub fn with_search_id_limit(mut self, limit: u32) -> Self {
        self.search_id_limit = limit;
        self
    }

    /// Runs `work` as its own task, so dropping the returned future does not cut a query
    /// or transaction off midway (see `macros.rs`).
    pub(crate) async fn detached<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        self.runtime
            .spawn(work)
            .await
            .map_err(|e| StoreError::Failure(format!("database task failed: {e}")))?
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers whether the database is reachable now (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        db_run!(self, conn => {
            diesel::sql_query("SELECT 1").execute(conn).await.map_err(crate::error::db_error)?
        });
        Ok(())
    }

    /// How many outbox events wait for delivery.
    pub async fn pending_outbox_events(&self) -> Result<i64, StoreError> {
        use crate::schema::outbox;
        use diesel::{ExpressionMethods, QueryDsl};
        Ok(db_run!(self, conn => {
            outbox::table
                .filter(outbox::processed_at.is_null())
                .count()
                .get_result(conn)
                .await
                .map_err(crate::error::db_error)?
        }))
    }

    /// Applies pending migrations and returns the versions applied. Needs a multi-thread
    /// tokio runtime (the harness blocks in place).
    pub async fn migrate(&self) -> Result<Vec<String>, ConnectError> {
        let fail = |e: &dyn std::fmt::Display| ConnectError::Migrate(e.to_string());
        match &*self.pool {
            DbPool::Postgres(pool) => {
                // Taken out of the pool: a migration may run longer than the statement
                // timeout, so this connection has none and is closed afterwards.
                let mut conn = Object::take(pool.get().await.map_err(|e| fail(&e))?);
                diesel_async::SimpleAsyncConnection::batch_execute(&mut conn, "SET statement_timeout = 0")
                    .await
                    .map_err(|e| fail(&e))?;
                let mut harness = AsyncMigrationHarness::new(conn);
                let done = harness
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map_err(|e| fail(&e))?;
                Ok(done.iter().map(|v| v.to_string()).collect())
            }
            DbPool::Sqlite(pool) => {
                let conn = pool.get().await.map_err(|e| fail(&e))?;
                let mut harness = AsyncMigrationHarness::new(conn);
                let done = harness
                    .run_pending_migrations(SQLITE_MIGRATIONS)
                    .map_err(|e| fail(&e))?;
                Ok(done.iter().map(|v| v.to_string()).collect())
            }
        }
    }

    /// Reverts every migration (for tests proving `down.sql`).
    pub async fn revert_all(&self) -> Result<(), ConnectError> {
        let fail = |e: &dyn std::fmt::Display| ConnectError::Migrate(e.to_string());
        match &*self.pool {
            DbPool::Postgres(pool) => {
                let conn = pool.get().await.map_err(|e| fail(&e))?;
                AsyncMigrationHarness::new(conn)
                    .revert_all_migrations(POSTGRES_MIGRATIONS)
                    .map_err(|e| fail(&e))?;
            }
            DbPool::Sqlite(pool) => {
                let conn = pool.get().await.map_err(|e| fail(&e))?;
                AsyncMigrationHarness::new(conn)
                    .revert_all_migrations(SQLITE_MIGRATIONS)
                    .map_err(|e| fail(&e))?;
            }
        }
        Ok(())
    }

    /// Reverts the newest applied migration and names it (for tests of a data migration).
    pub async fn revert_last(&self) -> Result<String, ConnectError> {
        let fail = |e: &dyn std::fmt::Display| ConnectError::Migrate(e.to_string());
        let version = match &*self.pool {
            DbPool::Postgres(pool) => {
                let conn = pool.get().await.map_err(|e| fail(&e))?;
                AsyncMigrationHarness::new(conn)
                    .revert_last_migration(POSTGRES_MIGRATIONS)
                    .map_err(|e| fail(&e))?
                    .to_string()
            }
            DbPool::Sqlite(pool) => {
                let conn = pool.get().await.map_err(|e| fail(&e))?;
                AsyncMigrationHarness::new(conn)
                    .revert_last_migration(SQLITE_MIGRATIONS)
                    .map_err(|e| fail(&e))?
                    .to_string()
            }
        };
        Ok(version)
    }

    /// The migration versions embedded for each backend (they must be the same).
    pub fn embedded_versions() -> (Vec<String>, Vec<String>) {
        use diesel::migration::MigrationSource;
        let list = |m: &EmbeddedMigrations| -> Vec<String> {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(m)
                .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
                .unwrap_or_default()
        };
        (list(&POSTGRES_MIGRATIONS), list(&SQLITE_MIGRATIONS))
    }
}

fn build<C>(manager: AsyncDieselConnectionManager<C>, options: &PoolOptions) -> Result<Pool<C>, ConnectError>
where
    AsyncDieselConnectionManager<C>: deadpool::managed::Manager<Type = C>,
{
    Pool::builder(manager)
        .max_size(options.max_connections)
        .wait_timeout(Some(options.acquire_timeout))
        .create_timeout(Some(options.acquire_timeout))
        .recycle_timeout(Some(options.acquire_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| ConnectError::Connect(e.to_string()))
}

/// Opens one SQLite connection with the settings every connection needs: wait for locks,
/// write-ahead log, foreign keys enforced.
async fn open_sqlite(path: String) -> Result<SqliteConnection, ConnectionError> {
    let mut conn = SqliteConnection::establish(&path).await?;
    for pragma in [
        "PRAGMA busy_timeout = 5000",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = ON",
    ] {
        diesel::sql_query(pragma)
            .execute(&mut conn)
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
    }
    Ok(conn)
}

/// PostgreSQL's SQL fragments.
pub(crate) mod postgres_dialect {
    pub(crate) use crate::agents::lock_agent_postgres as lock_agent;
    pub(crate) use crate::assignments::{
        lock_agents_postgres as lock_agents, lock_queued_postgres as lock_queued,
        note_last_assignments_postgres as note_last_assignments, record_postgres as record,
    };
    pub(crate) use crate::attempts::lock_counters_postgres as lock_counters;
    pub(crate) use crate::events::record_event_postgres as record_event;
    pub(crate) use crate::macros::lease_rows_postgres as lease_rows;
    pub(crate) use crate::users::lock_active_admins_postgres as lock_active_admins;

    /// A full-text match of a ticket or its comments is written as
    /// `FULL_TEXT_TICKET ? FULL_TEXT_COMMENTS ? FULL_TEXT_CLOSE_*`, the query text bound
    /// twice; `_PUBLIC` leaves internal notes out. The tickets of matching comments are
    /// hashed once (a per-ticket `EXISTS` made long walks 3–10 times slower).
    pub(crate) const FULL_TEXT_TICKET: &str = "(tickets.search @@ plainto_tsquery('english', ";
    pub(crate) const FULL_TEXT_COMMENTS: &str =
        ") OR tickets.id IN (SELECT c.ticket_id FROM comments c WHERE c.search @@ plainto_tsquery('english', ";
    pub(crate) const FULL_TEXT_CLOSE_PUBLIC: &str = ") AND c.visibility = 'public'))";
    pub(crate) const FULL_TEXT_CLOSE_ANY: &str = ")))";

    /// The ids of the tickets matching `$1` (or `$2` in a comment; `_PUBLIC`: a public
    /// one), at most `$3`, through the GIN indexes alone; a ticket may come more than once.
    pub(crate) const SEARCH_PROBE_PUBLIC: &str = "SELECT id FROM tickets WHERE search @@ plainto_tsquery('english', $1) \
         UNION ALL SELECT c.ticket_id FROM comments c WHERE c.search @@ plainto_tsquery('english', $2) \
         AND c.visibility = 'public' LIMIT $3";
    /// As `SEARCH_PROBE_PUBLIC`, internal notes included.
    pub(crate) const SEARCH_PROBE_ANY: &str = "SELECT id FROM tickets WHERE search @@ plainto_tsquery('english', $1) \
         UNION ALL SELECT c.ticket_id FROM comments c WHERE c.search @@ plainto_tsquery('english', $2) LIMIT $3";

    /// Deletes the oldest idempotency keys remembered before `$1`, at most `$2` of them:
    /// found through `idempotency_keys_created`, deleted by their row address (a TID
    /// scan; a three-column `IN` made the planner scan the whole table).
    pub(crate) const PURGE_IDEMPOTENCY_KEYS: &str = "DELETE FROM idempotency_keys \
         WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys \
         WHERE created_at < $1 ORDER BY created_at LIMIT $2))";

    /// `plainto_tsquery` takes any user text as plain words, all of which must match
    /// (the same meaning as the SQLite query), never as operators.
    pub(crate) fn full_text_query(text: &str) -> String {
        text.to_owned()
    }
}

/// SQLite's SQL fragments.
pub(crate) mod sqlite_dialect {
    pub(crate) use crate::agents::lock_agent_sqlite as lock_agent;
    pub(crate) use crate::assignments::{
        lock_agents_sqlite as lock_agents, lock_queued_sqlite as lock_queued,
        note_last_assignments_sqlite as note_last_assignments, record_sqlite as record,
    };
    pub(crate) use crate::attempts::lock_counters_sqlite as lock_counters;
    pub(crate) use crate::events::record_event_sqlite as record_event;
    pub(crate) use crate::macros::lease_rows_sqlite as lease_rows;
    pub(crate) use crate::users::lock_active_admins_sqlite as lock_active_admins;

    /// A full-text match of a ticket or its comments, as in the PostgreSQL dialect: both
    /// lists built once. The unary `+` keeps SQLite from reading every match through the
    /// id index and sorting them all (`MULTI-INDEX OR`, 0.8–1.8 s for a word in one
    /// ticket of eight); it walks the order's index instead.
    pub(crate) const FULL_TEXT_TICKET: &str = "(+tickets.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ";
    pub(crate) const FULL_TEXT_COMMENTS: &str = ") OR +tickets.id IN (SELECT c.ticket_id FROM comments_fts f \
         JOIN comments c ON c.id = f.rowid WHERE comments_fts MATCH ";
    pub(crate) const FULL_TEXT_CLOSE_PUBLIC: &str = " AND c.visibility = 'public'))";
    pub(crate) const FULL_TEXT_CLOSE_ANY: &str = "))";

    /// The probe of a search, as in the PostgreSQL dialect, through the FTS5 indexes.
    pub(crate) const SEARCH_PROBE_PUBLIC: &str = "SELECT rowid AS id FROM tickets_fts WHERE tickets_fts MATCH ? \
         UNION ALL SELECT c.ticket_id AS id FROM comments_fts f JOIN comments c ON c.id = f.rowid \
         WHERE comments_fts MATCH ? AND c.visibility = 'public' LIMIT ?";
    /// As `SEARCH_PROBE_PUBLIC`, internal notes included.
    pub(crate) const SEARCH_PROBE_ANY: &str = "SELECT rowid AS id FROM tickets_fts WHERE tickets_fts MATCH ? \
         UNION ALL SELECT c.ticket_id AS id FROM comments_fts f JOIN comments c ON c.id = f.rowid \
         WHERE comments_fts MATCH ? LIMIT ?";

    /// As in the PostgreSQL dialect, by `rowid`.
    pub(crate) const PURGE_IDEMPOTENCY_KEYS: &str = "DELETE FROM idempotency_keys \
         WHERE rowid IN (SELECT rowid FROM idempotency_keys \
         WHERE created_at < ? ORDER BY created_at LIMIT ?)";

    /// FTS5 has a query syntax of its own; quoting every word turns any user text into
    /// a plain "all these words" query that cannot be a syntax error.
    pub(crate) fn full_text_query(text: &str) -> String {
        text.split_whitespace()
            .map(|w| w.replace(['"', '\0'], ""))
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_unknown_schemes_are_refused() {
        assert_eq!(
            parse_url("sqlite://./data/t.db").map(|p| p.0).ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(parse_url("sqlite:t.db").map(|p| p.1).ok().as_deref(), Some("t.db"));
        assert_eq!(
            parse_url("postgresql://u@h/db").map(|p| p.0).ok(),
            Some(Backend::Postgres)
        );
        assert!(parse_url("mysql://u:p@h/db").is_err());
        assert!(parse_url("sqlite://").is_err());
        assert!(parse_url("./data/t.db").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/t"),
            "postgres://app:***@db:5432/t"
        );
        assert_eq!(redact("postgres://app@db/t"), "postgres://app@db/t");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
        assert_eq!(
            redact("postgres://app@db/t?password=s3cret&sslmode=require"),
            "postgres://app@db/t?password=***&sslmode=require"
        );
        assert_eq!(
            redact("postgres://db/t?user=app&PassWord=a@b:c"),
            "postgres://db/t?user=app&PassWord=***"
        );
        assert_eq!(redact("postgres://app:p@ss@db/t"), "postgres://app:***@db/t");
    }

    /// Runs `sql` on a pooled connection, as every query does.
    async fn run_sql(db: &Database, sql: &'static str) -> Result<(), StoreError> {
        db_run!(db, conn => {
            diesel::sql_query(sql).execute(conn).await.map_err(crate::error::db_error)?
        });
        Ok(())
    }

    async fn postgres(options: PoolOptions) -> Option<Database> {
        let url = crate::testing::postgres_base_url()?;
        Some(
            Database::connect(&url, &options)
                .await
                .expect("connects to TEST_DATABASE_URL"),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_connection_the_server_terminates_is_unavailable() {
        let Some(db) = postgres(PoolOptions::default()).await else {
            return;
        };
        // SQLSTATE 57P01 (admin_shutdown), what every session gets when PostgreSQL stops.
        let outcome = run_sql(&db, "SELECT pg_terminate_backend(pg_backend_pid())").await;
        assert!(matches!(outcome, Err(StoreError::Unavailable(_))), "{outcome:?}");
        // Inside a transaction: the statement fails, then so does the rollback.
        let outcome = db_tx!(db, conn => {
            diesel::sql_query("SELECT pg_terminate_backend(pg_backend_pid())").execute(conn).await?;
            Ok(())
        });
        assert!(matches!(outcome, Err(StoreError::Unavailable(_))), "{outcome:?}");
        // The pool replaced the lost connections by itself.
        db.ping().await.expect("the pool recovers");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_statement_past_the_statement_timeout_is_unavailable() {
        let options = PoolOptions {
            statement_timeout: Some(Duration::from_millis(200)),
            ..PoolOptions::default()
        };
        let Some(db) = postgres(options).await else { return };
        let started = std::time::Instant::now();
        let outcome = run_sql(&db, "SELECT pg_sleep(5)").await;
        assert!(matches!(outcome, Err(StoreError::Unavailable(_))), "{outcome:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        run_sql(&db, "SELECT pg_sleep(0.01)")
            .await
            .expect("short statements run");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_sqlite_database_is_unavailable() {
        let dir = std::env::temp_dir().join(crate::testing::unique_name("full"));
        let url = format!("sqlite://{}", dir.join("t.db").display());
        let db = Database::connect(&url, &PoolOptions::default()).await.expect("opens");
        let outcome: Result<(), StoreError> = async {
            db_run!(db, conn => {
                for sql in ["PRAGMA max_page_count = 20", "CREATE TABLE filler (b BLOB)"] {
                    diesel::sql_query(sql).execute(conn).await.map_err(crate::error::db_error)?;
                }
                for _ in 0..100 {
                    diesel::sql_query("INSERT INTO filler VALUES (randomblob(4096))")
                        .execute(conn)
                        .await
                        .map_err(crate::error::db_error)?;
                }
            });
            Ok(())
        }
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(outcome, Err(StoreError::Unavailable(_))), "{outcome:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiting_longer_than_the_acquire_timeout_for_a_connection_is_unavailable() {
        let dir = std::env::temp_dir().join(crate::testing::unique_name("busy"));
        let url = format!("sqlite://{}", dir.join("t.db").display());
        let options = PoolOptions {
            max_connections: 1,
            acquire_timeout: Duration::from_millis(200),
            ..PoolOptions::default()
        };
        let db = Database::connect(&url, &options).await.expect("opens");
        let holder = db.clone();
        let held = tokio::spawn(async move {
            let outcome: Result<(), StoreError> = async {
                db_run!(holder, _conn => tokio::time::sleep(Duration::from_millis(1500)).await);
                Ok(())
            }
            .await;
            outcome
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = std::time::Instant::now();
        let outcome = db.ping().await;
        assert!(matches!(outcome, Err(StoreError::Unavailable(_))), "{outcome:?}");
        assert!(
            started.elapsed() < Duration::from_millis(1000),
            "{:?}",
            started.elapsed()
        );
        held.await.expect("joins").expect("the holder ran");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn fts5_queries_are_quoted_words() {
        assert_eq!(
            sqlite_dialect::full_text_query(r#"printer "on* fire OR"#),
            r#""printer" "on*" "fire" "OR""#
        );
    }
}
