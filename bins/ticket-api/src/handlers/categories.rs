//! `GET/POST /categories`, `PATCH/DELETE /categories/{slug}`.

use actix_web::{HttpResponse, web};
use application::categories::{NewCategoryInput, UpdateCategoryInput};
use serde::Deserialize;
use utoipa::IntoParams;

use super::State;
use crate::dto::{CategoryList, CategoryResponse, CreateCategoryRequest, UpdateCategoryRequest};
use crate::extract::Authenticated;
use crate::openapi::{ReadErrors, WriteErrors};
use crate::problem::{ApiError, JsonBody};

/// Query of `GET /categories`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryQuery {
    /// Include deactivated categories (staff only; ignored for customers).
    pub include_inactive: Option<bool>,
}

/// Lists categories, active ones unless staff ask for all.
#[utoipa::path(get, path = "/api/v1/categories", tag = "categories", params(CategoryQuery), security(("bearer" = [])),
    responses((status = 200, description = "The categories", body = CategoryList), ReadErrors))]
pub async fn list(
    state: State,
    caller: Authenticated,
    query: web::Query<CategoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let categories = state
        .list_categories
        .execute(caller.0.actor(), query.include_inactive.unwrap_or(false))
        .await?;
    Ok(HttpResponse::Ok().json(CategoryList {
        items: categories.iter().map(CategoryResponse::from).collect(),
    }))
}

/// Creates a category (admins only).
#[utoipa::path(post, path = "/api/v1/categories", tag = "categories", request_body = CreateCategoryRequest, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = CategoryResponse), WriteErrors))]
pub async fn create(
    state: State,
    caller: Authenticated,
    body: JsonBody<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let input = NewCategoryInput {
        slug: body.slug,
        name: body.name,
        description: body.description,
    };
    let category = state.create_category.execute(caller.0.actor(), input).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/categories/{}", category.slug)))
        .json(CategoryResponse::from(&category)))
}

/// Renames, describes, activates or deactivates a category (admins only).
#[utoipa::path(patch, path = "/api/v1/categories/{slug}", tag = "categories", request_body = UpdateCategoryRequest,
    params(("slug" = String, Path, description = "The category's slug", example = "billing")), security(("bearer" = [])),
    responses((status = 200, description = "Updated", body = CategoryResponse), WriteErrors))]
pub async fn update(
    state: State,
    caller: Authenticated,
    slug: web::Path<String>,
    body: JsonBody<UpdateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let input = UpdateCategoryInput {
        name: body.name,
        description: body.description,
        active: body.active,
    };
    let category = state.update_category.execute(caller.0.actor(), &slug, input).await?;
    Ok(HttpResponse::Ok().json(CategoryResponse::from(&category)))
}

/// Deletes an unused category (admins only); one in use answers 409.
#[utoipa::path(delete, path = "/api/v1/categories/{slug}", tag = "categories",
    params(("slug" = String, Path, description = "The category's slug", example = "billing")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete(state: State, caller: Authenticated, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    state.delete_category.execute(caller.0.actor(), &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}
