//! Writing a query once for both backends, and running it detached.
//!
//! Every database call runs as its own task on the runtime that opened the database (a
//! multi-thread one). Callers such as actix-web's single-threaded workers may drop the
//! future they await (a client disconnects, a sibling extractor fails); the query or
//! transaction then still completes or rolls back as a whole instead of being cut off
//! midway. Bodies therefore capture only owned values.

/// Runs `$body` with `$conn` bound to a pooled connection of whichever backend the
/// database uses and evaluates to the body's value; `?` inside the body and on the
/// outcome propagates a `StoreError`. Inside, `dialect` names that backend's SQL fragments.
/// A failure on a connection that turns out lost is `Unavailable` (503), whatever its
/// message (`error::unavailable_if_lost`); so is one in [`db_tx!`].
macro_rules! db_run {
    ($db:expr, $conn:ident => $body:expr) => {{
        let db: $crate::pool::Database = ($db).clone();
        let runner = db.clone();
        runner
            .detached(async move {
                let value = match &*db.pool {
                    $crate::pool::DbPool::Postgres(pool) => {
                        let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                        let outcome = async {
                            let $conn: &mut diesel_async::AsyncPgConnection = &mut pooled;
                            #[allow(unused_imports)]
                            use $crate::pool::postgres_dialect as dialect;
                            Ok::<_, application::ports::StoreError>($body)
                        }
                        .await;
                        $crate::error::unavailable_if_lost(&mut *pooled, outcome)?
                    }
                    $crate::pool::DbPool::Sqlite(pool) => {
                        let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                        let outcome = async {
                            let $conn: &mut $crate::pool::SqliteConnection = &mut pooled;
                            #[allow(unused_imports)]
                            use $crate::pool::sqlite_dialect as dialect;
                            Ok::<_, application::ports::StoreError>($body)
                        }
                        .await;
                        $crate::error::unavailable_if_lost(&mut *pooled, outcome)?
                    }
                };
                Ok::<_, application::ports::StoreError>(value)
            })
            .await?
    }};
}

/// Runs `$body` inside one write transaction (`BEGIN IMMEDIATE` on SQLite, so writers
/// queue instead of failing with "database is locked") and evaluates to
/// `Result<T, StoreError>`. The body returns `Result<T, TxError>`; an `Err` rolls
/// everything back.
macro_rules! db_tx {
    ($db:expr, $conn:ident => $body:expr) => {{
        let db: $crate::pool::Database = ($db).clone();
        let runner = db.clone();
        runner
            .detached(async move {
                use diesel_async::AsyncConnection as _;
                match &*db.pool {
                    $crate::pool::DbPool::Postgres(pool) => {
                        let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                        let result: Result<_, $crate::error::TxError> = pooled
                            .transaction(async |$conn| {
                                #[allow(unused_imports)]
                                use $crate::pool::postgres_dialect as dialect;
                                $body
                            })
                            .await;
                        let outcome = result.map_err($crate::error::TxError::into_store);
                        $crate::error::unavailable_if_lost(&mut *pooled, outcome)
                    }
                    $crate::pool::DbPool::Sqlite(pool) => {
                        let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                        let result: Result<_, $crate::error::TxError> = pooled
                            .immediate_transaction(async |$conn| {
                                #[allow(unused_imports)]
                                use $crate::pool::sqlite_dialect as dialect;
                                $body
                            })
                            .await;
                        let outcome = result.map_err($crate::error::TxError::into_store);
                        $crate::error::unavailable_if_lost(&mut *pooled, outcome)
                    }
                }
            })
            .await
    }};
}

/// Leases the rows of a leased queue inside the caller's transaction and evaluates to
/// their ids: `$due` selects the ids of the due, unleased rows (through the queue's
/// partial index, in its order, at most the batch), then `$table`'s rows with those
/// `$id`s get `$lease` (the end of the lease, and who holds it). PostgreSQL: rows another
/// claimant is locking right now are skipped, not waited for, so concurrent workers split
/// the due work. `?` returns a Diesel error from the enclosing transaction body.
macro_rules! lease_rows_postgres {
    ($conn:ident, $due:expr, $table:expr, $id:expr, $lease:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        let ids: Vec<i64> = $due.for_update().skip_locked().load($conn).await?;
        diesel::update($table.filter($id.eq_any(&ids)))
            .set($lease)
            .execute($conn)
            .await?;
        ids
    }};
}
pub(crate) use lease_rows_postgres;

/// [`lease_rows_postgres!`] on SQLite: one writer at a time (the claim runs in a
/// `BEGIN IMMEDIATE` transaction), so there is nothing to skip.
macro_rules! lease_rows_sqlite {
    ($conn:ident, $due:expr, $table:expr, $id:expr, $lease:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        let ids: Vec<i64> = $due.load($conn).await?;
        diesel::update($table.filter($id.eq_any(&ids)))
            .set($lease)
            .execute($conn)
            .await?;
        ids
    }};
}
pub(crate) use lease_rows_sqlite;
