//! Listing categories.

use std::sync::Arc;

use domain::Actor;

use crate::error::AppError;
use crate::ports::{Category, CategoryRepository};

/// Lists categories: the active ones for everybody, inactive ones too for staff who ask.
#[derive(Clone)]
pub struct ListCategories {
    categories: Arc<dyn CategoryRepository>,
}

impl ListCategories {
    /// Wires the use case.
    pub fn new(categories: Arc<dyn CategoryRepository>) -> Self {
        Self { categories }
    }

    /// The categories, ordered by slug. Customers never see inactive ones.
    pub async fn execute(&self, actor: Actor, include_inactive: bool) -> Result<Vec<Category>, AppError> {
        Ok(self.categories.list(include_inactive && actor.is_staff()).await?)
    }
}
