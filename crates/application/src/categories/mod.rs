//! Managing the categories tickets are filed under. Admins manage them; everybody reads
//! the active ones.

mod create;
mod delete;
mod list;
mod update;

pub use create::{CreateCategory, NewCategoryInput};
pub use delete::DeleteCategory;
pub use list::ListCategories;
pub use update::{UpdateCategory, UpdateCategoryInput};

use domain::{Actor, CategorySlug};

use crate::error::{AppError, Validator};

/// The longest category name, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// The longest category description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 2000;

fn require_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.may_manage_categories() {
        Ok(())
    } else {
        Err(AppError::Forbidden("only admins manage categories".into()))
    }
}

fn parse_slug(raw: &str) -> Result<CategorySlug, AppError> {
    CategorySlug::parse(raw).map_err(|_| AppError::NotFound("category"))
}

fn check_name(v: &mut Validator, raw: &str) -> Option<String> {
    v.check("name", domain::text::clean_text(raw, NAME_MAX_CHARS, false))
}

fn check_description(v: &mut Validator, raw: &str) -> Option<String> {
    if raw.trim().is_empty() {
        return Some(String::new());
    }
    v.check(
        "description",
        domain::text::clean_text(raw, DESCRIPTION_MAX_CHARS, true),
    )
}
