//! The ticket aggregate and the values it is made of.

mod aggregate;
mod category;
mod content;
mod error;
mod events;
mod number;
mod priority;
mod status;
mod tags;
mod update;

pub use aggregate::{Escalation, NewTicket, Ticket, TicketParts, Version};
pub use category::CategorySlug;
pub use content::{Description, Subject};
pub use error::{TicketAction, TicketError};
pub use events::{FieldChange, TicketEvent, TicketEventKind};
pub use number::TicketNumber;
pub use priority::Priority;
pub use status::TicketStatus;
pub use tags::{Tag, Tags};
pub use update::TicketUpdate;

#[cfg(test)]
mod machine_properties;
