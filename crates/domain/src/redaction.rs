//! Removing what was posted: redacted comments, deleted files and erased customers.
//!
//! A redacted comment keeps its place in the conversation (its id, author, visibility and
//! instant) but loses its text and its files; who redacted it, when and why is recorded
//! (the reason is staff-only). A file may be deleted by an admin, or by its uploader for a
//! short while after the upload. A customer's erasure (their right to be forgotten)
//! replaces their name, e-mail and phone, redacts everything they wrote and keeps their
//! tickets, anonymised, so reports keep their counts (ADR 0013).

use crate::access::{Actor, Role};
use crate::attachment::Attachment;
use crate::ids::UserId;
use crate::text::clean_text;
use crate::time::Timestamp;
use crate::value_error::ValueError;

/// What a redacted comment shows instead of its text.
pub const REDACTED_MARKER: &str = "[redacted]";

/// The reason recorded for the comments redacted by a customer's erasure.
pub const ERASURE_REASON: &str = "erasure";

/// What an erased customer's ticket subjects become (the ticket number stays beside it).
pub const ERASED_SUBJECT: &str = "[erased]";

/// How long after an upload its uploader may still delete the file, in seconds.
pub const UPLOADER_DELETE_WINDOW_SECS: i64 = 10 * 60;

/// Why a comment was redacted: 1 to 500 characters on one line. Staff-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactionReason(String);

impl RedactionReason {
    /// The longest reason accepted, in characters.
    pub const MAX_CHARS: usize = 500;

    /// Trims and checks a reason.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        clean_text(raw, Self::MAX_CHARS, false).map(Self)
    }

    /// The reason given for an erasure ([`ERASURE_REASON`]).
    pub fn erasure() -> Self {
        Self(ERASURE_REASON.to_owned())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who redacted a comment, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// When.
    pub at: Timestamp,
    /// The admin who redacted it.
    pub by: UserId,
    /// Why (staff-only).
    pub reason: RedactionReason,
}

/// Why a file may not be deleted by this actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionRefusal {
    /// Neither an admin nor the uploader.
    NotAllowed,
    /// The uploader, but the window ([`UPLOADER_DELETE_WINDOW_SECS`]) has passed.
    WindowPassed,
}

/// May `actor` delete `attachment` at `now`? Admins always; its uploader within
/// [`UPLOADER_DELETE_WINDOW_SECS`] of the upload. The caller has checked the actor may
/// see the file at all (else it answers as if it did not exist).
pub fn may_delete_attachment(actor: &Actor, attachment: &Attachment, now: Timestamp) -> Result<(), DeletionRefusal> {
    if actor.is_admin() {
        return Ok(());
    }
    if actor.user_id != attachment.uploaded_by {
        return Err(DeletionRefusal::NotAllowed);
    }
    let elapsed = now.unix_micros().saturating_sub(attachment.created_at.unix_micros());
    if elapsed > UPLOADER_DELETE_WINDOW_SECS.saturating_mul(1_000_000) {
        return Err(DeletionRefusal::WindowPassed);
    }
    Ok(())
}

/// Why an account may not be erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureRefusal {
    /// Only customers are erased; a staff account is deactivated instead.
    NotACustomer,
}

/// May an account of `role` be erased? Customers only: staff accounts are the
/// organisation's own records (who answered what), deactivated rather than erased.
pub const fn may_erase(role: Role) -> Result<(), ErasureRefusal> {
    match role {
        Role::Customer => Ok(()),
        _ => Err(ErasureRefusal::NotACustomer),
    }
}

/// The display name an erased customer is given: `Erased customer #ID`.
pub fn erased_display_name(user: UserId) -> String {
    format!("Erased customer #{}", user.get())
}

/// The e-mail address an erased customer is given: unique (it names the id), a valid
/// address, and in the reserved `.invalid` domain, so nothing can ever be delivered to it.
pub fn erased_email(user: UserId) -> String {
    format!("erased-{}@erased.invalid", user.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attachment::{FileName, MediaType};
    use crate::comment::Visibility;
    use crate::ids::{AttachmentId, CommentId, TicketId};
    use crate::user::{DisplayName, Email};

    fn file(uploaded_by: i64, at: Timestamp) -> Attachment {
        Attachment {
            id: AttachmentId::new(1),
            ticket_id: TicketId::new(1),
            comment_id: CommentId::new(1),
            uploaded_by: UserId::new(uploaded_by),
            visibility: Visibility::Public,
            file_name: FileName::restore("a.txt"),
            media_type: MediaType::parse("text/plain").expect("a type"),
            size_bytes: 1,
            sha256: String::new(),
            blob_key: "k".into(),
            created_at: at,
        }
    }

    #[test]
    fn reasons_are_one_to_five_hundred_characters_on_one_line() {
        assert_eq!(RedactionReason::parse(" "), Err(ValueError::Empty));
        assert_eq!(RedactionReason::parse(" spam ").map(|r| r.0), Ok("spam".into()));
        assert!(RedactionReason::parse(&"x".repeat(500)).is_ok());
        assert_eq!(
            RedactionReason::parse(&"x".repeat(501)),
            Err(ValueError::TooLong { max: 500 })
        );
        assert_eq!(RedactionReason::parse("a\nb"), Err(ValueError::ForbiddenCharacters));
    }

    #[test]
    fn admins_delete_any_file_and_uploaders_theirs_for_ten_minutes() {
        let t0 = Timestamp::from_unix_seconds(1_000_000);
        let f = file(7, t0);
        let admin = Actor::new(UserId::new(1), Role::Admin);
        let uploader = Actor::new(UserId::new(7), Role::Customer);
        let agent = Actor::new(UserId::new(8), Role::Agent);
        assert_eq!(may_delete_attachment(&admin, &f, t0.plus_seconds(86_400)), Ok(()));
        assert_eq!(may_delete_attachment(&uploader, &f, t0.plus_seconds(600)), Ok(()));
        assert_eq!(
            may_delete_attachment(&uploader, &f, t0.plus_seconds(601)),
            Err(DeletionRefusal::WindowPassed)
        );
        assert_eq!(
            may_delete_attachment(&agent, &f, t0.plus_seconds(1)),
            Err(DeletionRefusal::NotAllowed)
        );
    }

    #[test]
    fn only_customers_are_erased_and_their_new_identity_is_valid_and_unique() {
        assert_eq!(may_erase(Role::Customer), Ok(()));
        for staff in [Role::Agent, Role::Supervisor, Role::Admin] {
            assert_eq!(may_erase(staff), Err(ErasureRefusal::NotACustomer));
        }
        let id = UserId::new(123);
        assert_eq!(erased_display_name(id), "Erased customer #123");
        assert!(DisplayName::parse(&erased_display_name(id)).is_ok());
        assert_eq!(
            Email::parse(&erased_email(id)).map(|e| e.as_str().to_owned()),
            Ok("erased-123@erased.invalid".into())
        );
        assert_ne!(erased_email(id), erased_email(UserId::new(124)));
    }
}
