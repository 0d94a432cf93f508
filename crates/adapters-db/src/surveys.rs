//! Satisfaction surveys (issue 16): one `surveys` row per invitation, keyed by ticket and
//! round, found by its token's hash (unique) or its ticket (the primary key). Written by
//! `survey_write!` inside the unit of work's transaction (see [`crate::unit_of_work`]).

use std::time::Duration;

use application::ports::{StoreError, StoredSurvey, SurveyRepository, TokenHash};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use domain::survey::{Answer, Rating, Survey, SurveyComment, SurveyParts, SurveyRound, SurveyTrigger};
use domain::{CategorySlug, Priority, TicketId, UserId};

use crate::error::{TxError, corrupt, db_error};
use crate::pool::Database;
use crate::schema::surveys;
use crate::time::{from_sql, to_sql};

/// A `surveys` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = surveys)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct SurveyRow {
    pub ticket_id: i64,
    pub round: i32,
    pub trigger: String,
    pub customer_id: i64,
    pub agent_id: Option<i64>,
    pub category: String,
    pub priority: i16,
    pub token_hash: String,
    pub invited_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub edit_window_secs: i64,
    pub rating: Option<i16>,
    pub comment: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub changed_at: Option<NaiveDateTime>,
}

impl SurveyRow {
    pub(crate) fn of(stored: &StoredSurvey) -> Self {
        let p = stored.survey.parts();
        let answer = p.answer.as_ref();
        Self {
            ticket_id: p.ticket_id.get(),
            round: i32::try_from(p.round.get()).unwrap_or(i32::MAX),
            trigger: p.trigger.as_str().to_owned(),
            customer_id: stored.customer_id.get(),
            agent_id: stored.agent_id.map(UserId::get),
            category: stored.category.to_string(),
            priority: stored.priority.rank(),
            token_hash: stored.token_hash.0.clone(),
            invited_at: to_sql(p.invited_at),
            expires_at: to_sql(p.expires_at),
            edit_window_secs: i64::try_from(p.edit_window.as_secs()).unwrap_or(i64::MAX),
            rating: answer.map(|a| i16::from(a.rating.get())),
            comment: answer.and_then(|a| a.comment.as_ref().map(|c| c.as_str().to_owned())),
            answered_at: answer.map(|a| to_sql(a.answered_at)),
            changed_at: answer.map(|a| to_sql(a.changed_at)),
        }
    }

    fn into_stored(self) -> Result<StoredSurvey, StoreError> {
        let bad = |e: &dyn std::fmt::Display| corrupt("survey", e);
        let trigger = match self.trigger.as_str() {
            "closed" => SurveyTrigger::Closed,
            "resolved" => SurveyTrigger::Resolved,
            other => return Err(bad(&other)),
        };
        let answer = match (self.rating, self.answered_at, self.changed_at) {
            (Some(rating), Some(answered_at), Some(changed_at)) => Some(Answer {
                rating: Rating::parse(i64::from(rating)).map_err(|e| bad(&e))?,
                comment: self.comment.map(SurveyComment::restore),
                answered_at: from_sql(answered_at),
                changed_at: from_sql(changed_at),
            }),
            (None, None, None) => None,
            _ => return Err(bad(&"a partial answer")),
        };
        let round = u32::try_from(self.round)
            .ok()
            .and_then(SurveyRound::new)
            .ok_or_else(|| bad(&"round"))?;
        Ok(StoredSurvey {
            survey: Survey::restore(SurveyParts {
                ticket_id: TicketId::new(self.ticket_id),
                round,
                trigger,
                invited_at: from_sql(self.invited_at),
                expires_at: from_sql(self.expires_at),
                edit_window: Duration::from_secs(u64::try_from(self.edit_window_secs).map_err(|e| bad(&e))?),
                answer,
            }),
            token_hash: TokenHash(self.token_hash),
            customer_id: UserId::new(self.customer_id),
            agent_id: self.agent_id.map(UserId::new),
            category: CategorySlug::parse(&self.category).map_err(|e| bad(&e))?,
            priority: Priority::from_rank(self.priority).ok_or_else(|| bad(&"priority rank"))?,
        })
    }
}

/// Inside the transaction, a unique violation names the key that was taken: the token's
/// hash (`surveys_token_hash_key` on PostgreSQL, `surveys.token_hash` on SQLite) or else
/// the ticket's round (the primary key).
pub(crate) fn insert_error(e: DieselError) -> TxError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let key =
                if info.message().contains("token_hash") || info.constraint_name() == Some("surveys_token_hash_key") {
                    "token_hash"
                } else {
                    "survey"
                };
            TxError::Store(StoreError::Duplicate(key))
        }
        other => TxError::Diesel(other),
    }
}

#[async_trait]
impl SurveyRepository for Database {
    async fn survey_by_token(&self, token_hash: &TokenHash) -> Result<Option<StoredSurvey>, StoreError> {
        let hash = token_hash.0.clone();
        let row: Option<SurveyRow> = db_run!(self, conn => {
            surveys::table
                .filter(surveys::token_hash.eq(&hash))
                .select(SurveyRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(SurveyRow::into_stored).transpose()
    }

    async fn latest_survey(&self, ticket_id: TicketId) -> Result<Option<StoredSurvey>, StoreError> {
        let id = ticket_id.get();
        let row: Option<SurveyRow> = db_run!(self, conn => {
            surveys::table
                .filter(surveys::ticket_id.eq(id))
                .order(surveys::round.desc())
                .select(SurveyRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(SurveyRow::into_stored).transpose()
    }

    async fn latest_surveys(&self, tickets: &[TicketId]) -> Result<Vec<StoredSurvey>, StoreError> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = tickets.iter().map(|t| t.get()).collect();
        // Every round of the page's tickets through the primary key (a ticket has a
        // round per invitation, a handful at most), highest first: the first of each
        // ticket is its latest.
        let rows: Vec<SurveyRow> = db_run!(self, conn => {
            surveys::table
                .filter(surveys::ticket_id.eq_any(&ids))
                .order((surveys::ticket_id.asc(), surveys::round.desc()))
                .select(SurveyRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        let mut latest: Vec<SurveyRow> = Vec::new();
        for row in rows {
            if latest.last().is_none_or(|l| l.ticket_id != row.ticket_id) {
                latest.push(row);
            }
        }
        latest.into_iter().map(SurveyRow::into_stored).collect()
    }
}

/// Applies a survey write on `$conn` inside the unit of work's transaction (expanded per
/// backend there): `cancel_invitations` cancels a ticket's pending invitations (a newer
/// round supersedes them); `insert` stores an invitation (a taken round or token hash is
/// [`StoreError::Duplicate`]); `answer` records the first answer of an unanswered round
/// and `change` replaces an answer still at the `changed_at` read (else
/// [`StoreError::VersionConflict`]).
macro_rules! survey_write {
    (cancel_invitations $conn:ident, $ticket_id:expr, $at:expr) => {{
        use diesel::BoolExpressionMethods as _;
        let ticket_id: domain::TicketId = $ticket_id;
        // Through `notifications_by_ticket`: a ticket has a handful of notifications.
        $crate::content::content_write!(
            cancel $conn,
            $crate::schema::notifications::ticket_id
                .eq(ticket_id.get())
                .and($crate::schema::notifications::template.eq(application::surveys::SURVEY_TEMPLATE)),
            $at,
            "superseded by a newer survey"
        );
    }};
    (insert $conn:ident, $stored:expr) => {{
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::surveys;
        let row = $crate::surveys::SurveyRow::of($stored);
        diesel::insert_into(surveys::table)
            .values(&row)
            .execute($conn)
            .await
            .map_err($crate::surveys::insert_error)?;
    }};
    (answer $conn:ident, $ticket_id:expr, $round:expr, $answer:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::surveys;
        let ticket_id: domain::TicketId = $ticket_id;
        let round: domain::survey::SurveyRound = $round;
        let answer: &domain::survey::Answer = $answer;
        // Guarded: of two concurrent first answers the second finds one and changes nothing.
        let answered = diesel::update(
            surveys::table
                .find((ticket_id.get(), i32::try_from(round.get()).unwrap_or(i32::MAX)))
                .filter(surveys::answered_at.is_null()),
        )
        .set((
            surveys::rating.eq(Some(i16::from(answer.rating.get()))),
            surveys::comment.eq(answer.comment.as_ref().map(|c| c.as_str())),
            surveys::answered_at.eq(Some($crate::time::to_sql(answer.answered_at))),
            surveys::changed_at.eq(Some($crate::time::to_sql(answer.changed_at))),
        ))
        .execute($conn)
        .await?;
        if answered == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::VersionConflict,
            ));
        }
    }};
    (change $conn:ident, $ticket_id:expr, $round:expr, $answer:expr, $expected:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::surveys;
        let ticket_id: domain::TicketId = $ticket_id;
        let round: domain::survey::SurveyRound = $round;
        let answer: &domain::survey::Answer = $answer;
        let expected: domain::Timestamp = $expected;
        // Guarded by the `changed_at` read: a concurrent change wins, this one is refused.
        let changed = diesel::update(
            surveys::table
                .find((ticket_id.get(), i32::try_from(round.get()).unwrap_or(i32::MAX)))
                .filter(surveys::changed_at.eq($crate::time::to_sql(expected))),
        )
        .set((
            surveys::rating.eq(Some(i16::from(answer.rating.get()))),
            surveys::comment.eq(answer.comment.as_ref().map(|c| c.as_str())),
            surveys::changed_at.eq(Some($crate::time::to_sql(answer.changed_at))),
        ))
        .execute($conn)
        .await?;
        if changed == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::VersionConflict,
            ));
        }
    }};
}
pub(crate) use survey_write;
