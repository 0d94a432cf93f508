//! Renaming, describing, activating and deactivating a category.

use std::sync::Arc;

use domain::Actor;

use crate::error::{AppError, Validator};
use crate::ports::{Category, CategoryChanges, CategoryRepository, Clock};

/// Changes to a category, as received; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateCategoryInput {
    /// A new name.
    pub name: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// Activate or deactivate. Deactivated categories stay on existing tickets.
    pub active: Option<bool>,
}

/// Changes a category (admins only). The slug never changes.
#[derive(Clone)]
pub struct UpdateCategory {
    categories: Arc<dyn CategoryRepository>,
    clock: Arc<dyn Clock>,
}

impl UpdateCategory {
    /// Wires the use case.
    pub fn new(categories: Arc<dyn CategoryRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { categories, clock }
    }

    /// Applies the changes and returns the category.
    pub async fn execute(&self, actor: Actor, slug: &str, input: UpdateCategoryInput) -> Result<Category, AppError> {
        super::require_admin(&actor)?;
        let slug = super::parse_slug(slug)?;
        let mut v = Validator::default();
        let name = input.name.as_deref().and_then(|n| super::check_name(&mut v, n));
        let description = input
            .description
            .as_deref()
            .and_then(|d| super::check_description(&mut v, d));
        v.finish()?;
        let changes = CategoryChanges {
            name,
            description,
            active: input.active,
        };
        self.categories
            .update(&slug, changes, self.clock.now())
            .await?
            .ok_or(AppError::NotFound("category"))
    }
}
