//! Deleting an unused category.

use std::sync::Arc;

use domain::Actor;

use crate::error::AppError;
use crate::ports::{CategoryRepository, StoreError};

/// Deletes a category no ticket uses (admins only). One in use is deactivated instead.
#[derive(Clone)]
pub struct DeleteCategory {
    categories: Arc<dyn CategoryRepository>,
}

impl DeleteCategory {
    /// Wires the use case.
    pub fn new(categories: Arc<dyn CategoryRepository>) -> Self {
        Self { categories }
    }

    /// Deletes the category; a category in use is a conflict that says to deactivate it.
    pub async fn execute(&self, actor: Actor, slug: &str) -> Result<(), AppError> {
        super::require_admin(&actor)?;
        let slug = super::parse_slug(slug)?;
        match self.categories.delete(&slug).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(AppError::NotFound("category")),
            Err(StoreError::Reference(_)) => Err(AppError::Conflict {
                code: "category_in_use",
                message: format!("tickets use the category `{slug}`; deactivate it instead (PATCH with active=false)"),
            }),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockCategoryRepository;
    use domain::{Role, UserId};

    #[tokio::test]
    async fn a_category_in_use_is_not_deleted() {
        let mut repo = MockCategoryRepository::new();
        repo.expect_delete()
            .returning(|_| Err(StoreError::Reference("category")));
        let admin = Actor::new(UserId::new(1), Role::Admin);
        let err = DeleteCategory::new(Arc::new(repo)).execute(admin, "billing").await;
        assert!(matches!(
            err,
            Err(AppError::Conflict {
                code: "category_in_use",
                ..
            })
        ));
    }

    #[tokio::test]
    async fn only_admins_delete() {
        let agent = Actor::new(UserId::new(1), Role::Supervisor);
        let err = DeleteCategory::new(Arc::new(MockCategoryRepository::new()))
            .execute(agent, "billing")
            .await;
        assert!(matches!(err, Err(AppError::Forbidden(_))));
    }
}
