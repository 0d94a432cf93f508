//! Service levels: business calendars and policies as configured, the targets they give
//! tickets, previews and explanations of due instants, and the monitor.

mod calendars;
mod engine;
pub mod explain;
mod monitor;
mod policies;
mod preview;
mod spec;
mod view;

pub use calendars::{
    CalendarChanges, CalendarPorts, CreateCalendar, DeleteCalendar, ListCalendars, NAME_MAX_CHARS, UpdateCalendar,
};
pub use engine::SlaPorts;
pub(crate) use engine::{Before, Followed, PolicyCache, Reply, calendar_failure};
pub use explain::{Explanation, explain};
pub use monitor::{MonitorSla, SlaTick};
pub use policies::{
    CreatePolicy, DeletePolicy, ListPolicies, MAX_TARGET_MINUTES, PolicyInput, PolicyPorts, UpdatePolicy,
};
pub use preview::{CalendarSource, Preview, PreviewDueDate, PreviewInput};
pub use spec::{CalendarSpec, WeeklySpec, build_calendar};
pub(crate) use view::summaries;
pub use view::{ExplainedTarget, ShowSla, SlaReport, SlaView, TargetView};

#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod tests;
