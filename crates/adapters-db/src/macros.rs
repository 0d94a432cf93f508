//! Writing a query once for both backends.

/// Runs `$body` with `$conn` bound to a pooled connection of whichever backend the
/// database uses. Inside, `dialect` names that backend's SQL fragments. The body must
/// evaluate to a `Result<_, StoreError>`-compatible value in both expansions.
macro_rules! db_run {
    ($db:expr, $conn:ident => $body:expr) => {{
        match &*$db.pool {
            $crate::pool::DbPool::Postgres(pool) => {
                let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                let $conn: &mut diesel_async::AsyncPgConnection = &mut pooled;
                #[allow(unused_imports)]
                use $crate::pool::postgres_dialect as dialect;
                $body
            }
            $crate::pool::DbPool::Sqlite(pool) => {
                let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                let $conn: &mut $crate::pool::SqliteConnection = &mut pooled;
                #[allow(unused_imports)]
                use $crate::pool::sqlite_dialect as dialect;
                $body
            }
        }
    }};
}

/// Runs `$body` inside one write transaction (`BEGIN IMMEDIATE` on SQLite, so writers
/// queue instead of failing with "database is locked"). The body returns
/// `Result<T, TxError>`; an `Err` rolls everything back.
macro_rules! db_tx {
    ($db:expr, $conn:ident => $body:expr) => {{
        use diesel_async::AsyncConnection as _;
        let result: Result<_, $crate::error::TxError> = match &*$db.pool {
            $crate::pool::DbPool::Postgres(pool) => {
                let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                pooled
                    .transaction(async |$conn| {
                        #[allow(unused_imports)]
                        use $crate::pool::postgres_dialect as dialect;
                        $body
                    })
                    .await
            }
            $crate::pool::DbPool::Sqlite(pool) => {
                let mut pooled = pool.get().await.map_err($crate::error::pool_error)?;
                pooled
                    .immediate_transaction(async |$conn| {
                        #[allow(unused_imports)]
                        use $crate::pool::sqlite_dialect as dialect;
                        $body
                    })
                    .await
            }
        };
        result.map_err($crate::error::TxError::into_store)
    }};
}
