//! The conversation on a ticket: customer comments, agent replies and internal notes.
//!
//! This module holds the comment itself, its values and the rule for what a comment does
//! to its ticket ([`effects_of`]), which [`crate::Ticket::add_comment`] applies.

mod body;
#[allow(clippy::module_inception)]
mod comment;
mod effects;
mod visibility;

pub use body::CommentBody;
pub use comment::Comment;
pub use effects::{CommentEffects, CommentRefusal, effects_of};
pub use visibility::Visibility;
