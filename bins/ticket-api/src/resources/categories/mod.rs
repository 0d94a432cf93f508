//! The admin-defined ticket categories.

pub mod dto;

use actix_web::{HttpResponse, web};
use application::categories::{NewCategoryInput, UpdateCategoryInput};
use utoipa::OpenApi;

use super::{API, State, resource};
use crate::extract::Authenticated;
use crate::problem::{ApiError, JsonBody, ReadErrors, WriteErrors};
use dto::{CategoryList, CategoryQuery, CategoryResponse, CreateCategoryRequest, UpdateCategoryRequest};

/// `/api/v1/categories`
pub const CATEGORIES: &str = "/categories";
/// `/api/v1/categories/{slug}`
pub const CATEGORIES_SLUG: &str = "/categories/{slug}";

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource(CATEGORIES, "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    );
    cfg.service(
        resource(CATEGORIES_SLUG, "PATCH, DELETE")
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    );
}

/// The routes' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, create, update, delete))]
pub struct Doc;

/// Lists categories, active ones unless staff ask for all.
#[utoipa::path(get, path = CATEGORIES, context_path = API, tag = "categories", params(CategoryQuery), security(("bearer" = [])),
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
#[utoipa::path(post, path = CATEGORIES, context_path = API, tag = "categories", request_body = CreateCategoryRequest, security(("bearer" = [])),
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
#[utoipa::path(patch, path = CATEGORIES_SLUG, context_path = API, tag = "categories", request_body = UpdateCategoryRequest,
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
#[utoipa::path(delete, path = CATEGORIES_SLUG, context_path = API, tag = "categories",
    params(("slug" = String, Path, description = "The category's slug", example = "billing")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete(state: State, caller: Authenticated, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    state.delete_category.execute(caller.0.actor(), &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}
