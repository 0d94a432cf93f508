//! Login and sign-up attempt counters, shared by every API replica.

use application::auth::{Adjustment, Admission, AttemptCounter, AttemptPlan, Settlement};
use application::ports::{AttemptStore, StoreError};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::Timestamp;

use crate::error::{TxError, db_error};
use crate::pool::Database;
use crate::schema::attempt_counters;
use crate::time::{from_sql, to_sql};

type Row = (String, i32, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>);

/// The counters under `keys`, locked until the transaction ends so that reservations on
/// the same keys take turns (PostgreSQL; on SQLite the `BEGIN IMMEDIATE` transaction
/// already has the database to itself). Keys are locked in one order, so two
/// reservations never wait for each other.
pub(crate) async fn lock_counters_postgres(
    conn: &mut diesel_async::AsyncPgConnection,
    keys: Vec<String>,
) -> QueryResult<Vec<Row>> {
    attempt_counters::table
        .filter(attempt_counters::key.eq_any(keys))
        .order(attempt_counters::key)
        .select(columns())
        .for_update()
        .load(conn)
        .await
}

/// SQLite's [`lock_counters_postgres`].
pub(crate) async fn lock_counters_sqlite(
    conn: &mut crate::pool::SqliteConnection,
    keys: Vec<String>,
) -> QueryResult<Vec<Row>> {
    attempt_counters::table
        .filter(attempt_counters::key.eq_any(keys))
        .order(attempt_counters::key)
        .select(columns())
        .load(conn)
        .await
}

fn columns() -> (
    attempt_counters::key,
    attempt_counters::attempts,
    attempt_counters::window_started_at,
    attempt_counters::blocked_until,
) {
    (
        attempt_counters::key,
        attempt_counters::attempts,
        attempt_counters::window_started_at,
        attempt_counters::blocked_until,
    )
}

fn counter_of((key, attempts, window_started_at, blocked_until): Row) -> AttemptCounter {
    AttemptCounter {
        key,
        attempts: u32::try_from(attempts).unwrap_or(0),
        window_started_at: from_sql(window_started_at),
        blocked_until: blocked_until.map(from_sql),
    }
}

#[async_trait]
impl AttemptStore for Database {
    async fn reserve(&self, plan: AttemptPlan, now: Timestamp) -> Result<Admission, StoreError> {
        let admission = db_tx!(self, conn => {
            let keys: Vec<String> = plan.rules.iter().map(|r| r.key.clone()).collect();
            // Rows must exist to be locked; a new one holds nothing counted.
            for key in &keys {
                diesel::insert_into(attempt_counters::table)
                    .values((
                        attempt_counters::key.eq(key),
                        attempt_counters::attempts.eq(0),
                        attempt_counters::window_started_at.eq(to_sql(now)),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)
                    .await?;
            }
            let rows = dialect::lock_counters(conn, keys.clone()).await?;
            let stored: Vec<AttemptCounter> = rows.into_iter().map(counter_of).collect();
            let counters: Vec<AttemptCounter> = keys
                .iter()
                .map(|k| {
                    stored
                        .iter()
                        .find(|c| &c.key == k)
                        .cloned()
                        .unwrap_or_else(|| AttemptCounter::empty(k.clone(), now))
                })
                .collect();
            match plan.decide(&counters, now) {
                Err(retry_after_seconds) => Ok::<_, TxError>(Admission::Refused { retry_after_seconds }),
                Ok(next) => {
                    for c in next {
                        diesel::update(attempt_counters::table.find(&c.key))
                            .set((
                                attempt_counters::attempts.eq(i32::try_from(c.attempts).unwrap_or(i32::MAX)),
                                attempt_counters::window_started_at.eq(to_sql(c.window_started_at)),
                                attempt_counters::blocked_until.eq(c.blocked_until.map(to_sql)),
                            ))
                            .execute(conn)
                            .await?;
                    }
                    Ok(Admission::Admitted)
                }
            }
        })?;
        Ok(admission)
    }

    async fn settle(&self, settlement: Settlement) -> Result<(), StoreError> {
        db_tx!(self, conn => {
            for adjustment in &settlement.adjustments {
                match adjustment {
                    Adjustment::Reset(key) => {
                        diesel::delete(attempt_counters::table.find(key)).execute(conn).await?;
                    }
                    Adjustment::Forgive(key) => {
                        diesel::update(attempt_counters::table.find(key).filter(attempt_counters::attempts.gt(0)))
                            .set(attempt_counters::attempts.eq(attempt_counters::attempts - 1))
                            .execute(conn)
                            .await?;
                    }
                }
            }
            Ok::<_, TxError>(())
        })
    }

    async fn delete_stale(&self, before: Timestamp) -> Result<u64, StoreError> {
        let cutoff = to_sql(before);
        let deleted = db_run!(self, conn => {
            diesel::delete(
                attempt_counters::table
                    .filter(attempt_counters::window_started_at.lt(cutoff))
                    .filter(
                        attempt_counters::blocked_until
                            .is_null()
                            .or(attempt_counters::blocked_until.lt(cutoff)),
                    ),
            )
            .execute(conn)
            .await
            .map_err(db_error)?
        });
        Ok(deleted as u64)
    }
}
