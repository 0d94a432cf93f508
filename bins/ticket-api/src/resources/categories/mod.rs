//! The admin-defined ticket categories.

pub mod dto;

use actix_web::{HttpResponse, web};
use application::categories::{
    CreateCategory, DeleteCategory, ListCategories, NewCategoryInput, UpdateCategory, UpdateCategoryInput,
};
use utoipa::OpenApi;

use super::{API, resource};
use crate::compose::Context;
use crate::extract::Authenticated;
use crate::problem::{ApiError, JsonBody, ReadErrors, WriteErrors};
use dto::{CategoryList, CategoryQuery, CategoryResponse, CreateCategoryRequest, UpdateCategoryRequest};

/// `/api/v1/categories`
pub const CATEGORIES: &str = "/categories";
/// `/api/v1/categories/{slug}`
pub const CATEGORIES_SLUG: &str = "/categories/{slug}";

/// The use cases this resource calls, built once from the shared context.
pub struct Cases {
    /// `GET /categories`
    pub list_categories: ListCategories,
    /// `POST /categories`
    pub create_category: CreateCategory,
    /// `PATCH /categories/{slug}`
    pub update_category: UpdateCategory,
    /// `DELETE /categories/{slug}`
    pub delete_category: DeleteCategory,
}

impl Cases {
    /// Builds them from the shared context.
    pub fn new(ctx: &Context) -> Self {
        Self {
            list_categories: ListCategories::new(ctx.db.clone()),
            create_category: CreateCategory::new(ctx.db.clone(), ctx.clock.clone()),
            update_category: UpdateCategory::new(ctx.db.clone(), ctx.clock.clone()),
            delete_category: DeleteCategory::new(ctx.db.clone()),
        }
    }
}

/// Registers the routes, inside `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, cases: &web::Data<Cases>) {
    cfg.app_data(cases.clone());
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
    cases: web::Data<Cases>,
    caller: Authenticated,
    query: web::Query<CategoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let categories = cases
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
    cases: web::Data<Cases>,
    caller: Authenticated,
    body: JsonBody<CreateCategoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let input = NewCategoryInput {
        slug: body.slug,
        name: body.name,
        description: body.description,
    };
    let category = cases.create_category.execute(caller.0.actor(), input).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/categories/{}", category.slug)))
        .json(CategoryResponse::from(&category)))
}

/// Renames, describes, activates or deactivates a category (admins only).
#[utoipa::path(patch, path = CATEGORIES_SLUG, context_path = API, tag = "categories", request_body = UpdateCategoryRequest,
    params(("slug" = String, Path, description = "The category's slug", example = "billing")), security(("bearer" = [])),
    responses((status = 200, description = "Updated", body = CategoryResponse), WriteErrors))]
pub async fn update(
    cases: web::Data<Cases>,
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
    let category = cases.update_category.execute(caller.0.actor(), &slug, input).await?;
    Ok(HttpResponse::Ok().json(CategoryResponse::from(&category)))
}

/// Deletes an unused category (admins only); one in use answers 409.
#[utoipa::path(delete, path = CATEGORIES_SLUG, context_path = API, tag = "categories",
    params(("slug" = String, Path, description = "The category's slug", example = "billing")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), WriteErrors))]
pub async fn delete(cases: web::Data<Cases>, caller: Authenticated, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    cases.delete_category.execute(caller.0.actor(), &slug).await?;
    Ok(HttpResponse::NoContent().finish())
}
