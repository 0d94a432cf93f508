//! Agent profiles and their skills.

use application::ports::{AgentProfile, AgentRepository, StoreError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::RunQueryDsl;
use domain::assignment::{Availability, Skill};
use domain::{CategorySlug, UserId};

use crate::error::{TxError, corrupt, db_error};
use crate::pool::Database;
use crate::schema::{agent_profiles, agent_skills};
use crate::time::{from_sql, to_sql};

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = agent_profiles)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
struct ProfileRow {
    user_id: i64,
    availability: String,
    capacity: i32,
    last_assigned_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = agent_skills)]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
struct SkillRow {
    user_id: i64,
    category: String,
    level: Option<i16>,
}

fn missing_category(e: DieselError) -> TxError {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            TxError::Store(StoreError::Reference("category"))
        }
        other => TxError::Diesel(other),
    }
}

#[async_trait]
impl AgentRepository for Database {
    async fn agent_profile(&self, user_id: UserId) -> Result<Option<AgentProfile>, StoreError> {
        let id = user_id.get();
        let (row, skills) = db_run!(self, conn => {
            let row: Option<ProfileRow> = agent_profiles::table
                .find(id)
                .select(ProfileRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?;
            let skills: Vec<SkillRow> = agent_skills::table
                .filter(agent_skills::user_id.eq(id))
                .order(agent_skills::category.asc())
                .select(SkillRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            (row, skills)
        });
        let Some(row) = row else {
            return Ok(None);
        };
        let bad = |e: &dyn std::fmt::Display| corrupt("agent profile", e);
        let skills = skills
            .into_iter()
            .map(|s| {
                Ok(Skill {
                    category: CategorySlug::parse(&s.category).map_err(|e| bad(&e))?,
                    level: s.level.map(u8::try_from).transpose().map_err(|e| bad(&e))?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(AgentProfile {
            user_id,
            availability: Availability::parse(&row.availability).map_err(|e| bad(&e))?,
            capacity: u32::try_from(row.capacity).map_err(|e| bad(&e))?,
            skills,
            last_assigned_at: row.last_assigned_at.map(from_sql),
            updated_at: from_sql(row.updated_at),
        }))
    }

    async fn save_agent_profile(&self, profile: AgentProfile) -> Result<(), StoreError> {
        let id = profile.user_id.get();
        let row = ProfileRow {
            user_id: id,
            availability: profile.availability.as_str().to_owned(),
            capacity: i32::try_from(profile.capacity).unwrap_or(i32::MAX),
            last_assigned_at: profile.last_assigned_at.map(to_sql),
            updated_at: to_sql(profile.updated_at),
        };
        let skills: Vec<SkillRow> = profile
            .skills
            .iter()
            .map(|s| SkillRow {
                user_id: id,
                category: s.category.to_string(),
                level: s.level.map(i16::from),
            })
            .collect();
        db_tx!(self, conn => {
            diesel::insert_into(agent_profiles::table)
                .values(&row)
                .on_conflict(agent_profiles::user_id)
                .do_update()
                .set(&row)
                .execute(conn)
                .await?;
            diesel::delete(agent_skills::table.filter(agent_skills::user_id.eq(id))).execute(conn).await?;
            // One row at a time: the async SQLite wrapper has no batch insert.
            for skill in &skills {
                diesel::insert_into(agent_skills::table).values(skill).execute(conn).await.map_err(missing_category)?;
            }
            Ok(())
        })
    }
}
