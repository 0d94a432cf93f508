//! The JSON bodies and query strings of the categories endpoints.

use application::ports::Category;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::shared::instant;

/// A category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Whether new tickets may use it.
    pub active: bool,
    /// When it was created.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it last changed.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&Category> for CategoryResponse {
    fn from(c: &Category) -> Self {
        Self {
            slug: c.slug.to_string(),
            name: c.name.clone(),
            description: c.description.clone(),
            active: c.active,
            created_at: instant(c.created_at),
            updated_at: instant(c.updated_at),
        }
    }
}

/// The categories.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// Ordered by slug.
    pub items: Vec<CategoryResponse>,
}

/// `POST /categories`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Lowercase letters, digits and single hyphens; cannot change later.
    #[schema(example = "billing", pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 64)]
    pub slug: String,
    /// The name shown.
    #[schema(example = "Billing", min_length = 1, max_length = 100)]
    pub name: String,
    /// A longer explanation.
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /categories/{slug}`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// Deactivated categories stay on existing tickets but cannot be chosen.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Query of `GET /categories`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryQuery {
    /// Include deactivated categories (staff only; ignored for customers).
    pub include_inactive: Option<bool>,
}
