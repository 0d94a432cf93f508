//! Categories.

use application::ports::{Category, CategoryChanges, CategoryRepository, StoreError};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::{CategorySlug, Timestamp};

use crate::error::{corrupt, db_error};
use crate::pool::Database;
use crate::schema::categories;
use crate::time::{from_sql, to_sql};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = categories)]
#[diesel(treat_none_as_default_value = false)]
struct CategoryRow {
    slug: String,
    name: String,
    description: String,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset)]
#[diesel(table_name = categories)]
struct CategoryChangeset {
    name: Option<String>,
    description: Option<String>,
    active: Option<bool>,
    updated_at: NaiveDateTime,
}

impl CategoryRow {
    fn into_category(self) -> Result<Category, StoreError> {
        Ok(Category {
            slug: CategorySlug::parse(&self.slug).map_err(|e| corrupt("category", e))?,
            name: self.name,
            description: self.description,
            active: self.active,
            created_at: from_sql(self.created_at),
            updated_at: from_sql(self.updated_at),
        })
    }
}

#[async_trait]
impl CategoryRepository for Database {
    async fn list(&self, include_inactive: bool) -> Result<Vec<Category>, StoreError> {
        let rows: Vec<CategoryRow> = db_run!(self, conn => {
            let mut q = categories::table.select(CategoryRow::as_select()).order(categories::slug.asc()).into_boxed();
            if !include_inactive {
                q = q.filter(categories::active.eq(true));
            }
            q.load(conn).await.map_err(db_error)?
        });
        rows.into_iter().map(CategoryRow::into_category).collect()
    }

    async fn get(&self, slug: &CategorySlug) -> Result<Option<Category>, StoreError> {
        let slug = slug.clone();
        let row: Option<CategoryRow> = db_run!(self, conn => {
            categories::table.find(slug.as_str()).select(CategoryRow::as_select()).first(conn).await.optional().map_err(db_error)?
        });
        row.map(CategoryRow::into_category).transpose()
    }

    async fn insert(&self, c: Category) -> Result<(), StoreError> {
        let row = CategoryRow {
            slug: c.slug.to_string(),
            name: c.name,
            description: c.description,
            active: c.active,
            created_at: to_sql(c.created_at),
            updated_at: to_sql(c.updated_at),
        };
        db_run!(self, conn => {
            diesel::insert_into(categories::table).values(&row).execute(conn).await.map_err(|e| match db_error(e) {
                StoreError::Duplicate(_) => StoreError::Duplicate("slug"),
                other => other,
            })?;
        });
        Ok(())
    }

    async fn update(
        &self,
        slug: &CategorySlug,
        changes: CategoryChanges,
        now: Timestamp,
    ) -> Result<Option<Category>, StoreError> {
        let slug = slug.clone();
        let set = CategoryChangeset {
            name: changes.name,
            description: changes.description,
            active: changes.active,
            updated_at: to_sql(now),
        };
        let row: Option<CategoryRow> = db_run!(self, conn => {
            diesel::update(categories::table.find(slug.as_str()))
                .set(&set)
                .returning(CategoryRow::as_returning())
                .get_result(conn)
                .await
                .optional()
                .map_err(db_error)?
        });
        row.map(CategoryRow::into_category).transpose()
    }

    async fn delete(&self, slug: &CategorySlug) -> Result<bool, StoreError> {
        let slug = slug.clone();
        let deleted = db_run!(self, conn => {
            diesel::delete(categories::table.find(slug.as_str())).execute(conn).await.map_err(|e| match db_error(e) {
                StoreError::Reference(_) => StoreError::Reference("category"),
                other => other,
            })?
        });
        Ok(deleted > 0)
    }
}
