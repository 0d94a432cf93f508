//! Test databases for this crate's contract suite and the end-to-end tests: a fresh SQLite
//! file, or a fresh PostgreSQL schema inside `TEST_DATABASE_URL`.

use std::io::Write as _;
use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

/// The variable naming the PostgreSQL database tests may use.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// The base URL of the PostgreSQL test database, or `None` when tests should skip.
///
/// Panics when PostgreSQL is required (`CI=true` or `REQUIRE_POSTGRES=1`) but not
/// configured, so CI cannot pass without running the PostgreSQL half. Otherwise says
/// once, on the terminal, that the PostgreSQL tests were skipped.
pub fn postgres_base_url() -> Option<String> {
    if let Ok(url) = std::env::var(TEST_DATABASE_URL)
        && !url.is_empty()
    {
        return Some(url);
    }
    let required = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "PostgreSQL tests are required here (CI or REQUIRE_POSTGRES=1) but {TEST_DATABASE_URL} is not set"
    );
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        // Written to the real stderr, past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "note: PostgreSQL tests SKIPPED: set {TEST_DATABASE_URL}=postgres://USER:PASSWORD@HOST/DB to run them"
        );
    });
    None
}

/// A unique name for a throwaway schema or file.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// Creates an empty schema in the PostgreSQL test database and returns a URL whose
/// connections use it (via `search_path`), and the schema's name.
pub async fn create_postgres_schema(base_url: &str) -> Result<(String, String), String> {
    let schema = unique_name("test");
    let mut admin = AsyncPgConnection::establish(base_url)
        .await
        .map_err(|e| e.to_string())?;
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .map_err(|e| e.to_string())?;
    let separator = if base_url.contains('?') { '&' } else { '?' };
    let url = format!("{base_url}{separator}options=-c%20search_path%3D{schema}");
    Ok((url, schema))
}

/// Drops a schema made by [`create_postgres_schema`].
pub async fn drop_postgres_schema(base_url: &str, schema: &str) -> Result<(), String> {
    let mut admin = AsyncPgConnection::establish(base_url)
        .await
        .map_err(|e| e.to_string())?;
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .map_err(|e| e.to_string())
}

/// Runs SQL statements on a PostgreSQL database (test setup such as moving instants
/// into the past).
pub async fn postgres_execute(url: &str, sql: &str) -> Result<(), String> {
    let mut conn = AsyncPgConnection::establish(url).await.map_err(|e| e.to_string())?;
    conn.batch_execute(sql).await.map_err(|e| e.to_string())
}

/// The single `BIGINT` a PostgreSQL query returns in a column named `n` (test checks
/// such as counting rows).
pub async fn postgres_count(url: &str, sql: &str) -> Result<i64, String> {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncPgConnection::establish(url).await.map_err(|e| e.to_string())?;
    let row: Count = diesel::sql_query(sql)
        .get_result(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.n)
}
