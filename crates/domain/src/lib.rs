//! The help desk's domain: tickets and their state machine, the values they are made of,
//! who may do what to them, and the events every change produces.
//!
//! This crate has no dependencies so other services can reuse it and CI can test it with
//! no database and no network. Time is the crate's own [`Timestamp`]; callers supply "now".
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
pub mod assignment;
pub mod attachment;
pub mod comment;
pub mod escalation;
pub mod ids;
pub mod redaction;
pub mod report;
pub mod sla;
pub mod survey;
pub mod text;
pub mod ticket;
pub mod time;
pub mod user;
pub mod value_error;

pub use access::{Actor, Role};
pub use attachment::{Attachment, FileName, MediaType};
pub use comment::{Comment, CommentBody, Visibility};
pub use ids::{AttachmentId, CommentId, TicketId, UserId};
pub use ticket::{
    CategorySlug, Description, Escalation, FieldChange, NewTicket, Priority, Subject, Tag, Tags, Ticket, TicketAction,
    TicketError, TicketEvent, TicketEventKind, TicketNumber, TicketParts, TicketStatus, TicketUpdate, Version,
};
pub use time::Timestamp;
pub use user::{DisplayName, Email, PhoneNumber};
pub use value_error::ValueError;
