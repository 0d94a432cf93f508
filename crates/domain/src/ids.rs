//! Typed identifiers, so a ticket id is never passed where a user id belongs.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw id as stored.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw id as stored.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies a ticket. Its ticket number is derived from the same sequence.
    TicketId
);
id_type!(
    /// Identifies a user account: a customer or a member of staff.
    UserId
);
id_type!(
    /// Identifies a comment (a public comment or an internal note).
    CommentId
);
id_type!(
    /// Identifies an uploaded file.
    AttachmentId
);
