//! Admin-defined ticket categories.

use async_trait::async_trait;
use domain::{CategorySlug, Timestamp};

use super::store::StoreError;

/// A category tickets can be filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Its stable slug.
    pub slug: CategorySlug,
    /// Its display name.
    pub name: String,
    /// A longer explanation for people filing tickets.
    pub description: String,
    /// Inactive categories stay on old tickets but cannot be chosen for new ones.
    pub active: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Changes to a category; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

/// Stores categories.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CategoryRepository: Send + Sync {
    /// Every category, active ones only unless `include_inactive`, ordered by slug.
    async fn list(&self, include_inactive: bool) -> Result<Vec<Category>, StoreError>;
    /// The category with this slug.
    async fn get(&self, slug: &CategorySlug) -> Result<Option<Category>, StoreError>;
    /// Creates a category. MUST return [`StoreError::Duplicate`]`("slug")` when taken.
    async fn insert(&self, category: Category) -> Result<(), StoreError>;
    /// Stores changed fields; returns the updated category, or `None` if it does not exist.
    async fn update(
        &self,
        slug: &CategorySlug,
        changes: CategoryChanges,
        now: Timestamp,
    ) -> Result<Option<Category>, StoreError>;
    /// Deletes a category; returns false if it did not exist. MUST return
    /// [`StoreError::Reference`]`("category")` while tickets use it.
    async fn delete(&self, slug: &CategorySlug) -> Result<bool, StoreError>;
}
