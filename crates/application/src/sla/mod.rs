//! Service levels: building business calendars from their configuration and previewing
//! due instants. Policies, targets and the monitor build on these.

mod calendars;
pub mod explain;
mod policies;
mod preview;
mod spec;

pub use calendars::{
    CalendarChanges, CalendarPorts, CreateCalendar, DeleteCalendar, ListCalendars, NAME_MAX_CHARS, UpdateCalendar,
};
pub use explain::{Explanation, explain};
pub use policies::{
    CreatePolicy, DeletePolicy, ListPolicies, MAX_TARGET_MINUTES, PolicyInput, PolicyPorts, UpdatePolicy,
};
pub use preview::{CalendarSource, PreviewDueDate, PreviewInput};
pub use spec::{CalendarSpec, WeeklySpec, build_calendar};

#[cfg(test)]
mod tests;
