//! Creating a category.

use std::sync::Arc;

use domain::{Actor, CategorySlug};

use crate::error::{AppError, Validator};
use crate::ports::{Category, CategoryRepository, Clock, StoreError};

/// A category to create, as received.
#[derive(Debug, Clone)]
pub struct NewCategoryInput {
    /// Its slug, immutable once created.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// An explanation for people filing tickets.
    pub description: Option<String>,
}

/// Creates a category (admins only).
#[derive(Clone)]
pub struct CreateCategory {
    categories: Arc<dyn CategoryRepository>,
    clock: Arc<dyn Clock>,
}

impl CreateCategory {
    /// Wires the use case.
    pub fn new(categories: Arc<dyn CategoryRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { categories, clock }
    }

    /// Creates the category, active. A taken slug is a conflict.
    pub async fn execute(&self, actor: Actor, input: NewCategoryInput) -> Result<Category, AppError> {
        super::require_admin(&actor)?;
        let mut v = Validator::default();
        let slug = v.check("slug", CategorySlug::parse(&input.slug));
        let name = super::check_name(&mut v, &input.name);
        let description = super::check_description(&mut v, input.description.as_deref().unwrap_or(""));
        v.finish()?;
        let (Some(slug), Some(name), Some(description)) = (slug, name, description) else {
            return Err(AppError::Internal("validator let an invalid field through".into()));
        };
        let now = self.clock.now();
        let category = Category {
            slug,
            name,
            description,
            active: true,
            created_at: now,
            updated_at: now,
        };
        self.categories.insert(category.clone()).await.map_err(|e| match e {
            StoreError::Duplicate(_) => AppError::Conflict {
                code: "category_exists",
                message: format!("a category with the slug `{}` already exists", category.slug),
            },
            other => other.into(),
        })?;
        Ok(category)
    }
}
