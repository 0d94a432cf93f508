//! Escalation rules, their conditions and actions stored as JSON arrays.

use application::ports::{EscalationChecks, EscalationRuleRepository, StoreError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use domain::escalation::{Action, Channel, Condition, EscalationRule, PriorityRaise, Reassign, Recipient, SlaTrouble};
use domain::sla::TargetKind;
use domain::{CategorySlug, Priority, TicketId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use crate::error::{corrupt, db_error};
use crate::pool::Database;
use crate::schema::{escalation_firings, escalation_rules, tickets};
use crate::time::to_sql;

/// A condition as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StoredCondition {
    Sla { target: Option<String>, trouble: String },
    UnassignedFor { business_minutes: u32 },
    NoAgentReplyFor { business_minutes: u32 },
    SatisfactionAtMost { rating: u8 },
    PriorityAtLeast { priority: String },
    Category { category: String },
}

/// An action as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StoredAction {
    RaisePriority { to: Option<String> },
    RaiseLevel,
    ReassignAgent { agent_id: i64 },
    ReassignQueue { category: Option<String> },
    Notify { recipient: String, channels: Vec<String> },
}

fn store_condition(c: &Condition) -> StoredCondition {
    match c {
        Condition::Sla { target, trouble } => StoredCondition::Sla {
            target: target.map(|t| t.as_str().to_owned()),
            trouble: trouble.as_str().to_owned(),
        },
        Condition::UnassignedFor { business_minutes } => StoredCondition::UnassignedFor {
            business_minutes: *business_minutes,
        },
        Condition::NoAgentReplyFor { business_minutes } => StoredCondition::NoAgentReplyFor {
            business_minutes: *business_minutes,
        },
        Condition::SatisfactionAtMost { rating } => StoredCondition::SatisfactionAtMost { rating: rating.get() },
        Condition::PriorityAtLeast(p) => StoredCondition::PriorityAtLeast {
            priority: p.as_str().to_owned(),
        },
        Condition::Category(c) => StoredCondition::Category {
            category: c.to_string(),
        },
    }
}

fn store_action(a: &Action) -> StoredAction {
    match a {
        Action::RaisePriority(PriorityRaise::OneLevel) => StoredAction::RaisePriority { to: None },
        Action::RaisePriority(PriorityRaise::To(p)) => StoredAction::RaisePriority {
            to: Some(p.as_str().to_owned()),
        },
        Action::RaiseLevel => StoredAction::RaiseLevel,
        Action::Reassign(Reassign::Agent(id)) => StoredAction::ReassignAgent { agent_id: id.get() },
        Action::Reassign(Reassign::Queue { category }) => StoredAction::ReassignQueue {
            category: category.as_ref().map(ToString::to_string),
        },
        Action::Notify { recipient, channels } => StoredAction::Notify {
            recipient: recipient.as_str().to_owned(),
            channels: channels.iter().map(|c| c.as_str().to_owned()).collect(),
        },
    }
}

fn bad(e: &dyn std::fmt::Display) -> StoreError {
    corrupt("escalation rule", e)
}

fn load_condition(c: StoredCondition) -> Result<Condition, StoreError> {
    Ok(match c {
        StoredCondition::Sla { target, trouble } => Condition::Sla {
            target: target
                .map(|t| TargetKind::parse(&t).ok_or_else(|| bad(&"SLA target")))
                .transpose()?,
            trouble: SlaTrouble::parse(&trouble).ok_or_else(|| bad(&trouble))?,
        },
        StoredCondition::UnassignedFor { business_minutes } => Condition::UnassignedFor { business_minutes },
        StoredCondition::NoAgentReplyFor { business_minutes } => Condition::NoAgentReplyFor { business_minutes },
        StoredCondition::SatisfactionAtMost { rating } => Condition::SatisfactionAtMost {
            rating: domain::survey::Rating::parse(i64::from(rating)).map_err(|e| bad(&e))?,
        },
        StoredCondition::PriorityAtLeast { priority } => {
            Condition::PriorityAtLeast(Priority::parse(&priority).map_err(|e| bad(&e))?)
        }
        StoredCondition::Category { category } => {
            Condition::Category(CategorySlug::parse(&category).map_err(|e| bad(&e))?)
        }
    })
}

fn load_action(a: StoredAction) -> Result<Action, StoreError> {
    Ok(match a {
        StoredAction::RaisePriority { to: None } => Action::RaisePriority(PriorityRaise::OneLevel),
        StoredAction::RaisePriority { to: Some(p) } => {
            Action::RaisePriority(PriorityRaise::To(Priority::parse(&p).map_err(|e| bad(&e))?))
        }
        StoredAction::RaiseLevel => Action::RaiseLevel,
        StoredAction::ReassignAgent { agent_id } => Action::Reassign(Reassign::Agent(UserId::new(agent_id))),
        StoredAction::ReassignQueue { category } => Action::Reassign(Reassign::Queue {
            category: category
                .map(|c| CategorySlug::parse(&c).map_err(|e| bad(&e)))
                .transpose()?,
        }),
        StoredAction::Notify { recipient, channels } => Action::Notify {
            recipient: Recipient::parse(&recipient).ok_or_else(|| bad(&recipient))?,
            channels: channels
                .iter()
                .map(|c| Channel::parse(c).ok_or_else(|| bad(c)))
                .collect::<Result<_, _>>()?,
        },
    })
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = escalation_rules)]
struct RuleRow {
    id: i64,
    name: String,
    active: bool,
    conditions: String,
    actions: String,
}

impl RuleRow {
    fn into_rule(self) -> Result<EscalationRule, StoreError> {
        let conditions: Vec<StoredCondition> = serde_json::from_str(&self.conditions).map_err(|e| bad(&e))?;
        let actions: Vec<StoredAction> = serde_json::from_str(&self.actions).map_err(|e| bad(&e))?;
        Ok(EscalationRule {
            id: self.id,
            name: self.name,
            active: self.active,
            conditions: conditions.into_iter().map(load_condition).collect::<Result<_, _>>()?,
            actions: actions.into_iter().map(load_action).collect::<Result<_, _>>()?,
        })
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = escalation_rules)]
struct RuleValues {
    name: String,
    active: bool,
    conditions: String,
    actions: String,
    updated_at: NaiveDateTime,
}

impl RuleValues {
    fn of(rule: &EscalationRule, at: NaiveDateTime) -> Result<Self, StoreError> {
        let conditions: Vec<StoredCondition> = rule.conditions.iter().map(store_condition).collect();
        let actions: Vec<StoredAction> = rule.actions.iter().map(store_action).collect();
        Ok(Self {
            name: rule.name.clone(),
            active: rule.active,
            conditions: serde_json::to_string(&conditions).map_err(|e| bad(&e))?,
            actions: serde_json::to_string(&actions).map_err(|e| bad(&e))?,
            updated_at: at,
        })
    }
}

fn rule_error(e: DieselError) -> StoreError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Duplicate("name"),
        other => db_error(other),
    }
}

#[async_trait]
impl EscalationRuleRepository for Database {
    async fn list_rules(&self) -> Result<Vec<EscalationRule>, StoreError> {
        let rows: Vec<RuleRow> = db_run!(self, conn => {
            escalation_rules::table
                .order(escalation_rules::id.asc())
                .select(RuleRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
        });
        rows.into_iter().map(RuleRow::into_rule).collect()
    }

    async fn get_rule(&self, id: i64) -> Result<Option<EscalationRule>, StoreError> {
        let row: Option<RuleRow> = db_run!(self, conn => {
            escalation_rules::table
                .find(id)
                .select(RuleRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(RuleRow::into_rule).transpose()
    }

    async fn insert_rule(&self, rule: EscalationRule, at: Timestamp) -> Result<EscalationRule, StoreError> {
        let now = to_sql(at);
        let values = RuleValues::of(&rule, now)?;
        let id: i64 = db_run!(self, conn => {
            diesel::insert_into(escalation_rules::table)
                .values((values, escalation_rules::created_at.eq(now)))
                .returning(escalation_rules::id)
                .get_result(conn)
                .await
                .map_err(rule_error)?
        });
        Ok(EscalationRule { id, ..rule })
    }

    async fn update_rule(&self, rule: EscalationRule, at: Timestamp) -> Result<bool, StoreError> {
        let values = RuleValues::of(&rule, to_sql(at))?;
        let id = rule.id;
        let updated: usize = db_run!(self, conn => {
            diesel::update(escalation_rules::table.find(id)).set(values).execute(conn).await.map_err(rule_error)?
        });
        Ok(updated == 1)
    }

    async fn delete_rule(&self, id: i64) -> Result<bool, StoreError> {
        let deleted: usize = db_run!(self, conn => {
            diesel::delete(escalation_rules::table.find(id)).execute(conn).await.map_err(db_error)?
        });
        Ok(deleted == 1)
    }
}

/// Tickets due a look and not leased, earliest first, through the partial index on
/// `escalation_check_at`.
macro_rules! due_checks {
    ($now:expr, $limit:expr) => {
        tickets::table
            .filter(tickets::escalation_check_at.le($now))
            .filter(
                tickets::escalation_claimed_until
                    .is_null()
                    .or(tickets::escalation_claimed_until.lt($now)),
            )
            .order(tickets::escalation_check_at.asc())
            .select(tickets::id)
            .limit($limit)
    };
}

#[async_trait]
impl EscalationChecks for Database {
    async fn claim_checks(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<TicketId>, StoreError> {
        let (now, until, limit) = (to_sql(now), to_sql(lease_until), i64::from(limit));
        let ids: Vec<i64> = db_tx!(self, conn => {
            let ids = dialect::lease_rows!(
                conn,
                due_checks!(now, limit),
                tickets::table,
                tickets::id,
                tickets::escalation_claimed_until.eq(until)
            );
            Ok::<_, crate::error::TxError>(ids)
        })?;
        Ok(ids.into_iter().map(TicketId::new).collect())
    }

    async fn fired(&self, ticket: TicketId) -> Result<Vec<(i64, String)>, StoreError> {
        let id = ticket.get();
        Ok(db_run!(self, conn => {
            escalation_firings::table
                .filter(escalation_firings::ticket_id.eq(id))
                .select((escalation_firings::rule_id, escalation_firings::trigger_key))
                .load(conn)
                .await
                .map_err(db_error)?
        }))
    }

    async fn recheck_open_tickets(&self, at: Timestamp) -> Result<u64, StoreError> {
        let at = to_sql(at);
        let n: usize = db_run!(self, conn => {
            diesel::update(tickets::table.filter(tickets::status.ne_all(["resolved", "closed"])))
                // Ending the leases makes a look in progress under the old rules schedule
                // nothing.
                .set((
                    tickets::escalation_check_at.eq(at),
                    tickets::escalation_claimed_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)
                .await
                .map_err(db_error)?
        });
        Ok(n as u64)
    }
}

/// Applies an escalation write on `$conn` inside the unit of work's transaction (expanded
/// per backend there, see [`crate::unit_of_work`]): `firing` notes that a rule fired for
/// a trigger of a ticket (else [`StoreError::Duplicate`]`("escalation_firing")`);
/// `schedule` sets the ticket's next look and ends its lease, provided the ticket is
/// still at `$version` and under the lease ending at `$lease` (else nothing); `recheck`
/// makes the ticket due at `$at` and ends its lease, leaving the ticket itself alone.
macro_rules! escalation_write {
    (recheck $conn:ident, $ticket_id:expr, $at:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::tickets;
        let ticket_id: domain::TicketId = $ticket_id;
        let at: domain::Timestamp = $at;
        diesel::update(tickets::table.find(ticket_id.get()))
            .set((
                tickets::escalation_check_at.eq(Some($crate::time::to_sql(at))),
                tickets::escalation_claimed_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute($conn)
            .await?;
    }};
    (firing $conn:ident, $ticket_id:expr, $rule_id:expr, $trigger:expr, $at:expr) => {{
        use diesel::ExpressionMethods as _;
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::escalation_firings;
        let ticket_id: domain::TicketId = $ticket_id;
        let rule_id: i64 = $rule_id;
        let trigger: &String = $trigger;
        let at: domain::Timestamp = $at;
        diesel::insert_into(escalation_firings::table)
            .values((
                escalation_firings::ticket_id.eq(ticket_id.get()),
                escalation_firings::rule_id.eq(rule_id),
                escalation_firings::trigger_key.eq(trigger),
                escalation_firings::fired_at.eq($crate::time::to_sql(at)),
            ))
            .execute($conn)
            .await
            .map_err($crate::error::unique_violation_as(
                application::ports::StoreError::Duplicate("escalation_firing"),
            ))?;
    }};
    (schedule $conn:ident, $ticket_id:expr, $at:expr, $version:expr, $lease:expr) => {{
        use diesel::{BoolExpressionMethods as _, ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::tickets;
        use $crate::time::to_sql;
        let ticket_id: domain::TicketId = $ticket_id;
        let at: Option<domain::Timestamp> = $at;
        let version: domain::Version = $version;
        let lease: domain::Timestamp = $lease;
        // A change or a rule since the schedule was worked out leaves the
        // ticket due (both end the lease).
        let held = tickets::id
            .eq(ticket_id.get())
            .and(tickets::version.eq(version.get()))
            .and(tickets::escalation_claimed_until.eq(to_sql(lease)));
        diesel::update(tickets::table.filter(held))
            .set((
                tickets::escalation_check_at.eq(at.map(to_sql)),
                tickets::escalation_claimed_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute($conn)
            .await?;
    }};
}
pub(crate) use escalation_write;
