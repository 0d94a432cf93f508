//! The conversation on a ticket: customer comments, agent replies and internal notes.
//!
//! This module holds the values and the rule for what a comment does to its ticket
//! ([`effects_of`]). Storing comments and wiring the rule into the ticket aggregate come
//! with the comments feature's persistence and API.

mod body;
mod effects;
mod visibility;

pub use body::CommentBody;
pub use effects::{CommentEffects, CommentRefusal, effects_of};
pub use visibility::Visibility;
