//! Service levels: building business calendars from their configuration and previewing
//! due instants. Policies, targets and the monitor build on these.

pub mod explain;
mod preview;
mod spec;

pub use explain::{Explanation, explain};
pub use preview::{PreviewDueDate, PreviewInput};
pub use spec::{CalendarSpec, build_calendar};

#[cfg(test)]
mod tests;
