//! The reports' aggregates (`application::ports::ReportRepository`): one grouped query
//! per figure, reading the period's rows through the indexes of migration
//! `2026-12-09-000201_report_indexes` (ADR 0017); names of agents and policies are read
//! afterwards for the groups found.

mod sql;

use std::collections::BTreeMap;

use application::ports::{
    AgentLine, BacklogRow, DayCounts, GroupKey, HandledRow, LowRating, Measure, MinutesRow, RatingRow,
    ReportRepository, ReportWindow, SlaRow, StoreError, VolumeData,
};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp as SqlTimestamp};
use diesel_async::RunQueryDsl;
use domain::report::{AgeBucket, GroupBy};
use domain::sla::TargetKind;
use domain::{Priority, Role, TicketStatus};

use crate::error::{corrupt, db_error};
use crate::pool::{Database, DbPool};
use crate::time::from_sql;
use sql::Sql;

#[derive(QueryableByName)]
struct SlaDbRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    g_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    g_text: Option<String>,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    met: i64,
    #[diesel(sql_type = BigInt)]
    breached: i64,
}

#[derive(QueryableByName)]
struct MinutesDbRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    g_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    g_text: Option<String>,
    #[diesel(sql_type = BigInt)]
    measure: i64,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct CountDbRow {
    #[diesel(sql_type = BigInt)]
    day: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct MovesDbRow {
    #[diesel(sql_type = BigInt)]
    day: i64,
    #[diesel(sql_type = BigInt)]
    resolved: i64,
    #[diesel(sql_type = BigInt)]
    closed: i64,
    #[diesel(sql_type = BigInt)]
    reopened: i64,
}

#[derive(QueryableByName)]
struct BacklogDbRow {
    #[diesel(sql_type = BigInt)]
    day: i64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    bucket: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct RatingDbRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    g_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    g_text: Option<String>,
    #[diesel(sql_type = BigInt)]
    rating: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct LowDbRow {
    #[diesel(sql_type = BigInt)]
    ticket_id: i64,
    #[diesel(sql_type = Text)]
    number: String,
    #[diesel(sql_type = BigInt)]
    rating: i64,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    agent_id: Option<i64>,
    #[diesel(sql_type = SqlTimestamp)]
    answered_at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct HandledDbRow {
    #[diesel(sql_type = BigInt)]
    agent_id: i64,
    #[diesel(sql_type = BigInt)]
    handled: i64,
    #[diesel(sql_type = BigInt)]
    reopened: i64,
}

#[derive(QueryableByName)]
struct NameDbRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct AgentDbRow {
    #[diesel(sql_type = BigInt)]
    agent_id: i64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn day(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

impl Database {
    fn sql(&self) -> Sql {
        Sql {
            postgres: matches!(&*self.pool, DbPool::Postgres(_)),
        }
    }

    /// Runs one report query.
    async fn report_rows<R>(&self, sql: String) -> Result<Vec<R>, StoreError>
    where
        R: Send + 'static,
        R: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite>,
    {
        Ok(db_run!(self, conn => diesel::sql_query(sql).load::<R>(conn).await.map_err(db_error)?))
    }

    /// The names in `column` of the rows of `table` with these ids (users' display names,
    /// policies' names); the ids are numbers, written into the statement.
    async fn names(
        &self,
        table: &'static str,
        column: &'static str,
        mut ids: Vec<i64>,
    ) -> Result<BTreeMap<i64, String>, StoreError> {
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT id, {column} AS name FROM {table} WHERE id IN ({})",
            list.join(", ")
        );
        let rows: Vec<NameDbRow> = self.report_rows(sql).await?;
        Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
    }

    /// The group keys of rows `(g_id, g_text)` grouped by `group_by`, named.
    async fn keys(
        &self,
        group_by: Option<GroupBy>,
        raw: Vec<(Option<i64>, Option<String>)>,
    ) -> Result<Vec<GroupKey>, StoreError> {
        let ids: Vec<i64> = raw.iter().filter_map(|(id, _)| *id).collect();
        let names = match group_by {
            Some(GroupBy::Agent) => self.names("users", "display_name", ids).await?,
            Some(GroupBy::Policy) => self.names("sla_policies", "name", ids).await?,
            _ => BTreeMap::new(),
        };
        raw.into_iter()
            .map(|(id, text)| {
                Ok(match group_by {
                    None => GroupKey::All,
                    Some(GroupBy::Policy) => GroupKey::Policy {
                        id,
                        name: id.and_then(|i| names.get(&i).cloned()),
                    },
                    Some(GroupBy::Agent) => GroupKey::Agent {
                        id,
                        name: id.and_then(|i| names.get(&i).cloned()),
                    },
                    Some(GroupBy::Category) => GroupKey::Category(text.unwrap_or_default()),
                    Some(GroupBy::Priority) => GroupKey::Priority(
                        id.and_then(|r| i16::try_from(r).ok())
                            .and_then(Priority::from_rank)
                            .ok_or_else(|| corrupt("ticket", "unknown priority rank"))?,
                    ),
                    Some(GroupBy::Period) => GroupKey::Day(day(id.unwrap_or(0))),
                })
            })
            .collect()
    }
}

#[async_trait]
impl ReportRepository for Database {
    async fn sla_outcomes(&self, w: &ReportWindow, group_by: Option<GroupBy>) -> Result<Vec<SlaRow>, StoreError> {
        let rows: Vec<SlaDbRow> = self.report_rows(self.sql().sla(w, group_by)).await?;
        let keys = self
            .keys(group_by, rows.iter().map(|r| (r.g_id, r.g_text.clone())).collect())
            .await?;
        rows.into_iter()
            .zip(keys)
            .map(|(r, group)| {
                Ok(SlaRow {
                    group,
                    kind: TargetKind::parse(&r.kind).ok_or_else(|| corrupt("SLA target", "unknown kind"))?,
                    met: count(r.met),
                    breached: count(r.breached),
                })
            })
            .collect()
    }

    async fn response_minutes(
        &self,
        w: &ReportWindow,
        group_by: Option<GroupBy>,
    ) -> Result<Vec<MinutesRow>, StoreError> {
        // First responses and resolutions side by side, on two connections.
        let [first, resolution] = self.sql().response_minutes(w, group_by);
        let (mut rows, more): (Vec<MinutesDbRow>, Vec<MinutesDbRow>) =
            tokio::try_join!(self.report_rows(first), self.report_rows(resolution))?;
        rows.extend(more);
        let keys = self
            .keys(group_by, rows.iter().map(|r| (r.g_id, r.g_text.clone())).collect())
            .await?;
        rows.into_iter()
            .zip(keys)
            .map(|(r, group)| {
                let measure = match r.measure {
                    0 => Measure::FirstResponseWall,
                    1 => Measure::FirstResponseBusiness,
                    2 => Measure::ResolutionWall,
                    3 => Measure::ResolutionBusiness,
                    _ => return Err(corrupt("report", "unknown measure")),
                };
                Ok(MinutesRow {
                    group,
                    measure,
                    minutes: count(r.minutes),
                    count: count(r.n),
                })
            })
            .collect()
    }

    async fn volume(&self, w: &ReportWindow) -> Result<VolumeData, StoreError> {
        let sql = self.sql();
        // Three independent reads, side by side on three connections.
        let (created, moves, backlog): (Vec<CountDbRow>, Vec<MovesDbRow>, Vec<BacklogDbRow>) = tokio::try_join!(
            self.report_rows(sql.created(w)),
            self.report_rows(sql.status_moves(w)),
            self.report_rows(sql.backlog(w)),
        )?;
        let mut days: BTreeMap<usize, DayCounts> = BTreeMap::new();
        for r in created {
            days.entry(day(r.day)).or_default().created = count(r.n);
        }
        for r in moves {
            let d = days.entry(day(r.day)).or_default();
            d.resolved = count(r.resolved);
            d.closed = count(r.closed);
            d.reopened = count(r.reopened);
        }
        let backlog = backlog
            .into_iter()
            .map(|r| {
                Ok(BacklogRow {
                    day: day(r.day),
                    status: TicketStatus::parse(&r.status).map_err(|e| corrupt("ticket status span", e))?,
                    bucket: AgeBucket::ALL
                        .get(day(r.bucket))
                        .copied()
                        .ok_or_else(|| corrupt("report", "unknown age bucket"))?,
                    count: count(r.n),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(VolumeData {
            days: days.into_iter().collect(),
            backlog,
        })
    }

    async fn ratings(&self, w: &ReportWindow, group_by: Option<GroupBy>) -> Result<Vec<RatingRow>, StoreError> {
        let rows: Vec<RatingDbRow> = self.report_rows(self.sql().ratings(w, group_by)).await?;
        let keys = self
            .keys(group_by, rows.iter().map(|r| (r.g_id, r.g_text.clone())).collect())
            .await?;
        rows.into_iter()
            .zip(keys)
            .map(|(r, group)| {
                Ok(RatingRow {
                    group,
                    rating: u8::try_from(r.rating).map_err(|e| corrupt("survey", e))?,
                    count: count(r.n),
                })
            })
            .collect()
    }

    async fn low_ratings(&self, w: &ReportWindow, limit: u32) -> Result<Vec<LowRating>, StoreError> {
        let rows: Vec<LowDbRow> = self.report_rows(self.sql().low_ratings(w, limit)).await?;
        rows.into_iter()
            .map(|r| {
                Ok(LowRating {
                    ticket_id: r.ticket_id,
                    number: r.number,
                    rating: u8::try_from(r.rating).map_err(|e| corrupt("survey", e))?,
                    comment: r.comment,
                    agent_id: r.agent_id,
                    answered_at: from_sql(r.answered_at),
                })
            })
            .collect()
    }

    async fn handled(&self, w: &ReportWindow) -> Result<Vec<HandledRow>, StoreError> {
        let rows: Vec<HandledDbRow> = self.report_rows(self.sql().handled(w)).await?;
        let mut out: Vec<HandledRow> = rows
            .into_iter()
            .map(|r| HandledRow {
                agent_id: r.agent_id,
                handled: count(r.handled),
                reopened: count(r.reopened),
            })
            .collect();
        out.sort_by_key(|r| r.agent_id);
        Ok(out)
    }

    async fn agent_lines(&self) -> Result<Vec<AgentLine>, StoreError> {
        let roles: Vec<&str> = Role::ALL.iter().filter(|r| r.is_staff()).map(|r| r.as_str()).collect();
        let rows: Vec<AgentDbRow> = self.report_rows(self.sql().agent_lines(&roles)).await?;
        Ok(rows
            .into_iter()
            .map(|r| AgentLine {
                agent_id: r.agent_id,
                name: r.name,
                load: count(r.n),
            })
            .collect())
    }
}
